// StopTests.swift: the standard library's `run()` removes its container whatever
// stopped the script: a time limit, or a cancel from another thread.
import DockerEngine
import DshCore
import DshDocker
import Synchronization
import Testing

/// The requests a trace saw ("DELETE /containers/...").
private final class RequestLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func add(_ s: String) { lines.withLock { $0.append(s) } }
}

/// The number of containers carrying `label` (running or not), asked by a fresh interpreter.
private func containerCount(_ label: String) async throws -> Int {
    let r = try await dsh("len(docker.containers.list(all: true, filters: {label: [\(lit(label))]}))")
    return Int(r.value) ?? -1
}

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct StopTests {
    @Test func runRemovesItsContainerWhenTheTimeLimitStopsIt() async throws {
        let label = Engine.name("stop-time")
        let log = RequestLog()
        let trace: DockerTraceHook = { event in log.add("\(event)") }
        let failure = try await onThread { () -> String? in
            let interp = try makeInterpreter(output: .capture(), trace: trace)
            interp.timeLimit = .seconds(2)
            do {
                _ = try interp.evaluate("run(\(lit(Engine.image)), [\"sleep\", \"30\"], labels: {\(lit(label)): \"1\"})")
                return nil
            } catch let e as DshError {
                return e.message
            }
        }
        #expect(failure == "time limit of 2.0 seconds exceeded")
        #expect(try await containerCount(label) == 0, "requests: \(log.all)")
        #expect(log.all.contains { $0.contains("DELETE") && $0.contains("/containers/") })
        if try await containerCount(label) != 0 {
            try await dsh("for c in docker.containers.list(all: true, filters: {label: [\(lit(label))]}) { c.remove(force: true) }")
        }
    }

    @Test func runRemovesItsContainerWhenTheHostCancels() async throws {
        let label = Engine.name("stop-cancel")
        let failure = try await onThread { () -> String? in
            let interp = try makeInterpreter(output: .capture())
            let handle = interp.cancelHandle
            interp.define("started") { _, _ in
                // Cancel once the container is running (seen from another thread).
                EvaluationThread.start(stackSize: 1 << 20) { handle.cancel(reason: "host stop") }
                return .null
            }
            do {
                _ = try interp.evaluate("""
                    let c = docker.containers.create(\(lit(Engine.image)), cmd: ["sleep", "30"], network: "none",
                        labels: {\(lit(label)): "1"})
                    defer { c.remove(force: true) }
                    c.start()
                    started()
                    c.wait()
                    """)
                return nil
            } catch let e as DshError {
                return e.message
            }
        }
        #expect(failure == "host stop")
        #expect(try await containerCount(label) == 0)
        if try await containerCount(label) != 0 {
            try await dsh("for c in docker.containers.list(all: true, filters: {label: [\(lit(label))]}) { c.remove(force: true) }")
        }
    }
}
