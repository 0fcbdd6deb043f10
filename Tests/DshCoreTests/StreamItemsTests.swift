// StreamItemsTests.swift: iterating a dsh stream from Swift with `for try await`:
// items on demand, closing on break, errors thrown, lists too.
import Synchronization
import Testing
@testable import DshCore

/// Counts pulls and closes of a test stream (from the pump's thread).
private final class StreamLog: Sendable {
    let pulls = Atomic<Int>(0)
    let closes = Atomic<Int>(0)
}

@Suite struct StreamItemsTests {
    @Test func itemsArriveOnDemandAndBreakingClosesTheStream() async throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let log = StreamLog()
        var n = 0
        let numbers = ClosureStream(label: "numbers", onClose: { log.closes.add(1, ordering: .relaxed) }) { _ in
            log.pulls.add(1, ordering: .relaxed)
            n += 1
            return .map(["n": .int(n)])
        }
        interp.define("numbers", .stream(numbers))
        let doubled = try interp.evaluate("numbers | map(x => x.n * 2)")
        var seen: [SendableValue] = []
        for try await item in interp.items(of: doubled) {
            seen.append(item)
            if seen.count == 3 { break }
        }
        #expect(seen == [.int(2), .int(4), .int(6)])
        #expect(log.pulls.load(ordering: .relaxed) == 3)
        // The loop is gone: the pump's thread closes the stream.
        var closed = false
        for _ in 0..<200 where !closed {
            closed = log.closes.load(ordering: .relaxed) == 1
            if !closed { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(closed)
    }

    @Test func errorsAndListsAndTheEnd() async throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        var left: [Value] = [.int(1), .int(0)]
        interp.define("divisors", .stream(ClosureStream(label: "divisors") { _ in left.isEmpty ? nil : left.removeFirst() }))
        let failing = try interp.evaluate("divisors | map(x => 10 / x)")
        var got: [SendableValue] = []
        do {
            for try await item in interp.items(of: failing) { got.append(item) }
            Issue.record("no error")
        } catch let e as DshError {
            #expect(e.message.contains("division by zero"), "\(e.message)")
        }
        #expect(got == [.int(10)])
        var all: [SendableValue] = []
        for try await item in interp.items(of: try interp.evaluate("[\"a\", {b: 1}]")) { all.append(item) }
        #expect(all == [.string("a"), .map(["b": .int(1)])])
        await #expect(throws: DshError.self) {
            for try await _ in interp.items(of: .int(3)) {}
        }
    }
}
