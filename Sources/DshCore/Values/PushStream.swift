// PushStream.swift: a stream fed by an async producer through a bounded buffer. The
// producer (a Swift Task, a NIO handler) suspends in `yield` while the buffer is full;
// the interpreter's thread blocks in `next` on a condition variable, waking on a new
// item, the end, a close, or the evaluation's cancellation (Ctrl-C, time limit).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream fed by an async producer through a bounded buffer (backpressure); the
/// interpreter's thread blocks in `next` (waking on cancellation); `close()` cancels the
/// producer (its pending `yield` returns false and the `onClose` handlers run).
public final class PushStream<Item: Sendable>: StreamValue {
    private let shared: PushStreamState<Item>
    private let convert: (Item) throws -> Value

    /// Makes a stream labelled `label` holding at most `capacity` items ahead of the
    /// consumer; `convert` turns each item into a value on the interpreter's thread.
    public init(label: String, capacity: Int = 64, convert: @escaping (Item) throws -> Value) {
        self.shared = PushStreamState(capacity: max(1, capacity))
        self.convert = convert
        super.init(label: label)
    }

    deinit { shared.close() }

    /// The Sendable handle the producer uses.
    public var producer: Producer { Producer(shared: shared) }

    /// Registers `handler` to run once when the stream is closed (by the consumer, a
    /// `break`, an error, or after its last item was read). Runs at once if already closed.
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        shared.onClose(handler)
    }

    /// Whether the stream was closed.
    public var isClosed: Bool { shared.isClosed }

    /// Waits for the next item; nil at the end. Throws the producer's error (after the
    /// buffered items), or `DshError(.interrupted)` when the evaluation is cancelled.
    public override func next(_ runtime: any Runtime) throws -> Value? {
        switch shared.take(runtime.cancellation) {
        case .item(let item):
            do {
                return try convert(item)
            } catch {
                close()
                throw error
            }
        case .end:
            close()
            return nil
        case .failed(let error):
            close()
            throw error
        case .cancelled(let reason):
            close()
            throw DshError(.interrupted, reason)
        }
    }

    /// Closes the stream: drops buffered items, makes a suspended `yield` return false
    /// and runs the `onClose` handlers. Idempotent.
    public override func close() { shared.close() }

    /// The producer's side of a `PushStream`.
    public struct Producer: Sendable {
        fileprivate let shared: PushStreamState<Item>

        /// Adds an item, suspending while the buffer is full. Returns false (dropping the
        /// item) once the consumer closed the stream, or after `finish`.
        public func yield(_ item: Item) async -> Bool {
            await shared.put(item)
        }

        /// Ends the stream; a non-nil `error` is raised in the script after the buffered
        /// items. Later calls are ignored.
        public func finish(throwing error: (any Error)? = nil) {
            shared.finish(error)
        }

        /// Whether the consumer closed the stream (the producer may stop early).
        public var isClosed: Bool { shared.isClosed }
    }
}

/// What the consumer gets from one `take`.
enum PushStreamOutcome<Item> {
    case item(Item)
    case end
    case failed(any Error)
    case cancelled(String)
}

/// The state shared by a push stream's consumer and producers, guarded by one lock.
final class PushStreamState<Item: Sendable>: @unchecked Sendable {
    private let lock = ConditionLock()
    private let capacity: Int
    // Ring buffer of items.
    private var ring: [Item?]
    private var head = 0
    private var count = 0
    private var finished = false
    private var failure: (any Error)?
    private var closed = false
    private var handlers: [@Sendable () -> Void] = []
    /// Producers suspended on a full buffer, with the item each wants to add.
    private var waiters: [(id: Int, item: Item, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextWaiterID = 0

    init(capacity: Int) {
        self.capacity = capacity
        self.ring = Array(repeating: nil, count: capacity)
    }

    var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    // Call with the lock held.
    private func append(_ item: Item) {
        ring[(head + count) % capacity] = item
        count += 1
    }

    // Call with the lock held.
    private func removeFirst() -> Item {
        let item = ring[head]!
        ring[head] = nil
        head = (head + 1) % capacity
        count -= 1
        return item
    }

    /// Producer side: adds `item` or suspends until there is room.
    func put(_ item: Item) async -> Bool {
        let id: Int = {
            lock.lock(); defer { lock.unlock() }
            nextWaiterID += 1
            return nextWaiterID
        }()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                lock.lock()
                if closed || finished {
                    lock.unlock()
                    continuation.resume(returning: false)
                } else if count < capacity && waiters.isEmpty {
                    append(item)
                    lock.signal()
                    lock.unlock()
                    continuation.resume(returning: true)
                } else if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(returning: false)
                } else {
                    waiters.append((id, item, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            lock.unlock()
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Producer side: ends the stream.
    func finish(_ error: (any Error)?) {
        lock.lock()
        if finished || closed { lock.unlock(); return }
        finished = true
        failure = error
        let stranded = waiters
        waiters = []
        lock.broadcast()
        lock.unlock()
        for w in stranded { w.continuation.resume(returning: false) }
    }

    /// Consumer side: the next outcome, blocking until there is one.
    func take(_ token: CancellationToken) -> PushStreamOutcome<Item> {
        lock.lock()
        if let outcome = takeLocked(token) { return outcome }  // unlocks
        lock.unlock()
        // Nothing ready: wait, waking on cancel too.
        let id = token.register { [lock] in
            lock.lock()
            lock.broadcast()
            lock.unlock()
        }
        defer { token.unregister(id) }
        lock.lock()
        while true {
            if let outcome = takeLocked(token) { return outcome }
            lock.wait()
        }
    }

    /// With the lock held: an outcome (and the lock released), or nil (lock still held).
    private func takeLocked(_ token: CancellationToken) -> PushStreamOutcome<Item>? {
        if closed { lock.unlock(); return .end }
        if count > 0 {
            let item = removeFirst()
            var resumed: [CheckedContinuation<Bool, Never>] = []
            while count < capacity && !waiters.isEmpty {
                let w = waiters.removeFirst()
                append(w.item)
                resumed.append(w.continuation)
            }
            lock.unlock()
            for c in resumed { c.resume(returning: true) }
            return .item(item)
        }
        if finished {
            let f = failure
            failure = nil
            lock.unlock()
            if let f { return .failed(f) }
            return .end
        }
        if token.isCancelled {
            lock.unlock()
            return .cancelled(token.reason)
        }
        return nil
    }

    /// Registers a close handler (runs at once when already closed).
    func onClose(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        if closed { lock.unlock(); handler(); return }
        handlers.append(handler)
        lock.unlock()
    }

    /// Closes: drops items, resumes waiting producers with false, runs handlers once.
    func close() {
        lock.lock()
        if closed { lock.unlock(); return }
        closed = true
        for i in 0..<ring.count { ring[i] = nil }
        count = 0
        let stranded = waiters
        waiters = []
        let hs = handlers
        handlers = []
        lock.broadcast()
        lock.unlock()
        for w in stranded { w.continuation.resume(returning: false) }
        for h in hs { h() }
    }
}

/// A pthread mutex with a condition variable, for blocking a plain thread (the
/// interpreter's) until another thread signals. Not reentrant.
final class ConditionLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Wakes one waiter (call with the lock held).
    func signal() { pthread_cond_signal(cond) }
    /// Wakes every waiter (call with the lock held).
    func broadcast() { pthread_cond_broadcast(cond) }
    /// Waits for a signal (call with the lock held; may wake spuriously).
    func wait() { pthread_cond_wait(cond, mutex) }

    /// Waits for a signal or until `seconds` have passed (call with the lock held).
    func wait(seconds: Double) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let s = max(0, seconds)
        var whole = Int(s)
        var nanos = now.tv_nsec + Int((s - Double(whole)) * 1e9)
        if nanos >= 1_000_000_000 { nanos -= 1_000_000_000; whole += 1 }
        var deadline = timespec(tv_sec: now.tv_sec + whole, tv_nsec: nanos)
        pthread_cond_timedwait(cond, mutex, &deadline)
    }
}
