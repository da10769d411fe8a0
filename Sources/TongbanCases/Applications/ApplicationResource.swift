import Foundation
import TongbanCore
import TongbanPlatform

extension ApplicationRecord {
    /// The application as the policy sees it: its applicant, where its item is implemented and
    /// where a window took it in, the item or bundle, and the departments with a case or a task
    /// in it that the question is about.
    package func resource(departmentIDs: Set<UUID> = []) throws -> Resource {
        .application(
            applicantID: applicantID, regionCode: try RegionCode(regionCode), departmentIDs: departmentIDs, targetCode: targetCode,
            takenInAt: try takenIn.map { try RegionCode($0) })
    }
}
