// swift-tools-version:6.1
// EmbeddingHost: an example Swift tool that embeds dsh (the language, the Docker client
// and its bindings), built and run by the test suite
// (Tests/DshREPLTests/EmbeddingHostExampleTests.swift).
import PackageDescription

let package = Package(
    name: "EmbeddingHost",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `traits: []` turns dsh's default traits off: this host talks to the engine over
        // its unix socket, so swift-nio-ssl (BoringSSL) is neither fetched nor built, and
        // nor is the command line's swift-argument-parser (trait CLI).
        .package(name: "dsh", path: "../..", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "EmbeddingHost",
            dependencies: [
                .product(name: "DshCore", package: "dsh"),
                .product(name: "DshDocker", package: "dsh"),
                .product(name: "DockerEngine", package: "dsh"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
