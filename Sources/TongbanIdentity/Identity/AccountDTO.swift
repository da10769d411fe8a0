import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// An account as the API shows it. Identity and mobile numbers are masked unless the viewer may
/// see them whole (`personalDataVisible`).
package struct AccountDTO: Content {
    package let id: UUID
    package let kind: AccountKind
    package let displayName: String
    package let status: String
    package let roles: [Role]
    package let departmentID: UUID?
    package let regionCode: String?
    package let identityNumber: String?
    package let mobile: String?
    package let creditCode: String?
    package let legalRepresentative: String?
    package let personalDataVisible: Bool
    /// 实名认证: 1 registered, 2 verified remotely, 3 verified in person.
    package let assuranceLevel: Int
    package let version: Int
}

extension Account {
    package func toDTO(keys: KeyRing, reveal: Bool) throws -> AccountDTO {
        let idNumber = identityNumber(keys)
        let mobile = mobile(keys)
        return AccountDTO(
            id: try requireID(), kind: kind, displayName: displayName, status: status.rawValue, roles: roles,
            departmentID: $department.id, regionCode: regionCode,
            identityNumber: idNumber.map { reveal ? $0 : Masking.identityNumber($0) },
            mobile: mobile.map { reveal ? $0 : Masking.mobile($0) },
            creditCode: creditCode, legalRepresentative: legalRepresentative, personalDataVisible: reveal,
            assuranceLevel: assurance.rawValue, version: version)
    }

    package var holdsPersonalData: Bool { idNumberCipher != nil || mobileCipher != nil }
}
