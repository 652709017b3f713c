// swift-tools-version: 6.0
// cm2gc: Avaya Communication Manager → Genesys Cloud CX migration, in two air-gapped stages.
import PackageDescription

// One settings array for every Swift target: Swift 6 mode is the default for tools 6.0;
// these add the upcoming features we rely on for clean APIs.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "cm2gc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cm2gc", targets: ["cm2gc"]),
        .executable(name: "cm2gc-upload", targets: ["cm2gc-upload"]),
        .executable(name: "cm2gc-sandbox", targets: ["cm2gc-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // SQLite: the uploader's ledger and the extraction staging store.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already in the graph through Hummingbird; named so the sandbox may import them directly
        // (NIOCore to close a connection without answering, ServiceLifecycle to stop in-process,
        // Logging to quiet the server's per-request logs, HTTPTypes for response header names).
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        // PostgreSQL staging store (`cm2gc extract --stage postgres://…`): Vapor's maintained
        // client (async/await, SCRAM, TLS through swift-nio-ssl, which is already in the graph).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
    ],
    targets: [
        // C libraries, wrapped once (module map + static inline shims).
        .systemLibrary(name: "CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(name: "CXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]),

        // Shared value types: diagnostics, canonical JSON, digests, HTTP over libcurl.
        .target(name: "Common", dependencies: [
            "CCurl",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // Avaya CM source model and readers (SAT, OSSI, SMGR XML).
        .target(name: "AvayaCM", dependencies: [
            "Common", "CXML2", "CArchive",
        ], swiftSettings: swiftSettings),
        // Genesys Cloud payload model, contract validation, API client.
        .target(name: "GenesysCloud", dependencies: ["Common", .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        // Bundle format v1: deterministic tar, manifests, digest, approvals.
        .target(name: "BundleKit", dependencies: [
            "Common", "CArchive",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),
        // Live extraction from CM (pbxd v3 and our CM REST contract) into a staging store:
        // SQLite (a file, the default) or PostgreSQL (a central store shared by several CMs).
        .target(name: "CMExtract", dependencies: [
            "Common", "AvayaCM",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        // The review page (review.html), rendered from a bundle's members; no Avaya or Genesys model.
        .target(name: "Review", dependencies: ["Common", "BundleKit"], swiftSettings: swiftSettings),
        // Mapping rules, normalisation, dependency plan, diff log; stage one end to end.
        .target(name: "Migration", dependencies: [
            "Common", "AvayaCM", "CMExtract", "GenesysCloud", "BundleKit", "Review",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: swiftSettings),
        // Stage two: ledger and executor. Must not link the Avaya readers.
        .target(name: "Upload", dependencies: [
            "Common", "GenesysCloud", "BundleKit",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
        // Local stand-ins for Genesys Cloud and CM REST.
        .target(name: "Sandbox", dependencies: [
            "Common", "GenesysCloud", "AvayaCM",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], swiftSettings: swiftSettings),

        // What the executables share: argument-parser entry point with the products' exit codes.
        .target(name: "CLISupport", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "cm2gc", dependencies: [
            "Common", "AvayaCM", "Migration", "BundleKit", "CMExtract", "CLISupport", "Review",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "cm2gc-upload", dependencies: [
            "Common", "Upload", "BundleKit", "CLISupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "cm2gc-sandbox", dependencies: [
            "Common", "Sandbox", "AvayaCM",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: swiftSettings),

        // Reader benchmark (make bench-read); kept out of `make test`.
        .executableTarget(name: "cm2gc-bench", dependencies: ["Common", "AvayaCM"], swiftSettings: swiftSettings),

        .testTarget(name: "CommonTests", dependencies: ["Common"], swiftSettings: swiftSettings),
        .testTarget(name: "MigrationTests", dependencies: [
            "Migration", "AvayaCM", "TestSupport", .product(name: "Yams", package: "Yams"),
        ], exclude: ["Golden"], swiftSettings: swiftSettings),
        // Test helpers shared by test targets (a loopback HTTP server for scripted answers).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "GenesysCloudTests", dependencies: ["GenesysCloud", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BundleKitTests", dependencies: ["BundleKit", "Common", "CArchive", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "AvayaCMTests", dependencies: ["Common", "AvayaCM"], exclude: ["Fixtures"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "UploadTests", dependencies: ["Upload", "BundleKit", "GenesysCloud", "Common", "Sandbox", "Migration", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "SandboxTests", dependencies: [
            "Sandbox", "Common", "GenesysCloud",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "ReviewTests", dependencies: ["Review", "Migration", "BundleKit", "Common", "TestSupport"],
                    exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(name: "CMExtractTests", dependencies: [
            "CMExtract", "Sandbox", "Migration", "AvayaCM", "Common", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
    ]
)
