// Blocking.swift: runs the Docker client's async calls from the interpreter's
// synchronous thread: a Task does the work while the thread waits on a semaphore, and
// the evaluation's cancellation (Ctrl-C, a time limit) cancels the Task, which closes
// the HTTP request at once.
import Dispatch
import DockerEngine
import DshCore

/// Holds a Task's result until the waiting thread reads it.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
    let done = DispatchSemaphore(value: 0)
}

enum Blocking {
    /// Runs a blocking client call (`DockerClient.requestBlocking`) on this thread, with no
    /// Task: the fast path for whole requests. A cancel of the evaluation closes the
    /// request's connection and raises `DshError(.interrupted)`; a `DockerError` becomes a
    /// dsh error as in ``run(_:whileRunning:_:)``.
    static func call<T>(_ runtime: any Runtime, _ operation: (DockerCancellation) throws -> T) throws -> T {
        let token = runtime.cancellation
        if token.isCancelled { throw DshError(.interrupted, token.reason) }
        let cancellation = DockerCancellation()
        let id = token.register { cancellation.cancel() }
        defer { token.unregister(id) }
        let value: T
        do {
            value = try runtime.whileBlocked { try operation(cancellation) }
        } catch {
            if token.isCancelled { throw DshError(.interrupted, token.reason) }
            throw DockerErrors.map(error)
        }
        if token.isCancelled { throw DshError(.interrupted, token.reason) }
        return value
    }

    /// Runs `operation` in a Task and blocks this thread until it ends. A cancel of the
    /// evaluation cancels the Task and raises `DshError(.interrupted)`; a `DockerError`
    /// becomes a dsh error with `status`, `message` and `request` members.
    /// `whileRunning`, when given, runs on this thread after the Task started (to feed
    /// it, say, a process's stdin from a dsh stream); if it throws, the Task is cancelled.
    static func run<T: Sendable>(
        _ runtime: any Runtime, whileRunning: (() throws -> Void)? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) throws -> T {
        let token = runtime.cancellation
        if token.isCancelled { throw DshError(.interrupted, token.reason) }
        let box = ResultBox<T>()
        let task = Task {
            do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
            box.done.signal()
        }
        let id = token.register { task.cancel() }
        if let whileRunning {
            do { try whileRunning() } catch {
                task.cancel()
                box.done.wait()
                token.unregister(id)
                throw error
            }
        }
        runtime.whileBlocked { box.done.wait() }
        token.unregister(id)
        if token.isCancelled { throw DshError(.interrupted, token.reason) }
        switch box.result! {
        case .success(let value): return value
        case .failure(let error): throw DockerErrors.map(error)
        }
    }
}
