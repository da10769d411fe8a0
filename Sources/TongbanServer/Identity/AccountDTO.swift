import Foundation
import TongbanCore
import Vapor

/// An account as the API shows it. Identity and mobile numbers are masked unless the viewer may
/// see them whole (`personalDataVisible`).
struct AccountDTO: Content {
    let id: UUID
    let kind: AccountKind
    let displayName: String
    let status: String
    let roles: [Role]
    let departmentID: UUID?
    let regionCode: String?
    let identityNumber: String?
    let mobile: String?
    let creditCode: String?
    let legalRepresentative: String?
    let personalDataVisible: Bool
    let version: Int
}

extension Account {
    func toDTO(keys: KeyRing, reveal: Bool) throws -> AccountDTO {
        let idNumber = idNumberCipher.flatMap { keys.decrypt($0, field: "identity_number") }
        let mobile = mobileCipher.flatMap { keys.decrypt($0, field: "mobile") }
        return AccountDTO(
            id: try requireID(), kind: kind, displayName: displayName, status: status.rawValue, roles: roles,
            departmentID: $department.id, regionCode: regionCode,
            identityNumber: idNumber.map { reveal ? $0 : Masking.identityNumber($0) },
            mobile: mobile.map { reveal ? $0 : Masking.mobile($0) },
            creditCode: creditCode, legalRepresentative: legalRepresentative, personalDataVisible: reveal, version: version)
    }

    var holdsPersonalData: Bool { idNumberCipher != nil || mobileCipher != nil }
}
