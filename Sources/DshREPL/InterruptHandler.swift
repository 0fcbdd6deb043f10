// InterruptHandler.swift: Ctrl-C while a command runs. One mechanism only: a
// DispatchSourceSignal for SIGINT on a background queue (at the prompt, libedit
// reads Ctrl-C as a key instead, see CEditLine).
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared between the signal queue and the REPL thread.
private final class InterruptState: Sendable {
    let busy = Atomic<Bool>(false)
    let presses = Atomic<Int>(0)
}

/// Turns SIGINT into a cancel of the running evaluation. A third Ctrl-C during one
/// evaluation that does not stop exits the process (status 130), so a stuck native
/// call can never trap the user.
final class InterruptHandler {
    private let state = InterruptState()
    private let source: any DispatchSourceSignal

    /// Starts handling SIGINT; `cancel` is called (on a background queue) for each
    /// Ctrl-C that arrives while `whileBusy` runs.
    init(cancel: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue.global(qos: .userInteractive))
        let state = self.state
        source.setEventHandler {
            guard state.busy.load(ordering: .acquiring) else { return }
            let n = state.presses.wrappingAdd(1, ordering: .relaxed).newValue
            if n >= 3 {
                let message = "\ndsh: the command does not stop; exiting\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
                _exit(130)
            }
            cancel()
        }
        source.resume()
    }

    /// Stops handling SIGINT (the default action returns).
    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    /// Runs `body` with Ctrl-C cancelling it.
    func whileBusy<T>(_ body: () throws -> T) rethrows -> T {
        state.presses.store(0, ordering: .relaxed)
        state.busy.store(true, ordering: .releasing)
        defer { state.busy.store(false, ordering: .releasing) }
        return try body()
    }

    deinit { source.cancel() }
}
