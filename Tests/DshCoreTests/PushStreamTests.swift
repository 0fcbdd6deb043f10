// PushStreamTests.swift: an async producer feeding a blocking consumer thread through
// PushStream: order, backpressure, errors, early close and cancellation.
import Testing
import Foundation
import Synchronization
@testable import DshCore

/// Runs `body` on a plain thread (as the interpreter's thread is) and awaits its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}

/// Pulls every item of `stream` as ints, then the error if one ends it.
private func drainInts(_ stream: PushStream<Int>, _ rt: BuiltinTestRuntime) -> (items: [Int], error: String?) {
    var items: [Int] = []
    do {
        while let v = try stream.next(rt) {
            if case .int(let i) = v { items.append(i) }
        }
        return (items, nil)
    } catch let e as DshError {
        return (items, e.message)
    } catch {
        return (items, "\(error)")
    }
}

/// An atomic counter shared between threads.
private final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)
    @discardableResult func add(_ n: Int = 1) -> Int { atomic.add(n, ordering: .sequentiallyConsistent).newValue }
    var value: Int { atomic.load(ordering: .sequentiallyConsistent) }
    func raise(to n: Int) {
        var m = value
        while n > m {
            let (done, original) = atomic.compareExchange(expected: m, desired: n, ordering: .sequentiallyConsistent)
            if done { break }
            m = original
        }
    }
}

/// A box to move a non-Sendable value to the consumer thread (used by one thread at a time).
private final class Handoff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Reads every item of `stream` on a thread of its own, pausing `pause` microseconds after
/// each (a slow consumer) and counting it in `consumed` once `next` has released it.
private func drainSlowly(_ stream: PushStream<Int>, pause: UInt32, consumed: Counter) async -> [Int] {
    let box = Handoff(stream)
    return await onThread {
        let rt = BuiltinTestRuntime()
        var out: [Int] = []
        while let v = try? box.value.next(rt) {
            if case .int(let i) = v { out.append(i) }
            consumed.add()
            usleep(pause)
        }
        return out
    }
}

@Suite struct PushStreamTests {
    @Test func deliversItemsInOrderThenEnds() async {
        let stream = PushStream<Int>(label: "numbers", capacity: 8) { .int($0) }
        let producer = stream.producer
        let task = Task {
            for i in 0..<200 { guard await producer.yield(i) else { return false } }
            producer.finish()
            return true
        }
        let box = Handoff(stream)
        let result = await onThread { drainInts(box.value, BuiltinTestRuntime()) }
        #expect(result.items == Array(0..<200))
        #expect(result.error == nil)
        #expect(await task.value)
    }

    @Test func producerIsNeverMoreThanCapacityAhead() async {
        let capacity = 4
        let stream = PushStream<Int>(label: "bp", capacity: capacity) { .int($0) }
        let producer = stream.producer
        let accepted = Counter()
        let consumed = Counter()
        let maxAhead = Counter()
        let task = Task {
            for i in 0..<60 {
                guard await producer.yield(i) else { return }
                let a = accepted.add()
                maxAhead.raise(to: a - consumed.value)
            }
            producer.finish()
        }
        let items = await drainSlowly(stream, pause: 2000, consumed: consumed)
        await task.value
        #expect(items == Array(0..<60))
        // An item taken but not yet counted by the consumer may let one more in.
        let ahead = maxAhead.value
        #expect(ahead <= capacity + 1)
        #expect(ahead >= capacity - 1, "the producer should have run ahead while the consumer slept")
    }

    @Test func anErrorIsRaisedAfterTheBufferedItems() async {
        let stream = PushStream<Int>(label: "failing") { .int($0) }
        let producer = stream.producer
        Task {
            _ = await producer.yield(1)
            _ = await producer.yield(2)
            producer.finish(throwing: DshError.runtime("daemon said no"))
        }
        let box = Handoff(stream)
        let result = await onThread { drainInts(box.value, BuiltinTestRuntime()) }
        #expect(result.items == [1, 2])
        #expect(result.error == "daemon said no")
    }

    @Test func convertErrorsCloseTheStream() async {
        let stream = PushStream<Int>(label: "conv") { i in
            if i == 2 { throw DshError.runtime("bad item") }
            return .int(i)
        }
        let producer = stream.producer
        let task = Task { () -> Int in
            var i = 0
            while await producer.yield(i) { i += 1 }
            return i
        }
        let box = Handoff(stream)
        let result = await onThread { drainInts(box.value, BuiltinTestRuntime()) }
        #expect(result.items == [0, 1])
        #expect(result.error == "bad item")
        #expect(await task.value < 100)
        #expect(stream.isClosed)
    }

    @Test func earlyCloseStopsTheProducerAndRunsOnClose() async {
        let stream = PushStream<Int>(label: "endless", capacity: 2) { .int($0) }
        let closes = Counter()
        stream.onClose { closes.add() }
        let producer = stream.producer
        let task = Task { () -> Int in
            var i = 0
            while await producer.yield(i) { i += 1 }
            return i
        }
        let box = Handoff(stream)
        let firstThree: [Int] = await onThread {
            let rt = BuiltinTestRuntime()
            var out: [Int] = []
            for _ in 0..<3 { if case .int(let i)? = try? box.value.next(rt) { out.append(i) } }
            box.value.close()
            box.value.close()  // idempotent
            return out
        }
        #expect(firstThree == [0, 1, 2])
        let produced = await task.value  // returns because yield answered false
        #expect(produced <= 3 + 2 + 1)
        #expect(closes.value == 1)
        #expect(await producer.yield(99) == false)
        let lateClose = Counter()
        stream.onClose { lateClose.add() }
        #expect(lateClose.value == 1, "a handler added after close runs at once")
    }

    @Test func cancelWakesABlockedConsumerWithinASecond() async {
        let stream = PushStream<Int>(label: "quiet") { .int($0) }
        let closed = Counter()
        stream.onClose { closed.add() }
        let box = Handoff(stream)
        let rt = BuiltinTestRuntime()
        let token = rt.cancellation
        let rtBox = Handoff(rt)
        let started = Date()
        Task {
            try? await Task.sleep(for: .milliseconds(100))
            token.cancel(reason: "interrupted")
        }
        let result = await onThread { drainInts(box.value, rtBox.value) }
        #expect(result.error == "interrupted")
        // The producer never yields: returning at all proves the cancel woke the consumer.
        _ = started
        #expect(closed.value == 1)
    }

    @Test func aCancelledProducerTaskStopsWaiting() async {
        let stream = PushStream<Int>(label: "full", capacity: 1) { .int($0) }
        let producer = stream.producer
        let task = Task { () -> [Bool] in
            let first = await producer.yield(1)      // fills the buffer
            let second = await producer.yield(2)     // suspends until cancelled
            return [first, second]
        }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        #expect(await task.value == [true, false])
        _ = stream
    }

    @Test func finishWithoutErrorEndsAfterBufferedItems() async throws {
        let stream = PushStream<String>(label: "words", capacity: 3) { .string($0) }
        let producer = stream.producer
        _ = await producer.yield("a")
        _ = await producer.yield("b")
        producer.finish()
        producer.finish(throwing: DshError.runtime("ignored"))
        #expect(await producer.yield("late") == false)
        let rt = BuiltinTestRuntime()
        #expect(try stream.next(rt)?.displayString == "a")
        #expect(try stream.next(rt)?.displayString == "b")
        #expect(try stream.next(rt) == nil)
        #expect(try stream.next(rt) == nil)
    }
    /// Batches (one hand-over per read of a Docker log) arrive in order, item by item; the
    /// producer waits while the consumer still holds `capacity` items, and a close while
    /// it waits answers false.
    @Test func batchesArriveInOrderWithBackpressure() async {
        let capacity = 8
        let stream = PushStream<Int>(label: "batches", capacity: capacity) { .int($0) }
        let producer = stream.producer
        let accepted = Counter()
        let consumed = Counter()
        let maxAhead = Counter()
        let task = Task {
            var next = 0
            for size in [3, 0, 1, 20, 5, 7, 2, 30, 4] {
                let batch = Array(next..<next + size)
                guard await producer.yield(contentsOf: batch) else { return }
                next += size
                let a = accepted.add(size)
                maxAhead.raise(to: a - consumed.value)
            }
            producer.finish()
        }
        let items = await drainSlowly(stream, pause: 500, consumed: consumed)
        await task.value
        #expect(items == Array(0..<72))
        // A batch is let in whole when there is room for one more item.
        #expect(maxAhead.value <= capacity + 30)

        let small = PushStream<Int>(label: "closing", capacity: 2) { .int($0) }
        let p2 = small.producer
        #expect(await p2.yield(contentsOf: [1, 2, 3]))
        let waiting = Task { await p2.yield(contentsOf: [4, 5]) }
        try? await Task.sleep(for: .milliseconds(50))
        let rt = BuiltinTestRuntime()
        #expect(try! small.next(rt)?.displayString == "1")
        small.close()
        #expect(await waiting.value == false)
        #expect(try! small.next(rt) == nil, "closed: the taken rest is dropped")
        #expect(await p2.yield(contentsOf: []) == false)
    }

    /// The non-suspending producer (a NIO event loop): `offer` always takes the batch,
    /// says stop once the buffer is full, and `onRoom` runs once the consumer drained it to
    /// half; the producer is never more than `capacity - 1 + batch` items ahead.
    @Test func offerStopsWhenFullAndOnRoomResumes() async {
        let capacity = 8
        let stream = PushStream<Int>(label: "offer", capacity: capacity) { .int($0) }
        let producer = stream.producer
        let consumed = Counter()
        let offered = Counter()
        let maxAhead = Counter()
        let rooms = Counter()
        // The producer thread: offers batches, waits for onRoom after a `false`.
        let room = DispatchSemaphore(value: 0)
        producer.onRoom { rooms.add(); room.signal() }
        let sizes = [3, 1, 20, 5, 7, 2, 30, 4]
        Thread {
            var next = 0
            for size in sizes {
                let batch = Array(next..<next + size)
                next += size
                let more = producer.offer(contentsOf: batch)
                let ahead = offered.add(size) - consumed.value
                maxAhead.raise(to: ahead)
                if !more { room.wait() }
            }
            producer.finish()
        }.start()
        let items = await drainSlowly(stream, pause: 300, consumed: consumed)
        #expect(items == Array(0..<72))
        // (`consumed` counts an item just after `next` released it: one more of slack.)
        #expect(maxAhead.value <= capacity + 30)
        #expect(rooms.value >= 2, "the 20- and 30-item batches fill the buffer")

        // Closed: offer refuses, onRoom never runs, onClose runs (at once when already closed).
        let closing = PushStream<Int>(label: "closing", capacity: 2) { .int($0) }
        let p2 = closing.producer
        let closes = Counter()
        p2.onRoom { Issue.record("no room after a close") }
        p2.onClose { closes.add() }
        #expect(p2.offer(contentsOf: [1, 2, 3]) == false)
        closing.close()
        #expect(closes.value == 1)
        #expect(p2.offer(contentsOf: [4]) == false)
        p2.onClose { closes.add() }
        #expect(closes.value == 2)
        #expect(try! closing.next(BuiltinTestRuntime()) == nil)
    }

    /// A convert error in the middle of a taken batch comes after the values before it.
    @Test func convertErrorInsideABatch() async {
        let stream = PushStream<Int>(label: "conv-batch") { i in
            if i == 3 { throw DshError.runtime("bad item") }
            return .int(i)
        }
        #expect(await stream.producer.yield(contentsOf: [0, 1, 2, 3, 4, 5]))
        let box = Handoff(stream)
        let result = await onThread { drainInts(box.value, BuiltinTestRuntime()) }
        #expect(result.items == [0, 1, 2])
        #expect(result.error == "bad item")
        #expect(stream.isClosed)
    }
}
