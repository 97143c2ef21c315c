// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Wire types, SSE framing, usage extraction. No server, client or database.
        .target(
            name: "RelayCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Config file model, validation, legacy import, atomic save.
        .target(
            name: "RelayConfig",
            dependencies: ["RelayCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Candidate selection as pure logic with an injected clock.
        .target(
            name: "RelayRouting",
            dependencies: ["RelayCore", "RelayConfig"],
            swiftSettings: swiftSettings
        ),
        // AsyncHTTPClient transport: URLs, auth headers, proxies, TLS, streaming.
        .target(
            name: "RelayUpstream",
            dependencies: [
                "RelayCore", "RelayConfig", "RelayRouting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Usage ledger over sql-kit: SQLite by default, PostgreSQL when database_url is set.
        .target(
            name: "RelayStorage",
            dependencies: [
                "RelayCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition root: routes, auth, relay handlers, services.
        .target(
            name: "RelayServer",
            dependencies: [
                "RelayCore", "RelayConfig", "RelayRouting", "RelayUpstream", "RelayStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("UI")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "RelayServer", "RelayConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A real HTTP server on port 0 that speaks Anthropic Messages and OpenAI Responses.
        .target(
            name: "RelayTestSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // In-process micro-benchmark of the Chat Completions conversion (docs/BENCHMARKS.md).
        .executableTarget(
            name: "chat-bench",
            dependencies: ["RelayCore"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fake-upstream",
            dependencies: [
                "RelayTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RelayCoreTests", dependencies: ["RelayCore"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "RelayConfigTests", dependencies: ["RelayConfig"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RelayStorageTests", dependencies: ["RelayStorage", "RelayCore"], exclude: ["start-postgres.sh", "stop-postgres.sh"],
            swiftSettings: swiftSettings),
        .testTarget(name: "RelayRoutingTests", dependencies: ["RelayRouting", "RelayConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RelayServerTests",
            dependencies: [
                "RelayServer", "RelayTestSupport", "RelayConfig", "RelayCore", "RelayRouting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
