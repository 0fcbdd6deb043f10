// swift-tools-version:6.1
// Fuzz/Package.swift: the coverage-guided fuzz targets (libFuzzer), a package of their
// own so the main build never compiles them. Build and run them with `scripts/fuzz`,
// which passes `--sanitize=fuzzer` and keeps its build in `.build-fuzz`.
//
//   FuzzCore    needs only DshCore: the language (`source`) and JSON decoding (`json`).
//   FuzzEngine  needs DockerEngine (so NIO, but not NIOSSL: dsh's traits are off below): the HTTP response reader
//               (`http`), multiplexed frames (`frames`), JSON messages (`jsonmessages`),
//               the tar reader (`tar`) and `.dockerignore` parsing (`dockerignore`).
import PackageDescription

// libFuzzer supplies `main`: the targets define `LLVMFuzzerTestOneInput` instead.
let fuzzer: [SwiftSetting] = [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "dsh-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The repository itself, through a link scripts/fuzz makes (`.build-fuzz/dsh`
        // -> the repository): a path package is named after its folder, and a checkout's
        // folder may be called anything.
        // The package traits off (`traits: []`): no TLS, so neither swift-nio-ssl nor
        // BoringSSL is fetched or built, and no argument-parser (trait CLI) either.
        .package(path: "../.build-fuzz/dsh", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "FuzzCore",
            dependencies: [.product(name: "DshCore", package: "dsh")],
            swiftSettings: fuzzer
        ),
        .executableTarget(
            name: "FuzzEngine",
            dependencies: [
                .product(name: "DockerEngine", package: "dsh"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzer
        ),
    ]
)
