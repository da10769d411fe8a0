import Foundation
import Testing

@testable import TongbanCore

@Suite("webhook endpoints: no way into private networks")
struct WebhookEndpointTests {
    @Test("IPv4 ranges, with the addresses either side of each boundary")
    func ipv4Kinds() throws {
        let cases: [(String, NetworkAddress.Kind)] = [
            ("0.0.0.0", .unspecified), ("0.255.255.255", .unspecified), ("1.0.0.0", .public),
            ("9.255.255.255", .public), ("10.0.0.0", .private), ("10.255.255.255", .private), ("11.0.0.0", .public),
            ("100.63.255.255", .public), ("100.64.0.0", .private), ("100.127.255.255", .private), ("100.128.0.0", .public),
            ("126.255.255.255", .public), ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("128.0.0.0", .public),
            ("169.253.255.255", .public), ("169.254.0.0", .linkLocal), ("169.254.169.254", .linkLocal), ("169.255.0.0", .public),
            ("172.15.255.255", .public), ("172.16.0.0", .private), ("172.31.255.255", .private), ("172.32.0.0", .public),
            ("192.0.2.1", .reserved), ("192.167.255.255", .public), ("192.168.0.0", .private), ("192.168.255.255", .private),
            ("192.169.0.0", .public), ("198.18.0.1", .reserved), ("198.51.100.7", .reserved), ("203.0.113.9", .reserved),
            ("223.255.255.255", .public), ("224.0.0.1", .multicast), ("239.255.255.255", .multicast), ("240.0.0.0", .reserved),
            ("255.255.255.255", .reserved), ("114.114.114.114", .public), ("8.8.8.8", .public),
        ]
        for (text, kind) in cases {
            let address = try #require(NetworkAddress(text), "\(text)")
            #expect(address.kind == kind, "\(text)")
            #expect(address.description == text)
        }
    }

    @Test("IPv6 kinds, the IPv4-mapped form taking its IPv4 address's kind")
    func ipv6Kinds() throws {
        let cases: [(String, NetworkAddress.Kind)] = [
            ("::", .unspecified), ("::1", .loopback), ("fe80::1", .linkLocal), ("febf:ffff::1", .linkLocal), ("fec0::1", .reserved),
            ("fc00::1", .private), ("fd12:3456:789a::1", .private), ("ff02::1", .multicast), ("2001:db8::1", .reserved),
            ("2400:cb00:2048:1::c629:d7a2", .public), ("240e:1::1", .public), ("::ffff:10.0.0.1", .private),
            ("::ffff:127.0.0.1", .loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:8.8.8.8", .public),
            ("1:2:3:4:5:6:7:8", .reserved), ("2001:0db8:0000:0000:0000:0000:0000:0001", .reserved),
        ]
        for (text, kind) in cases {
            let address = try #require(NetworkAddress(text), "\(text)")
            #expect(address.bytes.count == 16)
            #expect(address.kind == kind, "\(text)")
        }
        #expect(NetworkAddress("::ffff:10.0.0.1")!.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1])
        #expect(NetworkAddress("2001:db8::1") == NetworkAddress("2001:0db8:0:0:0:0:0:1"))
    }

    @Test("what is not one address is refused, including numbers resolvers read in more than one way")
    func malformed() {
        for text in [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "010.0.0.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "-1.2.3.4",
            "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "::g", "fe80::1%eth0", ":::", "1:2:3:4:5:6:7::8:9",
        ] {
            #expect(NetworkAddress(text) == nil, "\(text)")
        }
    }

    @Test("generated IPv4 addresses: the kind is the one of the first matching range, whatever the last two bytes")
    func generatedIPv4() throws {
        var rng = SplitMix64(seed: 27)
        for _ in 0..<2_000 {
            let bytes = (0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = bytes.map(String.init).joined(separator: ".")
            let address = try #require(NetworkAddress(text))
            let expected: NetworkAddress.Kind =
                switch (bytes[0], bytes[1]) {
                case (0, _): .unspecified
                case (127, _): .loopback
                case (10, _): .private
                case (172, let b) where (16...31).contains(b): .private
                case (192, 168): .private
                case (100, let b) where (64...127).contains(b): .private
                case (169, 254): .linkLocal
                case (let a, _) where (224...239).contains(a): .multicast
                case (let a, _) where a >= 240: .reserved
                case (198, 18), (198, 19): .reserved
                case (192, 0) where [0, 2].contains(bytes[2]): .reserved
                case (198, 51) where bytes[2] == 100: .reserved
                case (203, 0) where bytes[2] == 113: .reserved
                default: .public
                }
            #expect(address.kind == expected, "\(text)")
        }
    }

    @Test("production rules: https to a public name or address; http, credentials, fragments, private and link-local addresses refused")
    func productionRules() throws {
        let rules = WebhookEndpoint.Rules()
        let target = try WebhookEndpoint.check("https://hooks.zjamr.gov.cn:8443/tongban/events?k=v", rules: rules)
        #expect(target.host == "hooks.zjamr.gov.cn" && target.port == 8443 && target.usesTLS && !target.isLoopback)
        #expect(try WebhookEndpoint.check("https://8.8.8.8/in", rules: rules).port == 443)
        #expect(try WebhookEndpoint.check("https://[2400:cb00::1]/in", rules: rules).host == "2400:cb00::1")
        let refused: [(String, WebhookEndpoint.Problem)] = [
            ("http://hooks.example.cn/in", .schemeNotAllowed), ("ftp://hooks.example.cn/in", .schemeNotAllowed),
            ("file:///etc/passwd", .notAURL), ("https://user:secret@hooks.example.cn/", .credentialsInURL),
            ("https://hooks.example.cn/in#part", .fragmentNotAllowed), ("hooks.example.cn/in", .notAURL), ("", .notAURL),
            ("https://10.1.2.3/in", .addressNotAllowed(.private)), ("https://169.254.169.254/latest", .addressNotAllowed(.linkLocal)),
            ("https://127.0.0.1/in", .addressNotAllowed(.loopback)), ("https://localhost/in", .addressNotAllowed(.loopback)),
            ("https://api.localhost/in", .addressNotAllowed(.loopback)), ("https://[::1]/in", .addressNotAllowed(.loopback)),
            ("https://[fd00::1]/in", .addressNotAllowed(.private)), ("https://[::ffff:192.168.1.1]/in", .addressNotAllowed(.private)),
            ("https://0.0.0.0/in", .addressNotAllowed(.unspecified)), ("https://224.0.0.1/in", .addressNotAllowed(.multicast)),
            ("https://2130706433/in", .notAURL), ("https://127.1/in", .notAURL), ("https://010.0.0.1/in", .notAURL),
            ("https://hooks.example.cn/" + String(repeating: "a", count: 2_100), .tooLong),
        ]
        for (url, problem) in refused {
            #expect(throws: problem, "\(url)") { try WebhookEndpoint.check(url, rules: rules) }
        }
    }

    @Test("development and operator choices: http to loopback only in development; private networks only when allowed")
    func relaxedRules() throws {
        let development = WebhookEndpoint.Rules(allowLoopback: true)
        #expect(try WebhookEndpoint.check("http://127.0.0.1:9000/in", rules: development).isLoopback)
        #expect(try WebhookEndpoint.check("http://localhost:9000/in", rules: development).port == 9000)
        #expect(throws: WebhookEndpoint.Problem.schemeNotAllowed) {
            try WebhookEndpoint.check("http://hooks.example.cn/in", rules: development)
        }
        #expect(throws: WebhookEndpoint.Problem.addressNotAllowed(.private)) {
            try WebhookEndpoint.check("https://10.0.0.5/in", rules: development)
        }
        let intranet = WebhookEndpoint.Rules(allowPrivateNetworks: true)
        #expect(try WebhookEndpoint.check("https://10.0.0.5/in", rules: intranet).host == "10.0.0.5")
        #expect(try WebhookEndpoint.check("https://[fd00::5]/in", rules: intranet).host == "fd00::5")
        #expect(throws: WebhookEndpoint.Problem.schemeNotAllowed) { try WebhookEndpoint.check("http://10.0.0.5/in", rules: intranet) }
        #expect(throws: WebhookEndpoint.Problem.addressNotAllowed(.loopback)) {
            try WebhookEndpoint.check("https://127.0.0.1/in", rules: intranet)
        }
        // a name that resolves to a refused address is refused at connection time
        for (address, allowed) in [
            ("8.8.8.8", true), ("10.0.0.1", false), ("169.254.169.254", false), ("127.0.0.1", false), ("::1", false),
        ] {
            let check = { () throws(WebhookEndpoint.Problem) in
                try WebhookEndpoint.checkResolved(NetworkAddress(address)!, rules: WebhookEndpoint.Rules())
            }
            #expect((try? check()) != nil ? allowed : !allowed, "\(address)")
        }
        #expect(throws: WebhookEndpoint.Problem.addressNotAllowed(.reserved)) {
            try WebhookEndpoint.checkResolved(
                NetworkAddress("240.0.0.1")!, rules: WebhookEndpoint.Rules(allowLoopback: true, allowPrivateNetworks: true))
        }
    }
}
