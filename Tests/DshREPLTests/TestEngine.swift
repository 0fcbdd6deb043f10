// TestEngine.swift: the real Docker engine of `scripts/engine start` for the REPL's
// live-completion tests (fail in CI when it is missing, else skip), and running
// `dsh -c` against it to make and remove the containers those tests complete.
import Foundation
import Testing

/// The engine environment exported by `scripts/engine start`.
enum TestEngine {
    static let environment = ProcessInfo.processInfo.environment

    /// True when scripts/engine's variables are set.
    static var available: Bool { environment["DOCKER_HOST"] != nil && environment["DSH_TEST_IMAGE"] != nil }
    /// In CI a missing engine fails the tests instead of skipping them.
    static var isCI: Bool { (environment["CI"] ?? "").isEmpty == false && environment["CI"] != "false" }
    /// Whether the engine tests run (with an engine, or in CI where they then fail).
    static var enabled: Bool { available || isCI }
    static let skipReason: Comment =
        "no Docker engine: run `eval \"$(scripts/engine start)\"` first (DOCKER_HOST and DSH_TEST_IMAGE are unset)"

    /// Records a failure (only reached in CI) and returns false when there is no engine.
    static func require() -> Bool {
        if available { return true }
        Issue.record("CI is set but there is no Docker engine: run `eval \"$(scripts/engine start)\"` before the tests (DOCKER_HOST and DSH_TEST_IMAGE are unset)")
        return false
    }

    static var host: String { environment["DOCKER_HOST"] ?? "" }
    static var image: String { environment["DSH_TEST_IMAGE"] ?? "" }

    /// A unique lowercase name: `dsh-repl-<prefix>-<10 random characters>`.
    static func uniqueName(_ prefix: String) -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "dsh-repl-\(prefix)-" + String((0..<10).map { _ in chars.randomElement()! })
    }

    /// What `dsh -c` did.
    struct Run {
        var status: Int32
        var output: String
    }

    /// Runs `dsh -c code args...` with this process's environment (hence the engine's
    /// DOCKER_HOST) and returns its status and combined output.
    @discardableResult
    static func dsh(_ code: String, _ args: [String] = []) throws -> Run {
        let r = try runProgram(try TerminalSession.binaryPath(), ["-c", code] + args)
        return Run(status: r.status, output: r.output)
    }

    /// Creates stopped containers named `names` from the test image (network none).
    static func createContainers(_ names: [String]) throws {
        let r = try dsh("""
            for n in args {
                docker.containers.create(image: env.DSH_TEST_IMAGE, name: n, cmd: ["true"], network: "none")
            }
            """, names)
        guard r.status == 0 else { throw TerminalError.setup("creating \(names) failed (\(r.status)): \(r.output)") }
    }

    /// Removes the containers named `names` (those that exist); records an issue when it fails.
    static func removeContainers(_ names: [String]) {
        do {
            let r = try dsh("""
                for n in args {
                    for c in docker.containers.list(all: true, filters: {name: ["^/" + n + "$"]}) { c.remove(force: true) }
                }
                """, names)
            if r.status != 0 { Issue.record("removing \(names) failed (\(r.status)): \(r.output)") }
        } catch {
            Issue.record("removing \(names) failed: \(error)")
        }
    }
}

/// Runs `executable arguments...` (stdin /dev/null) to its end; its status and combined output.
func runProgram(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
