// swift-tools-version:6.0
// EmbeddingHost: an example Swift tool that embeds dsh (its language library and the
// Docker client), built and run by the test suite
// (Tests/DshREPLTests/EmbeddingHostExampleTests.swift).
import PackageDescription

let package = Package(
    name: "EmbeddingHost",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dsh", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "EmbeddingHost",
            dependencies: [
                .product(name: "DshCore", package: "dsh"),
                .product(name: "DockerEngine", package: "dsh"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
