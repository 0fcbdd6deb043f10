// TestEngine: the real engine the integration tests use (scripts/engine start), and cleanup helpers.
import DockerEngine
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The engine environment exported by `scripts/engine start`.
enum TestEngine {
    static let environment = ProcessEnvironment.current()

    /// True when scripts/engine's variables are set.
    static var available: Bool { environment["DSH_TEST_IMAGE"] != nil && environment["DOCKER_HOST"] != nil }
    /// True in CI, where a missing engine must fail the tests rather than skip them.
    static var isCI: Bool { environment["CI"] == "true" }
    /// Whether integration tests run: with an engine, or in CI (where they then fail).
    static var enabled: Bool { available || isCI }

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "no test engine: run `eval \"$(scripts/engine start)\"` (DOCKER_HOST, DSH_TEST_IMAGE unset)" }
    }

    /// A client for the test engine; throws (failing the test) when it is not configured.
    static func client(traceHook: DockerTraceHook? = nil) throws -> DockerClient {
        guard available else { throw NotConfigured() }
        return try DockerClient(environment: environment, traceHook: traceHook)
    }

    static var image: String { environment["DSH_TEST_IMAGE"] ?? "dsh-test/busybox:latest" }
    static var registry: String? { environment["DSH_TEST_REGISTRY"] }
    static var tlsHost: String? { environment["DSH_TEST_TLS_HOST"] }
    static var tlsCerts: String? { environment["DSH_TEST_TLS_CERTS"] }

    /// A unique lowercase name for containers and images of one test.
    static func name(_ prefix: String) -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "dsh-test-\(prefix)-" + String((0..<10).map { _ in chars.randomElement()! })
    }

    /// A container config for the test image, with no network.
    static func config(_ cmd: [String], extra: [String: JSONValue] = [:], hostConfig: [String: JSONValue] = [:]) -> JSONValue {
        var host: [String: JSONValue] = ["NetworkMode": "none"]
        for (k, v) in hostConfig { host[k] = v }
        var c: [String: JSONValue] = ["Image": .string(image), "Cmd": .array(cmd.map(JSONValue.string)), "HostConfig": .object(host)]
        for (k, v) in extra { c[k] = v }
        return .object(c)
    }
}

/// Runs `body` with a created container and removes it (forcefully) whatever happens.
func withContainer<T>(
    _ client: DockerClient, _ cmd: [String], extra: [String: JSONValue] = [:], start: Bool = false,
    _ body: (String) async throws -> T
) async throws -> T {
    let id = try await client.createContainer(name: TestEngine.name("c"), config: TestEngine.config(cmd, extra: extra))
    do {
        if start { try await client.startContainer(id) }
        let result = try await body(id)
        try? await client.removeContainer(id, force: true)
        return result
    } catch {
        try? await client.removeContainer(id, force: true)
        throw error
    }
}

/// Runs `body` and then `cleanup`, whether `body` threw or not.
func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    do {
        let r = try await body()
        await cleanup()
        return r
    } catch {
        await cleanup()
        throw error
    }
}

/// Runs `body` on a thread of its own and awaits its result. Blocking calls
/// (`requestBlocking`) must not sit on a Swift concurrency pool thread: the pool has as
/// many threads as cores (two here), and a blocked pool thread starves the tasks that
/// other tests, and the streamed-body fallback, need.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        startThread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
    }
}

/// Runs `body` on a new detached thread.
func startThread(_ body: @escaping @Sendable () -> Void) {
    var thread = pthread_t()
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, context)
    precondition(rc == 0, "pthread_create failed")
    pthread_detach(thread)
}

/// A closure handed to a new thread.
final class ThreadBody: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
