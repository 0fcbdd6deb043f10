// BuiltinsScriptTests.swift: the built-ins, PushStream and table as scripts see them,
// run through a real Interpreter.
import Testing
import Foundation
import Synchronization
@testable import DshCore

/// Runs `source` in a fresh interpreter; returns what it printed.
private func run(_ source: String, setup: (Interpreter) -> Void = { _ in }) throws -> String {
    let out = TextSink.capture()
    let interp = Interpreter(output: out, errorOutput: .capture())
    setup(interp)
    _ = try interp.evaluate(source)
    return out.text
}

/// An atomic flag shared with producers.
private final class Flags: Sendable {
    private let closed = Atomic<Int>(0)
    private let produced = Atomic<Int>(0)
    func close() { closed.add(1, ordering: .sequentiallyConsistent) }
    func produce() { produced.add(1, ordering: .sequentiallyConsistent) }
    var closes: Int { closed.load(ordering: .sequentiallyConsistent) }
    var count: Int { produced.load(ordering: .sequentiallyConsistent) }
}

/// Defines `numbers()`: an endless PushStream of ints fed by a Task.
private func defineNumbers(_ interp: Interpreter, _ flags: Flags, capacity: Int = 4) {
    interp.define("numbers") { _, _ in
        let stream = PushStream<Int>(label: "numbers", capacity: capacity) { .int($0) }
        let producer = stream.producer
        let task = Task {
            var i = 0
            while await producer.yield(i) { flags.produce(); i += 1 }
        }
        stream.onClose { flags.close(); task.cancel() }
        return .stream(stream)
    }
}

@Suite struct BuiltinsScriptTests {
    @Test func pipelinesOfBuiltins() throws {
        let out = try run("""
        let cs = [{name: "web", state: "running", size: 1500000}, {name: "db", state: "exited", size: 72800000}]
        print(cs | where(c => c.state == "running") | map(c => c.name))
        print(cs | sort_by(c => c.size, reverse: true) | map(c => "${c.name}=${human_size(c.size)}") | join(", "))
        print(cs | group_by("state") | keys)
        print(format("{:<6}|{:>8.2f}", "pi", 3.14159))
        print(range(0, 1_000_000_000_000) | map(x => x * 2) | filter(x => x % 3 == 0) | take(3) | collect)
        """)
        #expect(out == """
        ["web"]
        db=72.8MB, web=1.5MB
        ["running", "exited"]
        pi    |    3.14
        [0, 6, 12]

        """)
    }

    @Test func jsonRoundTripInScripts() throws {
        let out = try run("""
        let v = parse_json('{"Id": "abc", "Ports": [80, 443], "Up": true, "Ratio": 0.5}')
        print(v.Ports[1], type(v.Ratio), json(v))
        try { parse_json("[1,") } catch e { print(e.message) }
        """)
        #expect(out == """
        443 float {"Id":"abc","Ports":[80,443],"Up":true,"Ratio":0.5}
        invalid JSON at offset 3: unexpected end of input

        """)
    }

    @Test func tableOfAStream() throws {
        let out = try run("""
        table(range(0, 3) | map(fn(i) { return {n: i, sq: i * i} }))
        """)
        #expect(out == "n   sq\n0   0\n1   1\n2   4\n")
    }

    @Test func breakingOutOfAPushStreamStopsItsProducer() async throws {
        let flags = Flags()
        // The script blocks its thread while the producer Tasks run: keep it off the
        // concurrency pool (two threads on a two-core machine) so the producers can run.
        let result: Result<String, any Error> = await onThread {
            Result { try run("""
            for x in numbers() {
                if x == 3 { break }
                print(x)
            }
            print(numbers() | take(2) | collect)
            print(numbers() | first)
            """) { defineNumbers($0, flags) } }
        }
        let out = try result.get()
        #expect(out == "0\n1\n2\n[0, 1]\n0\n")
        #expect(flags.closes == 3, "every stream was closed when the script stopped reading")
        try await Task.sleep(for: .milliseconds(50))
        let produced = flags.count
        try await Task.sleep(for: .milliseconds(100))
        #expect(flags.count == produced, "producers stop once their stream is closed")
        #expect(produced < 3 * 10)
    }

    @Test func cancelInterruptsAScriptBlockedOnAStream() async throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.define("quiet") { _, _ in
            let stream = PushStream<Int>(label: "quiet") { .int($0) }
            return .stream(stream)  // a producer that never yields
        }
        let box = UncheckedBox(interp)
        let started = Date()
        let outcome: String = await withCheckedContinuation { continuation in
            let thread = Thread {
                do {
                    _ = try box.value.evaluate("for x in quiet() { print(x) }")
                    continuation.resume(returning: "finished")
                } catch let e as DshError {
                    continuation.resume(returning: "\(e.kind) \(e.message)")
                } catch {
                    continuation.resume(returning: "\(error)")
                }
            }
            thread.start()
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { box.value.cancel() }
        }
        #expect(outcome == "interrupted interrupted")
        // The producer never yields: finishing at all proves the cancel woke the blocked loop.
        _ = started
    }

    @Test func sleepIsInterruptedByTheTimeLimit() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.timeLimit = .milliseconds(100)
        let started = Date()
        #expect(throws: DshError.self) { try interp.evaluate("sleep(30)") }
        // Not a speed check: a sleep that ran to its end would take 30 s.
        #expect(Date().timeIntervalSince(started) < 25.0)
    }

    @Test func builtinErrorsCarryTheCallSite() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        do {
            _ = try interp.evaluate("let x = 1\nlet y = [1, 2] | map(5)", name: "t.dsh")
            Issue.record("no error")
        } catch let e as DshError {
            #expect(e.message == "map: the function must be a function, got int")
            #expect(e.span?.line == 2)
        }
    }
}

/// Moves a non-Sendable value to another thread (used by one thread at a time, except
/// for `cancel`, which is thread-safe).
private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
