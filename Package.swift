// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "tongban",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tongban", targets: ["tongban"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt.git", from: "5.2.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "TongbanCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: typeCheckTimes
        ),
        // The server, one module per feature area on top of the platform (database, policy, clock,
        // errors, web plumbing, the use-case shape, the records several areas read), so that the modules
        // compile side by side and a change rebuilds its own. A feature imports only the core and the
        // platform (ModuleBoundaryTests reads the imports).
        .target(
            name: "TongbanPlatform",
            dependencies: ["TongbanCore"] + serverLibraries,
            resources: [.copy("Resources")],
            swiftSettings: typeCheckTimes
        ),
    ]
    + featureModules.map { feature($0, libraries: $0 == "TongbanDelivery" ? [httpClient] : []) }
    + [
        feature(
            "TongbanOpenAPI", uses: featureModules,
            // The document is data, built once at start and served as bytes: optimising it costs the release
            // build 44 s on its critical path for nothing (13 minutes when the schemas were one literal).
            optimised: false
        ),
        // The application: routes, commands, migrations, the demo seed; it wires the features together.
        feature("TongbanServer", uses: featureModules + ["TongbanOpenAPI"]),
        .executableTarget(
            name: "tongban",
            dependencies: [
                "TongbanServer",
                "TongbanPlatform",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "TongbanCoreTests", dependencies: ["TongbanCore"]),
        .testTarget(
            name: "TongbanServerTests",
            dependencies: [
                "TongbanServer", "TongbanPlatform", "TongbanOpenAPI",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ] + featureModules.map { Target.Dependency(stringLiteral: $0) }
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// The feature areas' modules.
var featureModules: [String] {
    ["TongbanCatalog", "TongbanIdentity", "TongbanHall", "TongbanCases", "TongbanRatings", "TongbanSupervision", "TongbanDelivery"]
}

/// The libraries every server module may import.
var serverLibraries: [Target.Dependency] {
    [
        .product(name: "Vapor", package: "vapor"),
        .product(name: "Fluent", package: "fluent"),
        .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
        .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
        .product(name: "Leaf", package: "leaf"),
        .product(name: "JWT", package: "jwt"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "SQLKit", package: "sql-kit"),
        .product(name: "LeafKit", package: "leaf-kit"),
    ]
}

/// The HTTP client the webhook relay sends with (the delivery module alone uses it).
var httpClient: Target.Dependency { .product(name: "AsyncHTTPClient", package: "async-http-client") }

/// A feature area's module: the platform, the core rules, and the other features it names.
@MainActor
func feature(_ name: String, uses modules: [String] = [], libraries: [Target.Dependency] = [], optimised: Bool = true) -> Target {
    let unoptimised: [SwiftSetting] = optimised ? [] : [.unsafeFlags(["-Onone"], .when(configuration: .release))]
    let uses = modules.map { Target.Dependency(stringLiteral: $0) }
    return .target(
        name: name, dependencies: ["TongbanCore", "TongbanPlatform"] + uses + serverLibraries + libraries,
        swiftSettings: typeCheckTimes + unoptimised)
}

/// `TONGBAN_TYPECHECK_TIMES=1 swift build` has the compiler report how long each function body of
/// our own modules takes to type-check, and each expression over 10 ms (`Benchmarks/build-time.sh`
/// ranks them).
var typeCheckTimes: [SwiftSetting] {
    guard Context.environment["TONGBAN_TYPECHECK_TIMES"] != nil else { return [] }
    return [
        .unsafeFlags([
            "-Xfrontend", "-debug-time-function-bodies", "-Xfrontend", "-warn-long-expression-type-checking=10",
        ])
    ]
}
