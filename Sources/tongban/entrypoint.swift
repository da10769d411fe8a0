import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import TongbanPlatform
import TongbanServer
import Vapor

/// `tongban <command>`: serve (the default), migrate, seed, import, audit, user.
@main
enum Entrypoint {
    static func main() async {
        // Swift Concurrency's tasks run on SwiftNIO's event loops rather than on a pool of their
        // own, so a request's handler does not hop threads between its socket and its code (on
        // two cores, those hops were a seventh of a licence check). Nothing here blocks a thread
        // with `.wait()`; blocking work (SQLite, bcrypt, files) has NIO's thread pool, and the
        // commit queue its own thread. First, before any other asynchronous work.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
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
