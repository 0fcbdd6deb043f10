// ScriptSignals.swift: SIGINT, SIGTERM and SIGHUP while a script runs. One mechanism
// only (DispatchSourceSignal): the first signal cancels the evaluation, whose `defer`
// blocks then clean up; a second one ends the process at once.
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
    init(cancelling handle: CancelHandle) {
        let queue = DispatchQueue(label: "dsh.signals")
        var made: [any DispatchSourceSignal] = []
        for (number, name) in ScriptSignals.handled {
            signal(number, SIG_IGN)
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
