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

    /// Values taken from the buffer and converted, handed out one per `next` (consumer
    /// thread only). The buffer is emptied a whole batch at a time and converted in one
    /// loop because `PushStream` is generic and not specialised for its callers' item
    /// types: every call into the generic buffer costs a few hundred instructions of
    /// run-time metadata lookups, which a per-item take paid (~3,000 Ir per log line).
    /// (No dynamic exclusivity checks: only the consumer's thread touches these, in short
    /// accesses; the check cost ~400 Ir per item.)
    @exclusivity(unchecked) private var ready: [Value] = []
    @exclusivity(unchecked) private var readyIndex = 0
    /// A `convert` error met in the batch, raised after the values before it.
    private var readyError: (any Error)?

    /// Waits for the next item; nil at the end. Throws the producer's error (after the
    /// buffered items), or `DshError(.interrupted)` when the evaluation is cancelled.
    public override func next(_ runtime: any Runtime) throws -> Value? {
        while true {
            if readyIndex < ready.count {
                // Hand one out; the producer gains room for one more (as with a per-item take).
                guard shared.release() else {
                    ready = []
                    readyIndex = 0
                    return nil
                }
                let value = ready[readyIndex]
                readyIndex += 1
                return value
            }
            if let error = readyError {
                readyError = nil
                close()
                throw error
            }
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            let token = runtime.cancellation
            switch runtime.whileBlocked({ shared.takeAll(token) }) {
            case .items(let items):
                for item in items {
                    do {
                        ready.append(try convert(item))
                    } catch {
                        readyError = error
                        break
                    }
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
            await shared.put(CollectionOfOne(item))
        }

        /// Adds a batch of items at once (one wake-up for all of them), suspending while the
        /// buffer is full: a producer that decodes many items per read (log lines) pays one
        /// hand-over per read rather than per item. The buffer may then hold up to
        /// `capacity - 1 + items.count` items. Returns false as ``yield(_:)`` does.
        public func yield(contentsOf items: [Item]) async -> Bool {
            await shared.put(items)
        }

        /// Adds a batch of items without suspending, for a producer that must not wait (a
        /// NIO event loop): the items are always taken (unless the stream is closed or
        /// finished), so the buffer may hold up to `capacity - 1 + items.count` items.
        /// Returns false when the producer should stop until the `onRoom` handler runs (the
        /// buffer is full; it runs once the consumer has drained it to half its capacity),
        /// or when the stream was closed or finished (the handler will not run).
        /// (A producer uses either `offer` or the suspending `yield`s, not both.)
        public func offer(contentsOf items: [Item]) -> Bool {
            shared.offer(items)
        }

        /// Sets the handler a producer stopped by `offer` waits for (any thread; at most
        /// once per `offer` that returned false). Set it before the first `offer`.
        public func onRoom(_ handler: @escaping @Sendable () -> Void) {
            shared.setRoomHandler(handler)
        }

        /// Registers `handler` to run once when the consumer closes the stream (at once if
        /// already closed), as ``PushStream/onClose(_:)``.
        public func onClose(_ handler: @escaping @Sendable () -> Void) {
            shared.onClose(handler)
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

/// What the consumer gets from one `takeAll`.
enum PushStreamOutcome<Item> {
    /// Every buffered item (never empty).
    case items([Item])
    case end
    case failed(any Error)
    case cancelled(String)
}

/// The state shared by a push stream's consumer and producers, guarded by one lock.
final class PushStreamState<Item: Sendable>: @unchecked Sendable {
    private let lock = ConditionLock()
    private let capacity: Int
    // The items waiting for the consumer.
    private var items: [Item] = []
    /// Items the consumer took but has not handed out yet: they still count against
    /// `capacity`, so the producer is never more than `capacity` items ahead.
    private var held = 0
    private var finished = false
    private var failure: (any Error)?
    private var closed = false
    private var handlers: [@Sendable () -> Void] = []
    /// Producers suspended on a full buffer, with the items each wants to add.
    private var waiters: [(id: Int, items: [Item], continuation: CheckedContinuation<Bool, Never>)] = []
    /// `waiters.count`, readable without touching the generic array.
    private var waiterCount = 0
    private var nextWaiterID = 0
    /// An `offer` found the buffer full: call `roomHandler` once it drains to half.
    private var wantsRoom = false
    private var roomHandler: (@Sendable () -> Void)?

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isClosed: Bool {
        lock.lock(); defer { lock.unlock() }
        return closed
    }

    // Call with the lock held.
    private var hasRoom: Bool { items.count + held < capacity }

    /// Producer side: adds `batch` or suspends until there is room.
    func put<C: Collection & Sendable>(_ batch: C) async -> Bool where C.Element == Item {
        if batch.isEmpty {
            lock.lock(); defer { lock.unlock() }
            return !(closed || finished)
        }
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
                } else if hasRoom && waiterCount == 0 {
                    items.append(contentsOf: batch)
                    lock.signal()
                    lock.unlock()
                    continuation.resume(returning: true)
                } else if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(returning: false)
                } else {
                    waiters.append((id, Array(batch), continuation))
                    waiterCount += 1
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            waiterCount = waiters.count
            lock.unlock()
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Producer side, without suspending: adds `batch`; false when full, closed or finished.
    func offer(_ batch: [Item]) -> Bool {
        lock.lock()
        if closed || finished { lock.unlock(); return false }
        if !batch.isEmpty {
            items.append(contentsOf: batch)
            lock.signal()
        }
        let room = hasRoom
        if !room { wantsRoom = true }
        lock.unlock()
        return room
    }

    func setRoomHandler(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        roomHandler = handler
        lock.unlock()
    }

    /// Producer side: ends the stream.
    func finish(_ error: (any Error)?) {
        lock.lock()
        if finished || closed { lock.unlock(); return }
        finished = true
        failure = error
        let stranded = waiters
        waiters = []
        waiterCount = 0
        lock.broadcast()
        lock.unlock()
        for w in stranded { w.continuation.resume(returning: false) }
    }

    /// Consumer side: one item taken with `takeAll` is handed out, making room for one
    /// more. Returns false when the stream was closed meanwhile (drop the rest).
    func release() -> Bool {
        lock.lock()
        if closed { lock.unlock(); return false }
        held -= 1
        if wantsRoom && (items.count + held) * 2 <= capacity {
            // An `offer`ing producer stopped on a full buffer: resume it at half (not at the
            // first free slot, so it is not stopped again by its next batch at once).
            wantsRoom = false
            let handler = roomHandler
            lock.unlock()
            handler?()
            return true
        }
        if waiterCount == 0 {
            lock.unlock()
            return true
        }
        admitWaitersAndUnlock()
        return true
    }

    /// With the lock held: moves waiting producers' items in while there is room, then
    /// unlocks and resumes them.
    private func admitWaitersAndUnlock() {
        var resumed: [CheckedContinuation<Bool, Never>] = []
        while hasRoom && !waiters.isEmpty {
            let w = waiters.removeFirst()
            items.append(contentsOf: w.items)
            resumed.append(w.continuation)
        }
        waiterCount = waiters.count
        if !resumed.isEmpty { lock.signal() }
        lock.unlock()
        for c in resumed { c.resume(returning: true) }
    }

    /// Consumer side: every buffered item, blocking until there is one (or the end).
    /// The items count as held until handed out with `release`.
    func takeAll(_ token: CancellationToken) -> PushStreamOutcome<Item> {
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
        if !items.isEmpty {
            let batch = items
            items = []
            held = batch.count
            if waiterCount == 0 { lock.unlock() } else { admitWaitersAndUnlock() }
            return .items(batch)
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
        items = []
        held = 0
        let stranded = waiters
        waiters = []
        waiterCount = 0
        let hs = handlers
        handlers = []
        roomHandler = nil
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
