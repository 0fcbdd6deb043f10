// ScriptSignals.swift: SIGINT, SIGTERM and SIGHUP while a script runs. One mechanism
// only (DispatchSourceSignal): the first signal cancels the evaluation, whose `defer`
// blocks then clean up; a second one ends the process at once.
//
// No signal may be lost between here and the moment libdispatch has armed the sources:
// on Linux it installs its handler and signalfd later, on its manager thread, so the
// stop signals are blocked first on the calling thread (the main thread, before the
// evaluation thread exists: every thread started afterwards inherits the mask, and
// libdispatch's own threads block them already). A signal sent in between stays pending
// and reaches the source once armed; none is ever ignored (SIG_IGN would discard it).
import Dispatch
import DshCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first stop signal received (0: none), shared with the signal queue.
private final class FirstSignal: Sendable {
    let number = Atomic<Int32>(0)
}

/// Turns the stop signals into a cancel of the running script.
final class ScriptSignals {
    /// The signals that stop a script, and the name each is reported by.
    static let handled: [(signal: Int32, name: String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]

    /// The first signal received (0: none).
    private let first = FirstSignal()
    private let sources: [any DispatchSourceSignal]

    /// Starts handling the stop signals: the first one calls `handle.cancel`, a second
    /// one exits with 128 + its number without waiting for cleanup.
    /// Call it on the main thread before any other thread of the script starts.
    init(cancelling handle: CancelHandle) {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for (number, _) in ScriptSignals.handled { sigaddset(&stopSignals, number) }
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let queue = DispatchQueue(label: "dsh.signals")
        var made: [any DispatchSourceSignal] = []
        for (number, name) in ScriptSignals.handled {
            #if canImport(Darwin)
            // kqueue sees the signal as well as the default action would: ignore the latter.
            signal(number, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [first] in
                guard first.number.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing).exchanged else {
                    TextSink.standardOutput.flush()
                    let message = "\ndsh: \(name) again: exiting without waiting for cleanup\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    _exit(128 + number)
                }
                handle.cancel(reason: number == SIGINT ? "interrupted" : "interrupted by \(name)")
            }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// The exit status a stopping signal calls for (128 + its number), nil when none came.
    var status: Int32? {
        let n = first.number.load(ordering: .acquiring)
        return n == 0 ? nil : 128 + n
    }
}
