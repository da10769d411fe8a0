import Foundation
import TongbanCore
import Vapor

/// Refuses a sub-command other than the one known (`tongban audit verify`).
package func expect(_ given: String, _ known: String, of command: String, _ context: CommandContext, alsoKnown: [String] = []) throws {
    guard given == known else {
        context.console.error("unknown \(command) \"\(given)\"; known: \(([known] + alsoKnown).joined(separator: ", "))")
        throw ExitCode(1)
    }
}

/// Field problems as the command line names them: `--name: name is required`.
package func optionProblems(_ errors: [FieldError], _ app: Application, options: [String: String] = [:]) -> [String] {
    errors.map { error in
        let option = options[error.field] ?? error.field
        return "--\(option): \(app.localizer.text(error.key, .en, ["field": option]))"
    }
}

/// A non-zero exit without a backtrace; the command has already said what went wrong.
public protocol ExitCodeError: Error {
    var exitCode: Int32 { get }
}

package struct ExitCode: ExitCodeError {
    package let exitCode: Int32
    package init(_ code: Int32) { exitCode = code }
}
