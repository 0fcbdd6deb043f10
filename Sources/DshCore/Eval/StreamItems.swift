// StreamItems.swift: a dsh stream as a Swift `AsyncSequence` (`for try await item in
// interp.items(of: stream)`): items are pulled one at a time, on demand, on an
// evaluation thread (pulls block), and arrive as `SendableValue`.
import Dispatch
import Synchronization

extension Interpreter {
    /// The items of `stream` (a `.stream` value, or a list) as an `AsyncSequence` of
    /// `SendableValue`. Each item is pulled only when the loop asks for the next one, on
    /// an evaluation thread of its own; leaving the loop (or cancelling its task) closes
    /// the stream. The interpreter is lent to that thread until the loop ends: do not
    /// evaluate with it meanwhile.
    public func items(of stream: Value) -> StreamItems {
        StreamItems(pump: StreamPump(interpreter: self, value: stream))
    }
}

/// The items of a dsh stream, pulled on demand (see ``Interpreter/items(of:)``).
public struct StreamItems: AsyncSequence, Sendable {
    /// Each item, copied out as plain data.
    public typealias Element = SendableValue
    fileprivate let pump: StreamPump

    /// The iterator: each `next()` pulls one item.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate let pump: StreamPump

        /// The next item, nil at the end; throws the stream's error.
        public mutating func next() async throws -> SendableValue? {
            try await pump.next()
        }
    }

    /// Makes the iterator (iterate a `StreamItems` once).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pump: pump) }
}

/// Pulls the items of one stream on a dedicated thread, one per request.
fileprivate final class StreamPump: @unchecked Sendable {
    // The interpreter and the stream are touched only by the pump's thread (and the
    // creating thread before it starts), one request at a time.
    private let interpreter: Interpreter
    private let value: Value
    private let state = Mutex<State>(State())
    private let wake = DispatchSemaphore(value: 0)

    private struct State {
        var started = false
        var finished = false
        var waiting: CheckedContinuation<SendableValue?, any Error>?
    }

    init(interpreter: Interpreter, value: Value) {
        self.interpreter = interpreter
        self.value = value
    }

    deinit {
        // Nobody will ask again: let the thread close the stream and end.
        state.withLock { $0.finished = true }
        wake.signal()
    }

    func next() async throws -> SendableValue? {
        let handle = interpreter.cancelHandle
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SendableValue?, any Error>) in
                let (done, start) = state.withLock { s -> (Bool, Bool) in
                    if s.finished { return (true, false) }
                    s.waiting = continuation
                    defer { s.started = true }
                    return (false, !s.started)
                }
                if done {
                    continuation.resume(returning: nil)
                    return
                }
                if start { startThread() }
                wake.signal()
            }
        } onCancel: {
            handle.cancel(reason: "the task was cancelled")
        }
    }

    /// Hands `result` to the waiting `next()`.
    private func deliver(_ result: Result<SendableValue?, any Error>) {
        let continuation = state.withLock { s -> CheckedContinuation<SendableValue?, any Error>? in
            defer { s.waiting = nil }
            return s.waiting
        }
        continuation?.resume(with: result)
    }

    private func startThread() {
        // The thread holds the pump weakly between requests, so dropping the loop ends it.
        let weakSelf = WeakPump(self)
        let wake = self.wake
        EvaluationThread.start { [wake] in
            var items: IndexingIterator<[Value]>?
            var stream: StreamValue?
            defer { stream?.close() }
            while true {
                wake.wait()
                guard let pump = weakSelf.pump, !pump.state.withLock({ $0.finished }) else { return }
                do {
                    var item: Value?
                    switch pump.value {
                    case .stream(let s):
                        stream = s
                        item = try pump.interpreter.pull(s)
                    case .list(let l):
                        if items == nil { items = l.items.makeIterator() }
                        item = items?.next()
                    default:
                        throw DshError.runtime("items(of:): expected a stream or a list, got \(pump.value.typeName)")
                    }
                    if item == nil { pump.state.withLock { $0.finished = true } }
                    pump.deliver(.success(item?.sendable))
                } catch {
                    pump.state.withLock { $0.finished = true }
                    pump.deliver(.failure(error))
                }
            }
        }
    }
}

/// A weak reference to a pump that may cross to its thread.
private final class WeakPump: @unchecked Sendable {
    weak var pump: StreamPump?
    init(_ pump: StreamPump) { self.pump = pump }
}

extension Interpreter {
    /// Pulls one item of `stream` as an evaluation would: with the interpreter's
    /// cancellation (a fresh token per pull; `cancel` stops a blocked pull) and its
    /// memory limit.
    fileprivate func pull(_ stream: StreamValue) throws -> Value? {
        try MemoryMeter.running(memoryMeter) { try stream.next(self) }
    }
}
