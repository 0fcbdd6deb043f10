// swift-tools-version:6.1
// dsh: a scripting language and REPL whose built-in objects are the Docker Engine API.
//
// Module boundaries (each is a target below):
//   DshCore      the language: lexer, parser, resolver, evaluator, values, built-ins.
//                Knows nothing of Docker or networking.
//   DockerEngine a Docker Engine API client on SwiftNIO. Knows nothing of the language.
//   DshDocker    the bindings that join the two (the `docker` global, `tar`, `progress`).
//   CEditLine    a C shim over the system libedit (C variadics Swift cannot call).
//   CMallocConfig the dsh executable's jemalloc options (a C string jemalloc reads).
//   DshHost      host automation a host may install: processes (`sh`, `command`), file
//                operations, YAML (Yams) and the `dsh test` runner. DshCore stays pure.
//   DshREPL      the interactive loop, built only on the public APIs above.
//   dsh          the command-line executable.
//
// Package traits (a host picks them in its dependency: `.package(path: ..., traits: [])`):
//   TLS          (default) tcp:// endpoints with TLS through swift-nio-ssl (BoringSSL).
//                Off, DockerEngine builds without NIOSSL and a TLS endpoint is an error.
//   CLI          (default) swift-argument-parser, for the `dsh` executable alone (which
//                needs it). A host naming its traits (`traits: []`) leaves it off, so
//                argument-parser is not even fetched and its plugins are not compiled.
// See docs/embedding.md, "Package traits".
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "dsh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dsh", targets: ["dsh"]),
        .library(name: "DshCore", targets: ["DshCore"]),
        .library(name: "DockerEngine", targets: ["DockerEngine"]),
        .library(name: "DshDocker", targets: ["DshDocker"]),
        .library(name: "DshREPL", targets: ["DshREPL"]),
        .library(name: "DshHost", targets: ["DshHost"]),
    ],
    traits: [
        .trait(name: "TLS", description: "TLS to tcp:// Docker endpoints, through swift-nio-ssl (BoringSSL)"),
        .trait(name: "CLI", description: "The dsh command line's argument parser (swift-argument-parser); the dsh executable needs it"),
        .default(enabledTraits: ["TLS", "CLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "DshCore",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "DockerEngine",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl", condition: .when(traits: ["TLS"])),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DshDocker",
            dependencies: ["DshCore", "DockerEngine"],
            swiftSettings: strict
        ),
        .target(
            name: "DshHost",
            dependencies: ["DshCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CLibEdit", path: "Sources/CLibEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "CEditLine", dependencies: ["CLibEdit"]),
        .target(name: "CMallocConfig"),
        .target(
            name: "DshREPL",
            dependencies: ["DshCore", "CEditLine"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "dsh",
            dependencies: [
                "DshCore", "DshDocker", "DshREPL", "DockerEngine", "DshHost", "CMallocConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser", condition: .when(traits: ["CLI"])),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "DshCoreTests", dependencies: ["DshCore", "DshHost"], swiftSettings: strict),
        .testTarget(name: "DshHostTests", dependencies: ["DshHost", "DshCore"], swiftSettings: strict),
        .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine"], swiftSettings: strict),
        .testTarget(name: "DshDockerTests", dependencies: ["DshDocker", "DshCore", "DockerEngine", "DshHost"], swiftSettings: strict),
        .testTarget(name: "DshREPLTests", dependencies: ["DshREPL", "DshCore", "DockerEngine"], swiftSettings: strict),
    ]
)
