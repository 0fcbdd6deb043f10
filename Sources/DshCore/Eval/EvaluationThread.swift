// EvaluationThread.swift: the threads evaluations run on. The evaluator is synchronous
// and recursive, and Docker calls block their thread, so a host evaluates on a thread of
// its own (never a Swift concurrency pool thread) with a large stack.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts threads with a large stack for evaluations (deep recursion then reaches the
/// interpreter's depth limit long before the native stack ends).
public enum EvaluationThread {
    /// The default stack: 512 MiB of address space (pages are touched only as deep as
    /// recursion goes).
    public static let defaultStackSize = 512 << 20

    /// Runs `body` on a new thread with a `stackSize`-byte stack and waits for it. When no
    /// thread can be made, `body` runs on the calling thread.
    public static func run(stackSize: Int = defaultStackSize, _ body: @escaping () -> Void) {
        guard let thread = spawn(stackSize: stackSize, detached: false, body) else {
            body()
            return
        }
        pthread_join(thread, nil)
    }

    /// Starts `body` on a new detached thread with a `stackSize`-byte stack and returns at
    /// once (await its result with a continuation the body resumes).
    public static func start(stackSize: Int = defaultStackSize, _ body: @escaping @Sendable () -> Void) {
        guard spawn(stackSize: stackSize, detached: true, body) != nil else {
            fatalError("EvaluationThread: no thread could be started")
        }
    }

    /// A closure handed to a new thread.
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Creates the thread; nil when the system refuses.
    private static func spawn(stackSize: Int, detached: Bool, _ body: @escaping () -> Void) -> pthread_t? {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, stackSize)
        if detached { pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED)) }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let rc = pthread_create(&thread, &attr, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        #if os(Linux)
        return thread
        #else
        return thread!
        #endif
    }
}
