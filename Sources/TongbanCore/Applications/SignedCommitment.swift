import Crypto
import Foundation

/// 告知承诺书: the commitment an applicant signs so that an item allowing it may be approved at
/// once. The platform words it from the item (its name and acceptance conditions) so that every
/// applicant signs the same text for the same version; the case keeps the text, its SHA-256, who
/// signed, when, and whether in person at a window.
public struct SignedCommitment: Codable, Sendable, Equatable {
    public var text: String
    /// Lower-case hex SHA-256 of the UTF-8 text.
    public var sha256: String
    public var signedBy: String
    public var signedOn: CalendarDate
    /// Signed at a window with a clerk (帮办), rather than online.
    public var inPerson: Bool

    public init(text: String, signedBy: String, signedOn: CalendarDate, inPerson: Bool) {
        self.text = text
        self.sha256 = Self.digest(text)
        self.signedBy = signedBy
        self.signedOn = signedOn
        self.inPerson = inPerson
    }

    public static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the stored text is still the one that was signed.
    public var isIntact: Bool { Self.digest(text) == sha256 }

    /// The commitment for `item`, as the applicant `name` signs it.
    public static func text(for item: ServiceItem, applicant name: String) -> String {
        let conditions =
            item.acceptanceConditions.isEmpty
            ? ""
            : "，包括："
                + item.acceptanceConditions.enumerated()
                .map { "（\($0.offset + 1)）\($0.element)" }.joined(separator: "")
        return """
            告知承诺书
            申请人：\(name)
            事项：\(item.displayName)（\(item.code)）
            审批机关：\(item.department.name)
            本人（本单位）已知晓审批机关告知的全部条件、标准和要求\(conditions)。
            本人（本单位）郑重承诺：所填报的信息和提交的材料真实、准确、完整；已经符合上述条件、标准和要求；\
            愿意接受审批机关的事中事后核查；如有不实或不符，愿意承担相应的法律责任，\
            审批机关可依法撤销审批决定。
            """
    }
}
