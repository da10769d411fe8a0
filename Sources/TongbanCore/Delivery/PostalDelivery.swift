import Foundation

/// Where a result is posted: a county (or lower) region, the street address within it, who
/// receives it and the mobile the carrier calls. Checked field by field, each problem named.
public struct PostalAddress: Codable, Sendable, Equatable {
    public var regionCode: String
    public var detail: String
    public var recipient: String
    public var mobile: String

    public init(regionCode: String, detail: String, recipient: String, mobile: String) {
        self.regionCode = regionCode
        self.detail = detail
        self.recipient = recipient
        self.mobile = mobile
    }

    /// The address as given, cleaned (trimmed, the mobile in its plain form), or every problem.
    public static func checked(
        regionCode: String?, detail: String?, recipient: String?, mobile: String?, field prefix: String = "address"
    ) throws(FieldErrors) -> PostalAddress {
        var errors = FieldErrors()
        var region: RegionCode? = nil
        let rawRegion = (regionCode ?? "").trimmingCharacters(in: .whitespaces)
        if rawRegion.isEmpty {
            errors.add("\(prefix).regionCode", "field.required")
        } else if let code = try? RegionCode(rawRegion) {
            if code.level < .county { errors.add("\(prefix).regionCode", "address.regionTooBroad") } else { region = code }
        } else {
            errors.add("\(prefix).regionCode", "address.regionInvalid")
        }
        let street = errors.text("\(prefix).detail", detail, maxLength: 120)
        if let street, street.count < 5 { errors.add("\(prefix).detail", "address.detailTooShort") }
        let name = errors.text("\(prefix).recipient", recipient, maxLength: 30)
        var phone: MobileNumber? = nil
        if (mobile ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            errors.add("\(prefix).mobile", "field.required")
        } else {
            do { phone = try MobileNumber(mobile ?? "") } catch { errors.add("\(prefix).mobile", error.rawValue) }
        }
        guard errors.isEmpty, let region, let street, let name, let phone else { throw errors }
        return PostalAddress(regionCode: region.value, detail: street, recipient: name, mobile: phone.value)
    }
}

/// A UPU S10 item identifier, as EMS and China Post print on a parcel: two letters of service,
/// an eight-digit serial, its check digit, and the two-letter country code (`EA123456785CN`).
public struct TrackingNumber: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public enum Problem: String, Error, Sendable, Equatable {
        /// Not two letters, nine digits and two letters.
        case format = "tracking.format"
        /// The ninth digit is not the serial's check digit.
        case checkDigit = "tracking.checkDigit"
    }

    /// Spaces people type between the groups are dropped; letters may be typed in lower case.
    public init(_ raw: String) throws(Problem) {
        let text = String(raw.filter { !$0.isWhitespace }).uppercased()
        let chars = Array(text)
        guard chars.count == 13, chars[0..<2].allSatisfy(\.isASCIIUpper), chars[11..<13].allSatisfy(\.isASCIIUpper),
            chars[2..<11].allSatisfy(\.isASCIIDigit)
        else { throw .format }
        let serial = chars[2..<10].map { Int($0.asciiValue! - 48) }
        guard Self.checkDigit(serial) == Int(chars[10].asciiValue! - 48) else { throw .checkDigit }
        value = text
    }

    /// S10's check digit of an eight-digit serial: weights 8 6 4 2 3 5 9 7, 11 minus the sum
    /// modulo 11; 10 is written 0 and 11 is written 5.
    public static func checkDigit(_ serial: [Int]) -> Int {
        let weights = [8, 6, 4, 2, 3, 5, 9, 7]
        let sum = zip(serial, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let check = 11 - sum % 11
        return check == 10 ? 0 : check == 11 ? 5 : check
    }

    public var description: String { value }
}

extension Character {
    var isASCIIUpper: Bool { isASCII && isUppercase && isLetter }
}

/// Where a posted parcel is, as its carrier reports it. Each status has a rank: a parcel only
/// moves forward, whatever order the carrier's callbacks arrive in.
public enum ParcelStatus: String, Codable, Sendable, CaseIterable {
    /// Registered by the clerk with its tracking number; not yet taken by the carrier.
    case dispatched
    /// 收寄: the carrier took it.
    case accepted
    case inTransit
    /// 投递: out with the courier.
    case outForDelivery
    /// 妥投: signed for. Final.
    case delivered
    /// 退回: it came back undelivered (refused, nobody there, a wrong address). Final; delivery reopens.
    case returned

    public var rank: Int {
        switch self {
        case .dispatched: 0
        case .accepted: 1
        case .inTransit: 2
        case .outForDelivery: 3
        case .delivered, .returned: 4
        }
    }

    public var isFinal: Bool { rank == 4 }
}

public enum ParcelTracking {
    /// One carrier event: what happened to the parcel and when.
    public struct Event: Sendable, Equatable {
        public var status: ParcelStatus
        /// Milliseconds since 1970, as the carrier stamped it.
        public var atMillis: Int64
        public init(status: ParcelStatus, atMillis: Int64) {
            self.status = status
            self.atMillis = atMillis
        }
    }

    /// The status after `event` arrives at a parcel in `current` (last moved at `since`): the
    /// later in the parcel's life wins; between the two final ones, the later stamped. An
    /// event behind the current status is kept in the history but moves nothing.
    public static func next(_ current: ParcelStatus, since: Int64, after event: Event) -> ParcelStatus {
        if event.status.rank > current.rank { return event.status }
        if event.status.rank == current.rank, current.isFinal, event.atMillis > since { return event.status }
        return current
    }

    /// A parcel's status and the stamp of the event that set it (or the latest event of that
    /// status), after `event` arrives.
    public static func step(_ status: ParcelStatus, since: Int64, after event: Event) -> (status: ParcelStatus, since: Int64) {
        let moved = next(status, since: since, after: event)
        if moved != status { return (moved, event.atMillis) }
        return (status, event.status == status ? max(since, event.atMillis) : since)
    }

    /// The status a parcel reaches through `events` in the order they arrive.
    public static func fold(_ events: [Event], from start: ParcelStatus = .dispatched, since: Int64 = .min) -> ParcelStatus {
        var state = (status: start, since: since)
        for event in events { state = step(state.status, since: state.since, after: event) }
        return state.status
    }
}

/// 送达方式: how the applicant receives each result, chosen when applying, and whether the
/// results that are handed over (at a window or by post) come together (统一出件: one pickup or
/// one parcel once every case is decided) or each as it is ready.
public struct DeliveryChoice: Sendable, Equatable {
    /// Item code → how its result reaches the applicant.
    public var methods: [String: DeliveryMethod]
    public var together: Bool
    /// Where the posted results go (only when one is posted).
    public var address: PostalAddress?

    public init(methods: [String: DeliveryMethod], together: Bool, address: PostalAddress?) {
        self.methods = methods
        self.together = together
        self.address = address
    }

    /// An item's result, as far as delivering it goes: its code and the ways the catalog offers.
    public struct Result: Sendable, Equatable {
        public var itemCode: String
        public var offered: [DeliveryMethod]
        public init(itemCode: String, offered: [DeliveryMethod]) {
            self.itemCode = itemCode
            self.offered = offered
        }
    }

    /// The choice for `results`: what was asked for each, else electronic where offered, else
    /// the first way offered (an item without a result is told electronically). A way the item
    /// does not offer, a posted result without an address, or results "together" by more than
    /// one way of handing over, are refused, each named. An address with nothing posted is dropped.
    public static func resolve(
        _ results: [Result], asked: [String: DeliveryMethod], together: Bool, address: PostalAddress?
    ) throws(FieldErrors) -> DeliveryChoice {
        var errors = FieldErrors()
        var methods: [String: DeliveryMethod] = [:]
        for code in asked.keys.sorted() where !results.contains(where: { $0.itemCode == code }) {
            errors.add("delivery.methods.\(code)", "delivery.unknownItem")
        }
        for result in results {
            let offered = result.offered.isEmpty ? [DeliveryMethod.electronic] : result.offered
            let fallback = offered.contains(.electronic) ? DeliveryMethod.electronic : offered[0]
            let method = asked[result.itemCode] ?? fallback
            if !offered.contains(method) { errors.add("delivery.methods.\(result.itemCode)", "delivery.notOffered") }
            methods[result.itemCode] = method
        }
        let posted = methods.values.contains(.post)
        if posted && address == nil { errors.add("delivery.address", "delivery.addressRequired") }
        let handedOver = Set(methods.values.filter { $0 != .electronic })
        if together && handedOver.count > 1 { errors.add("delivery.together", "delivery.togetherMixed") }
        guard errors.isEmpty else { throw errors }
        return DeliveryChoice(methods: methods, together: together && !handedOver.isEmpty, address: posted ? address : nil)
    }
}

/// 行政许可法第四十四条: a decision's result is served within 10 working days. A posted result
/// not yet dispatched turns yellow with 2 working days left and red once the last day has passed.
public enum DispatchDeadline {
    public static let workingDays = 10
    public static let yellowWhenLeft = 2

    public struct Reading: Sendable, Equatable {
        public let due: CalendarDate
        public let warning: CaseClock.Warning
    }

    public static func reading(decidedOn: CalendarDate, today: CalendarDate, calendar: WorkingDayCalendar) throws(WorkingDayCalendar
        .Problem)
        -> Reading
    {
        let due = try calendar.adding(workingDays: workingDays, to: decidedOn).value
        let yellow = try calendar.adding(workingDays: workingDays - yellowWhenLeft, to: decidedOn).value
        let warning: CaseClock.Warning = today > due ? .red : today >= yellow ? .yellow : .none
        return Reading(due: due, warning: warning)
    }
}
