import Foundation
import TongbanCore
import TongbanPlatform
import Vapor

/// `tongban calendar add --from YYYY-MM-DD --days N`: the date N working days after the given
/// date (the date itself not counted). `tongban calendar between --from A --to B`: the working
/// days after A up to and including B.
///
/// An answer that relies on dates no official notice covers yet is still printed, followed on
/// standard error by the dates that were counted by weekends alone, and the exit status is 3:
/// a script can tell an official date from an estimate.
struct CalendarCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "add or between")
        var action: String
        @Option(name: "from", help: "the start date, YYYY-MM-DD (not counted)")
        var from: String?
        @Option(name: "days", help: "add: how many working days")
        var days: Int?
        @Option(name: "to", help: "between: the end date, YYYY-MM-DD (counted)")
        var to: String?
    }
    var help: String {
        "Working days on the official calendar: `calendar add --from 2026-09-30 --days 5`, `calendar between --from A --to B`."
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let calendar = context.application.workingDays
        func date(_ raw: String?, _ option: String) throws -> CalendarDate {
            guard let raw else { return try fail("--\(option) is required (YYYY-MM-DD)") }
            guard let date = CalendarDate(iso: raw) else { return try fail("--\(option) \(raw) is not a date (YYYY-MM-DD)") }
            return date
        }
        func fail<T>(_ message: String) throws -> T {
            context.console.error(message)
            throw ExitCode(1)
        }
        let official: Bool
        do {
            switch signature.action {
            case "add":
                let from = try date(signature.from, "from")
                guard let days = signature.days, days >= 0 else {
                    return try fail("--days is required: a whole number of working days, 0 or more")
                }
                official = report(try calendar.adding(workingDays: days, to: from), printing: \.description, context)
            case "between":
                let from = try date(signature.from, "from")
                let to = try date(signature.to, "to")
                official = report(try calendar.workingDays(after: from, through: to), printing: String.init, context)
            default:
                return try fail("unknown calendar action \"\(signature.action)\"; known: add, between")
            }
        } catch let problem as WorkingDayCalendar.Problem {
            return try fail(problem.description)
        }
        if !official { throw ExitCode(3) }
    }

    /// Prints the answer; true when it is official.
    private func report<V>(_ reckoning: WorkingDayCalendar.Reckoning<V>, printing text: (V) -> String, _ context: CommandContext) -> Bool {
        context.console.print(text(reckoning.value))
        if let assumed = reckoning.assumed {
            context.console.error(
                "estimate: no official holiday notice covers \(assumed.lowerBound) to \(assumed.upperBound) yet; those dates were counted as Monday to Friday"
            )
        }
        return reckoning.isOfficial
    }
}
