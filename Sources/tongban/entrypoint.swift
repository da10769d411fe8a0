import Foundation
import Logging
import Metrics
import Prometheus
import TongbanServer
import Vapor

/// `tongban <command>`: serve (the default), migrate, seed, import, audit, user.
@main
enum Entrypoint {
    static func main() async {
        let configuration: TongbanConfiguration
        do {
            configuration = try TongbanConfiguration.fromEnvironment()
        } catch {
            fail("\(error)")
        }

        var environment: Environment
        do { environment = try Environment.detect() } catch { fail("\(error)") }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // Once per process: the metrics backend is global.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let command = environment.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? "serve"
        if environment.arguments.count == 1 { environment.arguments.append("serve") }

        let app: Application
        do { app = try await Application.make(environment) } catch { fail("cannot start: \(error)") }
        var exitCode: Int32 = 0
        do {
            let (keys, created) = try KeyRing.loadOrCreate(at: configuration.keyFile)
            try await configure(app, configuration: configuration, keys: keys, metrics: registry)
            if command == "serve" {
                try await app.prepareForServing(keyFileCreated: created)
            }
            try await app.execute()
        } catch let error as ExitCodeError {
            exitCode = error.exitCode
        } catch {
            FileHandle.standardError.write(Data("error: \(describe(error))\n".utf8))
            exitCode = 1
        }
        try? await app.asyncShutdown()
        exit(exitCode)
    }

    static func describe(_ error: any Error) -> String {
        "\(error)"
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(1)
    }
}
