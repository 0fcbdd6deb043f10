// MergedStream.swift: `merge(s1, s2, ..., name: s)`: one stream of the items of several
// streams as they arrive, each as `{source, item}`. One pump thread per source pulls it
// (taking turns with the script under the interpreter lock, see InterpreterLock.swift);
// closing the merged stream closes every source.
import OrderedCollections

extension Builtins {
    static var mergeFunctions: [(String, NativeBody)] {
        [("merge", { args, rt in try MergedStream.make(args, rt) })]
    }
}

/// Items handed from the pumps to the consumer. Values cross threads here, but only a
/// holder of the interpreter lock puts or takes them; the queue's own lock orders that
/// with the consumer's wait (which runs without the interpreter lock).
final class MergeQueue: @unchecked Sendable {
    private let lock = ConditionLock()
    private var items: [(source: Value, item: Value)] = []
    private var head = 0
    private var running: Int
    private var failure: (any Error)?
    private var isClosed = false
    /// Items a pump may queue ahead of the consumer before it waits.
    private let capacity = 64

    init(sources: Int) { running = sources }

    /// Whether the consumer closed it.
    var closed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isClosed
    }

    /// What the consumer's `take` found.
    enum Outcome {
        case item(source: Value, item: Value)
        case end
        case failed(any Error)
        case cancelled(String)
    }

    /// Pump side: waits for room (call inside `whileBlocked`); false once closed.
    func waitForRoom() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while !isClosed && items.count - head >= capacity { lock.wait() }
        return !isClosed
    }

    /// Pump side (interpreter lock held): queues one item.
    func put(_ source: Value, _ item: Value) {
        lock.lock()
        items.append((source, item))
        lock.broadcast()
        lock.unlock()
    }

    /// Pump side: this source ended (with `error` when it failed); the pumps still running.
    func finish(_ error: (any Error)?) -> Int {
        lock.lock()
        running -= 1
        if let error, failure == nil { failure = error }
        let left = running
        lock.broadcast()
        lock.unlock()
        return left
    }

    /// Waits until every pump has finished (call inside `whileBlocked`).
    func waitForPumps() {
        lock.lock()
        while running > 0 { lock.wait() }
        lock.unlock()
    }

    /// Consumer side (inside `whileBlocked`): waits for an item, the end of every source,
    /// a source's failure, a close or `token`'s cancel.
    func take(_ token: CancellationToken) -> Outcome {
        let id = token.register { [lock] in
            lock.lock()
            lock.broadcast()
            lock.unlock()
        }
        defer { token.unregister(id) }
        lock.lock()
        defer { lock.unlock() }
        while true {
            if isClosed { return .end }
            if head < items.count {
                let entry = items[head]
                items[head] = (.null, .null)
                head += 1
                if head > 256 && head * 2 > items.count {
                    items.removeFirst(head)
                    head = 0
                }
                lock.broadcast()
                return .item(source: entry.source, item: entry.item)
            }
            if let failure { return .failed(failure) }
            if running == 0 { return .end }
            if token.isCancelled { return .cancelled(token.reason) }
            lock.wait()
        }
    }

    /// Marks it closed, drops the queued items and wakes everyone.
    func close() {
        lock.lock()
        isClosed = true
        let dropped = items
        items = []
        head = 0
        lock.broadcast()
        lock.unlock()
        _ = dropped
    }
}

/// The stream `merge` returns.
final class MergedStream: StreamValue {
    private let queue: MergeQueue
    private let sources: [StreamValue]
    /// The pumps' cancellation token: cancelled by `close`, so a pump waiting in its
    /// source wakes and ends.
    private let stop: CancellationToken
    /// The interpreter the pumps share (to wait for them when closing).
    private let link: InterpreterLink

    private init(queue: MergeQueue, sources: [StreamValue], stop: CancellationToken, link: InterpreterLink) {
        self.queue = queue
        self.sources = sources
        self.stop = stop
        self.link = link
        super.init(label: "merge")
    }

    deinit { shutDown() }

    static func make(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        var inputs: [(tag: Value, stream: StreamValue)] = []
        for (i, v) in args.positional.enumerated() {
            guard case .stream(let s) = v else {
                throw DshError.runtime("merge: argument \(i + 1) must be a stream, got \(v.typeName)")
            }
            inputs.append((.int(i), s))
        }
        for entry in args.named {
            guard case .stream(let s) = entry.value else {
                throw DshError.runtime("merge: '\(entry.name)' must be a stream, got \(entry.value.typeName)")
            }
            inputs.append((.string(entry.name), s))
        }
        guard !inputs.isEmpty else { throw DshError.runtime("merge: expected at least 1 stream, got 0") }
        guard let interp = rt as? Interpreter else {
            throw DshError.runtime("merge: needs the interpreter's runtime")
        }
        let queue = MergeQueue(sources: inputs.count)
        let stop = CancellationToken()
        let merged = MergedStream(queue: queue, sources: inputs.map(\.stream), stop: stop, link: interp.link)
        let pumps = inputs.map { MergePump(tag: $0.tag, source: $0.stream, queue: queue) }
        MergePump.start(pumps, interp, token: stop)
        return .stream(merged)
    }

    /// The next `{source, item}`; nil once every source ended.
    override func next(_ runtime: any Runtime) throws -> Value? {
        let token = runtime.cancellation
        switch runtime.whileBlocked({ queue.take(token) }) {
        case .item(let source, let item):
            return .map(["source": source, "item": item])
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

    /// Closes the merged stream and every source (on the consumer's thread, which holds
    /// the interpreter), then lets the pumps (woken by the cancel) take the interpreter in
    /// turn to end, and waits for them: no pump outlives the stream.
    override func close() { shutDown() }

    private func shutDown() {
        guard !queue.closed else { return }
        queue.close()
        stop.cancel(reason: "merge: closed")
        for s in sources { s.close() }
        // (When the interpreter itself is being destroyed, its pumps stay blocked on a
        // lock no one will release: they never touch it again.)
        if let interp = link.live { interp.whileBlocked { queue.waitForPumps() } }
    }
}

/// One source's pump: a thread with its own machine that pulls the source while it
/// holds the interpreter lock and queues what it gets.
final class MergePump: @unchecked Sendable {
    let tag: Value
    let source: StreamValue
    let queue: MergeQueue

    init(tag: Value, source: StreamValue, queue: MergeQueue) {
        self.tag = tag
        self.source = source
        self.queue = queue
    }

    /// Starts one thread per pump; they run dsh code (a derived stream's functions) only
    /// while holding `interp`'s lock, with `token` as their cancellation.
    static func start(_ pumps: [MergePump], _ interp: Interpreter, token: CancellationToken) {
        let lock = InterpreterLock.enter(interp)
        for pump in pumps {
            let seat = MachineSeat(WorkerMachine.make(for: interp, token: token))
            EvaluationThread.start(stackSize: Parallel.workerStackSize) {
                WorkerMachine.run(seat, lock) { interp in
                    if pump.pull(interp) == 0 { InterpreterLock.leave(interp) }
                }
            }
        }
    }

    /// Pulls until the source ends, fails or the merge is closed, then closes the source
    /// (lock held); the number of pumps still running.
    private func pull(_ rt: any Runtime) -> Int {
        var failure: (any Error)?
        do {
            while !queue.closed {
                guard rt.whileBlocked({ queue.waitForRoom() }) else { break }
                guard let v = try source.next(rt) else { break }
                queue.put(tag, v)
            }
        } catch {
            if !queue.closed { failure = error }
        }
        source.close()
        return queue.finish(failure)
    }
}
