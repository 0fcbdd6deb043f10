// Support.swift: running dsh scripts with the Docker bindings in tests: the real engine
// of `scripts/engine start` (fail in CI when it is missing, else skip), each script on
// its own thread (the bindings block their thread while the client works, which must
// never be a thread of Swift's cooperative pool), output captured.
import DockerEngine
import DshCore
import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The engine environment exported by `scripts/engine start`.
enum Engine {
    static let environment = ProcessEnvironment.current()

    /// True when scripts/engine's variables are set.
    static var available: Bool { environment["DSH_TEST_IMAGE"] != nil && environment["DOCKER_HOST"] != nil }
    /// In CI a missing engine fails the tests instead of skipping them.
    static var isCI: Bool { (environment["CI"] ?? "").isEmpty == false && environment["CI"] != "false" }
    /// Whether the integration tests run (with an engine, or in CI where they then fail).
    static var enabled: Bool { available || isCI }
    static let skipReason: Comment = "no Docker engine: run `eval \"$(scripts/engine start)\"` (DOCKER_HOST and DSH_TEST_IMAGE are unset)"

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "no test engine: run `eval \"$(scripts/engine start)\"` (DOCKER_HOST, DSH_TEST_IMAGE unset)" }
    }

    static var image: String { environment["DSH_TEST_IMAGE"] ?? "dsh-test/busybox:latest" }
    static var registry: String? { environment["DSH_TEST_REGISTRY"] }

    /// A unique lowercase name for one test's containers, images, networks...
    static func name(_ prefix: String) -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "dsh-bt-\(prefix)-" + String((0..<10).map { _ in chars.randomElement()! })
    }
}

/// A script's failure, carrying the error's report and message.
struct ScriptFailure: Error, CustomStringConvertible {
    var report: String
    var message: String
    var output: String
    var description: String { "dsh script failed:\n\(report)\n--- output:\n\(output)" }
}

/// What a script produced.
struct ScriptResult: Sendable {
    /// Everything printed.
    var output: String
    /// The value of the last expression, shown as `str` would.
    var value: String
}

/// Runs `body` on a new thread with a large stack and returns its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        EvaluationThread.start(stackSize: 64 << 20) {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}

/// An interpreter with the bindings on the test engine.
func makeInterpreter(output: TextSink, readOnly: Bool = false, trace: DockerTraceHook? = nil) throws -> Interpreter {
    guard Engine.available else { throw Engine.NotConfigured() }
    let interp = Interpreter(output: output, errorOutput: output)
    let environment = Engine.environment
    DockerBindings.install(into: interp, client: { try DockerClient(environment: environment, traceHook: trace) }, readOnly: readOnly, trace: trace)
    return interp
}

/// Runs dsh `code` with the bindings; throws `ScriptFailure` when the script fails.
@discardableResult
func dsh(_ code: String, readOnly: Bool = false, trace: DockerTraceHook? = nil, name: String = "<test>",
         timeLimit: Duration? = .seconds(120)) async throws -> ScriptResult {
    try await onThread {
        let sink = TextSink.capture()
        let interp = try makeInterpreter(output: sink, readOnly: readOnly, trace: trace)
        interp.timeLimit = timeLimit
        do {
            let v = try interp.evaluate(SourceFile(name: name, text: code))
            interp.output.flush()
            return ScriptResult(output: sink.text, value: v.displayString)
        } catch let e as DshError {
            throw ScriptFailure(report: e.report, message: e.message, output: sink.text)
        }
    }
}

/// Runs dsh `code` that must fail; returns the failure.
func dshFailure(_ code: String, readOnly: Bool = false, trace: DockerTraceHook? = nil) async throws -> ScriptFailure {
    do {
        let r = try await dsh(code, readOnly: readOnly, trace: trace)
        Issue.record("the script was expected to fail but printed: \(r.output)")
        return ScriptFailure(report: "", message: "", output: r.output)
    } catch let f as ScriptFailure {
        return f
    }
}

/// A dsh string literal for `s` (the language's own quoting, `Value.quote`).
func lit(_ s: String) -> String { Value.quote(s) }

/// Counts this process's open sockets (`/proc/self/fd` links to `socket:[...]`).
func openSocketCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var count = 0
    var buffer = [CChar](repeating: 0, count: 256)
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        let n = readlink("/proc/self/fd/\(name)", &buffer, 255)
        if n > 0 {
            buffer[n] = 0
            let text = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("socket:") { count += 1 }
        }
    }
    return count
}
