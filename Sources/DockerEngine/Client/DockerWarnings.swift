// DockerWarnings: things the client goes on despite (a credential helper that is not
// installed), said once per process on standard error unless a handler takes them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The client's warnings: each distinct message is reported once per process, to the
/// handler when one is set, else as `warning: MESSAGE` on standard error.
public final class DockerWarnings: Sendable {
    /// The process's warnings.
    public static let shared = DockerWarnings()
    private struct State {
        var said: Set<String> = []
        var handler: (@Sendable (String) -> Void)?
    }
    private let state = Mutex(State())

    /// Sends later warnings to `handler` (nil: standard error again).
    public func setHandler(_ handler: (@Sendable (String) -> Void)?) {
        state.withLock { $0.handler = handler }
    }

    /// Reports `message` unless it was reported before.
    func warnOnce(_ message: String) {
        let (first, handler) = state.withLock { s in (s.said.insert(message).inserted, s.handler) }
        guard first else { return }
        if let handler { handler(message); return }
        let line = Array("warning: \(message)\n".utf8)
        line.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}
