// ProcessPump.swift: moves bytes between the interpreter and a host process: feeds its
// stdin (text, bytes, a list of lines or a dsh stream), reads stdout and stderr, and
// waits for the exit, all on the interpreter's thread with poll(2). Every wait also
// watches a wake-up pipe registered with the evaluation's CancellationToken, so Ctrl-C,
// `break`, the time limit or a host's cancel kill the process group at once.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DshCore

/// A pipe whose write end a cancellation handler writes one byte into.
final class WakePipe: Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard makePipe(&fds) else { throw errnoError("process", "pipe") }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Wakes a poll on `readFD` (from any thread).
    func wake() {
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }
}

/// What a process writes, and what is written to it, while it runs.
final class ProcessPump {
    let process: SpawnedProcess
    let function: String
    /// Bytes waiting to go to stdin, and how many were written.
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    /// A dsh stream still to pull stdin from.
    private var source: StreamValue?
    /// Output not yet taken by the caller.
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    /// Monotonic deadline in nanoseconds (`timeout:`), if any.
    let deadline: UInt64?
    let timeoutSeconds: Double?
    private let wakePipe: WakePipe

    init(_ process: SpawnedProcess, stdin: Value?, timeout: Double?, function: String) throws {
        self.process = process
        self.function = function
        self.timeoutSeconds = timeout
        self.deadline = timeout.map { monotonicNow() &+ UInt64(min($0, 1e9) * 1e9) }
        self.wakePipe = try WakePipe()
        switch stdin {
        case nil: break
        case .stream(let s)?: source = s
        case let v?: pending = try ProcessInput.bytes(v, function)
        }
        if source == nil && pending.isEmpty { process.closeStdin() }
    }

    /// Whether stdout and stderr are both at end-of-file.
    var outputClosed: Bool { process.stdoutFD < 0 && process.stderrFD < 0 }

    /// Whether the process has exited and its output has been read to the end.
    var finished: Bool { outputClosed && process.hasExited }

    /// Waits until something happens (output arrives, stdin can take more, the process
    /// exits) and handles it. Throws when the evaluation is cancelled (after killing the
    /// process group) or the `timeout:` passed.
    func step(_ rt: any Runtime) throws {
        try rt.checkInterrupt()
        try refillStdin(rt)
        let token = rt.cancellation
        let wake = wakePipe
        let id = token.register { wake.wake() }
        defer { token.unregister(id) }
        var fds: [pollfd] = []
        if process.stdoutFD >= 0 { fds.append(pollfd(fd: process.stdoutFD, events: Int16(POLLIN), revents: 0)) }
        if process.stderrFD >= 0 { fds.append(pollfd(fd: process.stderrFD, events: Int16(POLLIN), revents: 0)) }
        if process.stdinFD >= 0 && pendingOffset < pending.count {
            fds.append(pollfd(fd: process.stdinFD, events: Int16(POLLOUT), revents: 0))
        }
        fds.append(pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0))
        // With the output closed, wait for the exit by polling waitpid every 10 ms.
        var timeoutMs: Int32 = outputClosed ? 10 : -1
        if let deadline {
            let now = monotonicNow()
            let left = deadline > now ? Int32(min((deadline - now) / 1_000_000 + 1, 1 << 30)) : 0
            timeoutMs = timeoutMs < 0 ? left : min(timeoutMs, left)
        }
        let n = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeoutMs) }
        if n < 0 && errno != EINTR { throw errnoError(function, "poll") }
        if token.isCancelled {
            process.killGroup()
            try rt.checkInterrupt()
            throw DshError(.interrupted, token.reason)
        }
        if let deadline, monotonicNow() >= deadline {
            process.killGroup()
            throw timeoutError()
        }
        for p in fds where p.revents != 0 {
            if p.fd == process.stdoutFD { readSome(&process.stdoutFD, into: &stdout) }
            else if p.fd == process.stderrFD { readSome(&process.stderrFD, into: &stderr) }
            else if p.fd == process.stdinFD { writeSome() }
        }
        if outputClosed { process.poll() }
    }

    /// Runs to the end: feeds all of stdin, reads all output, reaps the process.
    func runToEnd(_ rt: any Runtime) throws {
        do {
            while !finished { try step(rt) }
        } catch {
            stop()
            throw error
        }
        source?.close()
    }

    /// Kills the process group unless everything in it already finished (a leader that
    /// exited may have left a background child holding the output open), then releases
    /// the pipes and the source.
    func stop() {
        if !finished { process.killGroup() }
        process.closeAll()
        source?.close()
        source = nil
    }

    private func timeoutError() -> DshError {
        let secs = timeoutSeconds.map { ValueText.seconds($0) } ?? "?"
        return DshError.runtime("\(function): '\(process.display)' did not finish within \(secs) s (killed)", fields: [
            ("timed_out", .bool(true)), ("command", .string(process.display)),
            ("stdout", .string(String(decoding: stdout, as: UTF8.self))),
            ("stderr", .string(String(decoding: stderr, as: UTF8.self))),
        ])
    }

    /// Pulls the next chunk of a stream source when nothing is pending; closes stdin at
    /// the end of the input.
    private func refillStdin(_ rt: any Runtime) throws {
        guard process.stdinFD >= 0, pendingOffset >= pending.count else { return }
        pending = []
        pendingOffset = 0
        if let s = source {
            if let item = try s.next(rt) {
                pending = try ProcessInput.bytes(item, function, line: true)
                return
            }
            source = nil
        }
        process.closeStdin()
    }

    private func readSome(_ fd: inout Int32, into buffer: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
        } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
            close(fd)
            fd = -1
        }
    }

    private func writeSome() {
        let n = pending.withUnsafeBytes { buf in
            writeWithoutSIGPIPE(process.stdinFD, buf.baseAddress! + pendingOffset, buf.count - pendingOffset)
        }
        if n > 0 {
            pendingOffset += n
        } else if n < 0 && errno != EAGAIN && errno != EINTR {
            // EPIPE: the process stopped reading; the rest of the input is dropped.
            pending = []
            pendingOffset = 0
            source?.close()
            source = nil
            process.closeStdin()
        }
    }
}

/// Monotonic nanoseconds.
func monotonicNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Short renderings for messages.
enum ValueText {
    /// `2`, `0.5`: a number of seconds without a needless `.0`.
    static func seconds(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
