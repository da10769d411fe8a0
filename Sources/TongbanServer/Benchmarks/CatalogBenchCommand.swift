import Fluent
import Foundation
import TongbanCatalog
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban bench catalog [--items N]`: the catalog budgets, in process. Generates N items
/// (names, departments and materials drawn from real vocabulary), then times building the search
/// index, searching with one- to six-character queries, evaluating a ten-item bundle, and
/// importing all N items into the configured database (twice: the second import finds every
/// item unchanged). Prints figures; `Benchmarks/catalog.sh` adds the HTTP side. Not a test.
package struct CatalogBenchCommand: AsyncCommand {
    package struct Signature: CommandSignature {
        package init() {}

        @Argument(name: "what", help: "catalog, calendar, applications or licenses")
        package var what: String
        @Option(name: "items", help: "how many items to generate (default 100000)")
        package var items: Int?
        @Flag(name: "skip-import", help: "only the in-process figures")
        package var skipImport: Bool
        @Option(name: "applications", help: "supervision: how many applications to write (default 1000000)")
        package var applications: Int?
        @Flag(name: "watch-only", help: "supervision: only open every case already in the database and time the deadline watch")
        package var watchOnly: Bool
        @Option(
            name: "write-queries", help: "also write 1,200 sample queries (URL-encoded, one per line) to this file, for the HTTP benchmark")
        package var writeQueries: String?
        @Option(name: "receiver", help: "webhooks: the receiver's URL to subscribe")
        package var receiver: String?
        @Option(name: "events", help: "webhook-events: how many events to write; audit: how many entries (default 1,000,000)")
        package var events: Int?
        @Option(name: "rate", help: "webhook-events: events a second (default: all at once)")
        package var rate: Int?
        @Option(name: "subjects", help: "webhook-events: over how many subjects (default 1000)")
        package var subjects: Int?
    }
    package var help: String {
        "Measures budgets in process: `tongban bench catalog --items 100000`, `tongban bench calendar`, `tongban bench applications` (prepares the submission benchmark), `tongban bench licenses`, `tongban bench throttle`, `tongban bench supervision --applications 1000000`, `tongban bench audit --events 1000000`."
    }

    package func run(using context: CommandContext, signature: Signature) async throws {
        // measured as served
        try await context.application.useWriteAheadLog()
        if signature.what == "calendar" {
            return try CalendarBench.run(context.application.workingDays) { context.console.print($0) }
        }
        if signature.what == "applications" {
            return try await ApplicationBench.prepare(context.application) { context.console.print($0) }
        }
        if signature.what == "supervision" {
            return try await SupervisionBench.run(
                context.application, applications: signature.applications ?? 1_000_000, watchOnly: signature.watchOnly
            ) { context.console.print($0) }
        }
        if signature.what == "webhooks" {
            guard let receiver = signature.receiver else { throw Abort(.badRequest, reason: "--receiver URL is required") }
            return try await WebhookBench.prepare(context.application, receiver: receiver) { context.console.print($0) }
        }
        if signature.what == "webhook-events" {
            return try await WebhookBench.emit(
                context.application, events: signature.events ?? 10_000, rate: signature.rate ?? 0, subjects: signature.subjects ?? 1_000
            ) { context.console.print($0) }
        }
        if signature.what == "licenses" {
            return try await LicenseBench.run(context.application) { context.console.print($0) }
        }
        if signature.what == "throttle" {
            return try await ThrottleBench.run(context.application) { context.console.print($0) }
        }
        if signature.what == "audit" {
            let console = context.console
            return try await AuditBench.run(context.application, events: signature.events ?? 1_000_000) { console.print($0) }
        }
        try expect(
            signature.what, "catalog", of: "bench", context,
            alsoKnown: ["calendar", "applications", "licenses", "throttle", "supervision", "webhooks", "webhook-events", "audit"])
        let count = signature.items ?? 100_000
        let items = SyntheticCatalog.items(count)
        let say = { (line: String) in context.console.print(line) }
        say("generated \(count) items")

        var clock = ContinuousClock.now
        let index = CatalogSearchIndex(documents: items.enumerated().map { SearchDocument(item: $0.element, version: 1) })
        say(
            String(
                format: "index build: %.0f ms; its postings take %.1f MB", Self.ms(ContinuousClock.now - clock),
                Double(index.postingBytes) / 1_048_576))

        var rng = SystemRandomNumberGenerator()
        var all: [Double] = []
        for length in 1...6 {
            var times: [Double] = []
            var hits = 0
            for _ in 0..<2_000 {
                let query = SyntheticCatalog.query(length: length, using: &rng)
                clock = .now
                let results = index.search(query, limit: 20)
                times.append(Self.ms(ContinuousClock.now - clock))
                hits += results.total > 0 ? 1 : 0
            }
            all += times
            say(
                String(
                    format: "search, %d-character queries: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d of 2000 found something)",
                    length, Self.percentile(times, 0.5), Self.percentile(times, 0.99), times.max() ?? 0, hits))
        }
        say(String(format: "search, all 12000 queries: p50 %.3f ms, p99 %.3f ms", Self.percentile(all, 0.5), Self.percentile(all, 0.99)))
        if let path = signature.writeQueries {
            let lines = (1...6).flatMap { length in (0..<200).map { _ in SyntheticCatalog.query(length: length, using: &rng) } }
            try lines.map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }.joined(separator: "\n").write(
                toFile: path, atomically: true, encoding: .utf8)
        }

        let (bundle, members) = SyntheticCatalog.bundle(from: Array(items.prefix(10)))
        var evaluations: [Double] = []
        for i in 0..<10_000 {
            clock = .now
            _ = try BundleComposer.evaluate(bundle, answers: ["extra": i % 2 == 0 ? "yes" : "no"], items: members)
            evaluations.append(Self.ms(ContinuousClock.now - clock))
        }
        say(
            String(
                format: "bundle of 10 items, evaluation: mean %.4f ms, p99 %.4f ms", evaluations.reduce(0, +) / Double(evaluations.count),
                Self.percentile(evaluations, 0.99)))

        guard !signature.skipImport else { return }
        let app = context.application
        try await app.autoMigrate()
        let rows = items.enumerated().map { ItemFiles.Row(line: $0.offset + 1, item: $0.element) }
        clock = .now
        let first = try await CatalogImport.write(rows, by: "bench", at: app.clock.now(), on: app.db)
        say(
            String(
                format: "import into %@: %d added in %.1f s", app.tongban.database.engineName, first.added,
                Self.ms(ContinuousClock.now - clock) / 1000))
        clock = .now
        let again = try await CatalogImport.write(rows, by: "bench", at: app.clock.now(), on: app.db)
        say(String(format: "import again: %d unchanged in %.1f s", again.unchanged, Self.ms(ContinuousClock.now - clock) / 1000))
    }

    package static func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    package static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}

/// Items that look like a real catalog: names from the vocabulary of real item lists, a few
/// hundred departments, shared materials, forms, time limits.
package enum SyntheticCatalog {
    package static let subjects = [
        "食品", "药品", "医疗器械", "建设工程", "社会保险", "户口", "护照", "住房公积金", "不动产", "烟草", "消防", "医疗机构", "民办学校",
        "道路运输", "出租汽车", "养老机构", "残疾人", "农村宅基地", "林木采伐", "渔业捕捞", "取水", "排污", "特种设备", "广告", "娱乐场所",
        "网吧", "旅行社", "出版物", "印刷", "种子", "兽药", "饲料", "危险化学品", "燃气", "城市道路", "供水", "人力资源服务", "劳务派遣",
        "社会团体", "基金会", "律师事务所", "公证", "司法鉴定", "检验检测", "计量器具", "电梯", "粮食收购", "成品油", "拍卖", "典当",
    ]
    package static let actions = ["经营许可", "生产许可", "登记", "备案", "审批", "核发", "变更", "注销", "延续", "申领", "查询", "认定", "补贴申领", "资格确认", "年度报告"]
    package static let subs = ["新办", "变更", "延续", "注销", "补办", "遗失补领"]
    package static let departmentKinds = [
        "市场监督管理局", "公安局", "人力资源和社会保障局", "卫生健康局", "住房和城乡建设局", "交通运输局", "农业农村局",
        "自然资源和规划局", "民政局", "司法局", "文化和广电旅游体育局", "生态环境局", "应急管理局", "水利局", "教育局", "商务局",
    ]
    package static let places = [
        "杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市", "西湖区", "上城区",
        "拱墅区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市",
    ]
    package static let materials = [
        "申请表", "身份证明", "营业执照", "场所使用证明", "平面布局图", "管理制度", "人员资格证明", "设备清单", "检验报告",
        "承诺书", "委托书", "章程", "验资证明", "环境影响评价文件", "安全评价报告", "健康证明", "合同", "照片",
    ]

    package static func items(_ count: Int) -> [ServiceItem] {
        var rng = SplitMix(seed: 2026)
        let regions = ["330100", "330102", "330105", "330106", "330108", "330109", "330110", "330113", "330200", "330300"].map {
            try! RegionCode($0)
        }
        return (0..<count).map { i in
            let subject = subjects[Int(rng.next() % UInt64(subjects.count))]
            let action = actions[Int(rng.next() % UInt64(actions.count))]
            let region = regions[i % regions.count]
            let department =
                places[Int(rng.next() % UInt64(places.count))] + departmentKinds[Int(rng.next() % UInt64(departmentKinds.count))]
            let departmentCode = CreditCode.completing("11" + region.value + String(format: "%08dA", i))!.value
            let basic = try! BasicCode("33" + String(i % 3) + "A" + String(format: "%010d", i))
            let statutory = Int(rng.next() % 30) + 1
            let picked = (0..<Int(rng.next() % 5 + 2)).map { _ in materials[Int(rng.next() % UInt64(materials.count))] }
            return ServiceItem(
                basicCode: basic, implementationCode: try! ImplementationCode(basic: basic, region: region, departmentCode: departmentCode),
                name: subject + action, subItemName: rng.next() % 3 == 0 ? subs[Int(rng.next() % UInt64(subs.count))] : nil,
                kind: ItemKind.allCases[Int(rng.next() % UInt64(ItemKind.allCases.count))],
                department: ItemDepartment(name: department, code: departmentCode), regionCode: region, level: region.level,
                legalBasis: [LegalBasis(law: "《中华人民共和国行政许可法》", article: "第四十二条")], statutoryDays: statutory,
                promisedDays: Int(rng.next() % UInt64(statutory + 1)), channels: [.online, .window],
                materials: Array(Set(picked)).sorted().enumerated().map {
                    Material(key: "m\($0.offset)", name: subject + $0.element, source: .applicant)
                },
                form: [FormField(key: "applicantName", label: "申请人", labelEn: "Applicant", type: .text)],
                keywords: [subject])
        }
    }

    /// A random piece of real vocabulary of the given length.
    package static func query<R: RandomNumberGenerator>(length: Int, using rng: inout R) -> String {
        let words = (subjects + actions + departmentKinds + materials).filter { $0.count >= length }
        let word = Array(words.randomElement(using: &rng)!)
        let start = Int.random(in: 0...(word.count - length), using: &rng)
        return String(word[start..<(start + length)])
    }

    /// Ten items, each needing the one before it now and then, one of them conditional.
    package static func bundle(from items: [ServiceItem]) -> (ServiceBundle, [String: ServiceItem]) {
        var chained = items
        for i in 1..<chained.count where i % 3 != 0 { chained[i].prerequisites = [chained[i - 1].basicCode] }
        let members = chained.enumerated().map {
            BundleMember(itemCode: $0.element.code, when: $0.offset == 9 ? BundleCondition(question: "extra", values: ["yes"]) : nil)
        }
        let bundle = ServiceBundle(
            code: "BENCH", name: "基准", category: .other, summary: "基准", leadDepartment: chained[0].department,
            regionCode: chained[0].regionCode, questions: [.yesNo("extra", "附加？", "Extra?")], members: members)
        return (bundle, Dictionary(uniqueKeysWithValues: chained.map { ($0.code, $0) }))
    }

    package struct SplitMix {
        package var state: UInt64
        package init(seed: UInt64) { state = seed }
        package mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
