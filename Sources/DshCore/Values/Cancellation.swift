// Cancellation.swift: a thread-safe cancel flag with wake-up handlers.
import Synchronization

/// Cancels one evaluation. Any thread may call `cancel()` (a signal handler's
/// dispatch source, a host's watchdog); the interpreter polls `isCancelled` at loop
/// back-edges and calls, and blocking waits register a handler to wake up at once.
public final class CancellationToken: Sendable {
    private struct State {
        var cancelled = false
        var reason = "interrupted"
        /// The registered handlers by id: a short list (one per blocking wait in
        /// progress), and an array rather than a dictionary, whose first `Int` key costs
        /// a scan of the runtime's conformance tables at start-up.
        var handlers: [(id: Int, run: @Sendable () -> Void)] = []
        var nextID = 0
    }
    private let state = Mutex(State())
    private let flag = Atomic<Bool>(false)

    /// Makes a token that is not cancelled.
    public init() {}

    /// Whether `cancel` has been called. Cheap: an atomic load.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }

    /// Why the evaluation was cancelled ("interrupted", "time limit exceeded", ...).
    public var reason: String { state.withLock { $0.reason } }

    /// Cancels, running every registered handler once.
    public func cancel(reason: String = "interrupted") {
        let handlers: [@Sendable () -> Void] = state.withLock { s in
            if s.cancelled { return [] }
            s.cancelled = true
            s.reason = reason
            let hs = s.handlers.map(\.run)
            s.handlers.removeAll()
            return hs
        }
        flag.store(true, ordering: .relaxed)
        for h in handlers { h() }
    }

    /// Registers `handler` to run on cancel (at once if already cancelled). Returns an
    /// id for `unregister`.
    @discardableResult
    public func register(_ handler: @escaping @Sendable () -> Void) -> Int {
        let id: Int? = state.withLock { s in
            if s.cancelled { return nil }
            s.nextID += 1
            s.handlers.append((s.nextID, handler))
            return s.nextID
        }
        guard let id else { handler(); return -1 }
        return id
    }

    /// Removes a handler registered with `register`.
    public func unregister(_ id: Int) {
        state.withLock { s in
            if let i = s.handlers.firstIndex(where: { $0.id == id }) { s.handlers.remove(at: i) }
        }
    }
}
