import Fluent
import Foundation
import TongbanPlatform
import Vapor

/// After `limit` failed sign-ins for one account within `window`, sign-ins are refused with 429
/// until the oldest of those failures leaves the window. Kept in the database, so every server
/// process sees the same count.
package enum LoginThrottle {
    /// Seconds to wait, or nil when a sign-in may be tried.
    package static func retryAfter(loginKey: String, config: TongbanConfiguration, on db: any Database, now: Date) async throws -> Int? {
        let since = now.addingTimeInterval(-config.loginFailureWindow)
        let recent = try await LoginFailure.query(on: db)
            .filter(\.$loginKey == loginKey).filter(\.$at > since)
            .sort(\.$at, .descending).limit(config.loginFailureLimit).all()
        guard recent.count >= config.loginFailureLimit, let oldest = recent.last else { return nil }
        let wait = oldest.at.addingTimeInterval(config.loginFailureWindow).timeIntervalSince(now)
        return max(1, Int(wait.rounded(.up)))
    }

    package static func tooMany(retryAfter seconds: Int) -> TongbanError {
        TongbanError(
            status: .tooManyRequests, code: "auth.tooManyAttempts",
            arguments: ["minutes": String(max(1, (seconds + 59) / 60))], headers: ["Retry-After": String(seconds)])
    }
}
