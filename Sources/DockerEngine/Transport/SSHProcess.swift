// SSHProcess: the ssh process behind one `ssh://` connection. A plain thread reads its
// stderr (keeping the last 4 KiB) and reaps it, so a connection that ends before the
// daemon answered says why, as the CLI does: "Permission denied (publickey)",
// "Connection refused", "docker: command not found", with ssh's exit status.
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

final class SSHProcess: Sendable {
    /// The process id.
    let pid: pid_t
    /// The endpoint it reaches, as errors name it (`ssh://root@host:2222`).
    let endpoint: String

    private struct State {
        /// The read end of ssh's stderr (-1 once closed).
        var fd: Int32
        /// The last bytes ssh wrote to stderr.
        var stderr: [UInt8] = []
        /// The wait status once reaped (-1: reaped elsewhere, unknown).
        var status: Int32?
        /// Run once it has been reaped.
        var waiters: [@Sendable () -> Void] = []

        /// Reads what stderr holds now (the descriptor does not block); false at its end.
        mutating func readAvailable() -> Bool {
            guard fd >= 0 else { return false }
            var buffer = [UInt8](repeating: 0, count: 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    stderr.append(contentsOf: buffer[0..<n])
                    if stderr.count > SSHProcess.stderrLimit { stderr.removeFirst(stderr.count - SSHProcess.stderrLimit) }
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                return n < 0 && errno == EAGAIN
            }
        }

        /// Reaps `pid` if it has ended, without waiting.
        mutating func reapIfEnded(_ pid: pid_t) {
            guard status == nil else { return }
            var st: Int32 = 0
            let r = waitpid(pid, &st, WNOHANG)
            if r == pid { status = st } else if r < 0 && errno == ECHILD { status = -1 }
        }
    }
    private let state: Mutex<State>
    /// How much of stderr is kept.
    static let stderrLimit = 4096

    /// Watches the ssh process `pid`, whose stderr is the read end `stderrFD` (taken over).
    init(pid: pid_t, stderrFD: Int32, endpoint: String) {
        self.pid = pid
        self.endpoint = endpoint
        _ = fcntl(stderrFD, F_SETFL, fcntl(stderrFD, F_GETFL) | O_NONBLOCK)
        state = Mutex(State(fd: stderrFD))
        DetachedThread.detach { [self] in self.watch(stderrFD) }
    }

    /// Runs `body` once ssh has ended and been reaped by the watching thread (at once, on
    /// this thread, when it already has).
    func onExit(_ body: @escaping @Sendable () -> Void) {
        let ended = state.withLock { s in
            if s.status != nil && s.fd < 0 { return true }
            s.waiters.append(body)
            return false
        }
        if ended { body() }
    }

    /// The error of a connection that ended before the daemon answered: how ssh ended
    /// and the lines it wrote to stderr. What is there is read, and ssh reaped, on the
    /// spot, waiting up to `wait` seconds for ssh to end (its pipes close as it exits).
    func failure(wait: Double = 0) -> DockerError {
        var waited = 0.0
        var (bytes, status): ([UInt8], Int32?) = ([], nil)
        while true {
            (bytes, status) = state.withLock { s in
                _ = s.readAvailable()
                s.reapIfEnded(pid)
                return (s.stderr, s.status)
            }
            if status != nil || waited >= wait { break }
            usleep(2000)
            waited += 0.002
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { String($0).trimmingSpaces }
            .filter { !$0.isEmpty && !$0.hasPrefix("Warning: Permanently added") }
        var message = "cannot reach the Docker daemon at \(endpoint): "
        switch status {
        case nil, .some(-1): message += "ssh closed the connection before the daemon answered"
        case let s?:
            let signal = s & 0x7f
            message += "ssh " + (signal == 0 ? "exited with status \((s >> 8) & 0xff)" : "was killed by signal \(signal)")
                + " before the daemon answered"
        }
        if lines.isEmpty {
            message += " (check the address, and that docker 18.09 or later is installed on the remote host)"
        } else {
            message += ": " + lines.joined(separator: "; ")
        }
        return DockerError.transport(message)
    }

    /// Reads stderr until it closes (or ssh ended and only something it started still
    /// holds it), then reaps ssh and runs the waiters.
    private func watch(_ fd: Int32) {
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, 200)
            if n > 0 {
                if state.withLock({ $0.readAvailable() }) { continue }
                break
            }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            // Nothing to read for a while: ssh may have ended while a process it started
            // (a ProxyCommand, a control master) still holds stderr open.
            let ended = state.withLock { s in
                s.reapIfEnded(pid)
                if s.status != nil { _ = s.readAvailable() }
                return s.status != nil
            }
            if ended { break }
        }
        state.withLock { s in
            close(s.fd)
            s.fd = -1
        }
        if state.withLock({ $0.status == nil }) {
            var status: Int32 = 0
            var r: pid_t
            repeat { r = waitpid(pid, &status, 0) } while r < 0 && errno == EINTR
            state.withLock { s in
                if s.status == nil { s.status = r == pid ? status : -1 }
            }
        }
        let waiters = state.withLock { s in
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w() }
    }
}
