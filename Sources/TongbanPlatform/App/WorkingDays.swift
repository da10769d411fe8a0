import Foundation
import TongbanCore
import Vapor

extension Application {
    private struct WorkingDaysKey: StorageKey { typealias Value = WorkingDayCalendar }

    /// The official working-day calendar, read once from the bundled holiday notices.
    package var workingDays: WorkingDayCalendar {
        get { storage[WorkingDaysKey.self]! }
        set { storage[WorkingDaysKey.self] = newValue }
    }
}

extension TongbanResources {
    package static var holidays: URL { URL(fileURLWithPath: directory + "/Holidays") }
}
