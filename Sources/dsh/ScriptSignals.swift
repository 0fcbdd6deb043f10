// ScriptSignals.swift: SIGINT, SIGTERM and SIGHUP while a script runs. One mechanism
// only (a thread waiting in sigwait): the first signal cancels the evaluation, whose
// `defer` blocks then clean up; a second one ends the process at once.
//
// No signal may be lost: the stop signals are blocked first on the calling thread (the
// main thread, before the evaluation thread exists: every thread started afterwards
// inherits the mask), so a signal sent before the waiting thread reaches `sigwait` stays
// pending and is taken then; none is ever ignored (SIG_IGN would discard it). Every
// thread blocks them, so the process-directed signal can only be taken by `sigwait`.
// (This replaced one DispatchSourceSignal per signal: same guarantees, but starting
// libdispatch's manager thread, its epoll set and a signalfd cost about 0.1 ms of dsh's
// start-up, which a plain thread does not.)
import DshCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first stop signal received (0: none), shared with the signal thread.
private final class FirstSignal: Sendable {
    let number = Atomic<Int32>(0)
}

/// Turns the stop signals into a cancel of the running script.
final class ScriptSignals {
    /// The signals that stop a script, and the name each is reported by.
    static let handled: [(signal: Int32, name: String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]

    /// The first signal received (0: none).
    private let first = FirstSignal()

    /// Starts handling the stop signals: the first one calls `handle.cancel`, a second
    /// one exits with 128 + its number without waiting for cleanup.
    /// Call it on the main thread before any other thread of the script starts.
    init(cancelling handle: CancelHandle) {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for (number, _) in ScriptSignals.handled { sigaddset(&stopSignals, number) }
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let waitFor = stopSignals
        // The thread only waits, then cancels (which may run the token's wake-ups): a
        // 1 MiB stack is ample, and only the pages it touches are ever made.
        EvaluationThread.start(stackSize: 1 << 20) { [first] in
            var set = waitFor
            while true {
                var number: Int32 = 0
                guard sigwait(&set, &number) == 0 else { continue }
                let name = ScriptSignals.handled.first { $0.signal == number }?.name ?? "signal \(number)"
                guard first.number.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing).exchanged else {
                    TextSink.standardOutput.flush()
                    let message = "\ndsh: \(name) again: exiting without waiting for cleanup\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    _exit(128 + number)
                }
                handle.cancel(reason: number == SIGINT ? "interrupted" : "interrupted by \(name)")
            }
        }
    }

    /// The exit status a stopping signal calls for (128 + its number), nil when none came.
    var status: Int32? {
        let n = first.number.load(ordering: .acquiring)
        return n == 0 ? nil : 128 + n
    }
}
