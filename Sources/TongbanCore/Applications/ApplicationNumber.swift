import Foundation

/// 办件编号: the number an applicant quotes, on every notice and at the public status lookup.
///
/// Format: `RRRRRR-YYYYMMDD-NNNNNNNN-C`, e.g. `330106-20261123-00000042-7`:
/// - `RRRRRR`: the six-digit region (county) the application is made in;
/// - `YYYYMMDD`: the date of submission, Asia/Shanghai;
/// - `NNNNNNNN`: a platform-wide serial, at least eight digits, drawn from one database
///   sequence, so numbers are unique across every server process;
/// - `C`: the ISO/IEC 7064 MOD 37,36 check character over the digits before it (0–9 or A–Z):
///   a mistyped digit is always caught, two swapped neighbours almost always, before anything
///   is looked up.
/// Input is read leniently: lower case, spaces and missing hyphens are accepted.
public struct ApplicationNumber: Hashable, CheckedCode {
    public enum Problem: String, Error, Sendable {
        case malformed = "application.numberMalformed"
        case badCheckCharacter = "application.numberCheck"
    }

    public let value: String
    public let region: String
    public let date: CalendarDate
    public let serial: Int

    public init(region: RegionCode, date: CalendarDate, serial: Int) {
        let county = String(region.value.prefix(6))
        let day = date.year.zeroPadded(to: 4) + date.month.zeroPadded(to: 2) + date.day.zeroPadded(to: 2)
        let number = serial.zeroPadded(to: 8)
        value = "\(county)-\(day)-\(number)-\(ISO7064.mod37_36(county + day + number)!)"
        self.region = county
        self.date = date
        self.serial = serial
    }

    public init(_ raw: String) throws(Problem) {
        let compact = raw.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard compact.count >= 23, compact.dropLast().allSatisfy(\.isASCIIDigit), let check = compact.last else { throw .malformed }
        let digits = compact.dropLast()
        guard
            let date = CalendarDate(
                iso: "\(digits.dropFirst(6).prefix(4))-\(digits.dropFirst(10).prefix(2))-\(digits.dropFirst(12).prefix(2))"),
            let serial = Int(digits.dropFirst(14)), !digits.hasPrefix("00")
        else { throw .malformed }
        guard ISO7064.mod37_36(digits) == check else { throw .badCheckCharacter }
        guard let region = try? RegionCode(String(digits.prefix(6))) else { throw .malformed }
        self.init(region: region, date: date, serial: serial)
    }
}
