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

    /// Runs `body` on a new thread with a `stackSize`-byte stack, waits for it, and
    /// returns its value or throws its error. When no thread can be made, `body` runs on
    /// the calling thread.
    public static func run<T, E: Error>(stackSize: Int = defaultStackSize, _ body: () throws(E) -> T) throws(E) -> T {
        var result: Result<T, E>?
        withoutActuallyEscaping(body) { body in
            let work = {
                do throws(E) { result = .success(try body()) } catch { result = .failure(error) }
            }
            if let thread = spawn(stackSize: stackSize, detached: false, work) {
                pthread_join(thread, nil)
            } else {
                work()
            }
        }
        return try result!.get()
    }

    /// Runs `body` on a new thread with a `stackSize`-byte stack and returns its value
    /// (or throws its error) to the awaiting task, whose pool thread is not blocked.
    /// `body` is `sending`: it may capture a non-`Sendable` interpreter the caller hands
    /// over (see ``Interpreter/evaluateAsync(_:name:)`` for one that stays usable).
    public static func value<T: Sendable>(stackSize: Int = defaultStackSize, _ body: sending @escaping () throws -> T) async throws -> T {
        let job = UncheckedJob(body)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            start(stackSize: stackSize) {
                continuation.resume(with: Result { try job.body() })
            }
        }
    }

    /// Starts `body` on a new detached thread with a `stackSize`-byte stack and returns at
    /// once (await its result with a continuation the body resumes, or use `value`).
    public static func start(stackSize: Int = defaultStackSize, _ body: @escaping @Sendable () -> Void) {
        guard spawn(stackSize: stackSize, detached: true, body) != nil else {
            fatalError("EvaluationThread: no thread could be started")
        }
    }

    /// A closure moved to one other thread (it was `sending`: nothing else uses what it
    /// captures).
    private final class UncheckedJob<T>: @unchecked Sendable {
        let body: () throws -> T
        init(_ body: @escaping () throws -> T) { self.body = body }
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
