import Foundation
import Testing
import TongbanPlatform
import Vapor
import VaporTesting
@testable import TongbanCore
@testable import TongbanServer

@Suite("working-day calendar over HTTP")
struct CalendarAPITests {
    struct Answer: Decodable {
        let date: String?
        let workingDays: Int?
        let official: Bool
        let assumedFrom: String?
        let assumedThrough: String?
    }

    @Test("add and between answer as the calendar does, flag estimates, and refuse bad dates in the user's language")
    func calendar() async throws {
        try await withTongban(.sqlite, seed: false) { app, _ in
            func get(_ path: String) async throws -> (HTTPStatus, Answer?) {
                let response = try await app.send(.GET, path)
                return (response.status, response.status == .ok ? try response.content.decode(Answer.self) : nil)
            }
            let national = try await get("/api/v1/calendar/add?from=2025-09-30&days=1")
            #expect(national.0 == .ok && national.1?.date == "2025-10-09" && national.1?.official == true)
            let weekendWorked = try await get("/api/v1/calendar/between?from=2025-09-26&to=2025-09-28")
            #expect(weekendWorked.1?.workingDays == 1)
            let estimate = try await get("/api/v1/calendar/add?from=2026-12-20&days=10")
            #expect(estimate.1?.date == "2027-01-01" && estimate.1?.official == false)
            #expect(estimate.1?.assumedFrom == "2026-12-25" && estimate.1?.assumedThrough == "2027-01-01")
            // the same arithmetic as the core calendar over generated dates
            for i in 0..<50 {
                let from = CalendarDate(iso: "2010-01-04")!.adding(days: i * 127)!
                let days = i * 7 % 41
                let answer = try await get("/api/v1/calendar/add?from=\(from)&days=\(days)")
                #expect(answer.1?.date == (try app.workingDays.adding(workingDays: days, to: from)).value.description)
            }
            for bad in [
                "add?from=2026-02-30&days=1", "add?from=2026-01-01", "add?days=3", "add?from=2026-01-01&days=-1",
                "add?from=2026-01-01&days=many", "add?from=1999-01-01&days=1", "between?from=2026-01-01",
                "between?from=2026-01-01&to=20260105",
            ] {
                let response = try await app.send(.GET, "/api/v1/calendar/" + bad, headers: ["Accept-Language": "zh-CN"])
                #expect(response.status == .unprocessableEntity, "\(bad): \(response.body.string)")
                #expect(response.body.string.contains("日期") || response.body.string.contains("工作日"), "\(bad): \(response.body.string)")
            }
        }
    }
}
