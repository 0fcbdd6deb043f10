// TerminalSession.swift: runs an interactive session over a hijacked attach/exec
// connection, as `docker exec -it` / `docker attach` do: the local terminal raw (for a
// TTY session on a terminal), stdin streamed as typed (detach keys watched), output
// written as it comes, the window size sent at the start and on every SIGWINCH. With
// stdin a pipe, stdin is streamed to its end and then half-closed (the CLI's `-i`).
import Dispatch
import DockerEngine
import DshCore
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One interactive session on the process's own standard input, output and error.
struct TerminalSession {
    /// The connection.
    let hijacked: DockerHijackedStream
    /// Whether the remote side has a TTY (raw output; raw mode and detach keys locally).
    let tty: Bool
    /// Sends a window size (rows, columns) to the daemon.
    let resize: (@Sendable (Int, Int) async throws -> Void)?
    /// The detach sequence (TTY sessions only).
    let detachKeys: [UInt8]

    /// How a session ended.
    enum Outcome { case ended, detached }

    /// Runs the session until the remote output ends or the user detaches. The terminal
    /// is restored on every way out; SIGTERM or SIGHUP end the session with an error.
    func run(_ rt: any Runtime) throws -> Outcome {
        (rt as? Interpreter)?.output.flush()
        let raw = tty ? RawTerminal.enter(0) : nil
        defer { raw?.restore() }
        let state = SessionState()
        guard pipe(&state.wake) == 0 else { throw DshError.runtime("cannot make a pipe: \(String(cString: strerror(errno)))") }
        defer { close(state.wake[0]); close(state.wake[1]) }

        let hijacked = self.hijacked
        // Signals: a resize on SIGWINCH; SIGTERM and SIGHUP restore the terminal and end.
        var sources: [any DispatchSourceSignal] = []
        var previous: [(Int32, sighandler_t?)] = []
        let queue = DispatchQueue(label: "dsh.terminal.signals")
        func watch(_ sig: Int32, _ handler: @escaping @Sendable () -> Void) {
            previous.append((sig, signal(sig, SIG_IGN)))
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
        let resize = self.resize
        if tty, let resize, isatty(0) == 1 {
            watch(SIGWINCH) {
                guard let size = RawTerminal.size(0) else { return }
                Task { try? await resize(size.rows, size.columns) }
            }
        }
        for sig in [SIGTERM, SIGHUP] {
            watch(sig) {
                RawTerminal.restoreSaved()
                state.signalled.store(sig, ordering: .relaxed)
                Task { await hijacked.close() }
            }
        }
        defer {
            for s in sources { s.cancel() }
            for (sig, handler) in previous.reversed() { signal(sig, handler) }
        }

        let input = InputPump(hijacked: hijacked, state: state, detector: tty ? DetachDetector(detachKeys) : nil)
        let inputDone = DispatchSemaphore(value: 0)
        EvaluationThread.start(stackSize: 1 << 20) {
            input.run()
            inputDone.signal()
        }
        let tty = self.tty
        let initial = tty && isatty(0) == 1 ? RawTerminal.size(0) : nil
        let result: Result<Void, any Error>
        do {
            try Blocking.run(rt) {
                if let initial, let resize {
                    Task {
                        // The process may not run yet: retry briefly, as the CLI does.
                        for attempt in 0..<10 {
                            do { try await resize(initial.rows, initial.columns); return } catch {
                                try? await Task.sleep(for: .milliseconds(10 * (attempt + 1)))
                            }
                        }
                    }
                }
                try await withTaskCancellationHandler {
                    if tty {
                        for try await chunk in hijacked.output { writeAll(1, chunk.readableBytesView) }
                    } else {
                        for try await frame in hijacked.frames(tty: false) {
                            writeAll(frame.stream == .stderr ? 2 : 1, frame.bytes.readableBytesView)
                        }
                    }
                } onCancel: {
                    Task { await hijacked.close() }
                }
            }
            result = .success(())
        } catch {
            result = .failure(error)
        }
        // Stop the input thread (it must not keep reading the terminal) and wait for it.
        var one: UInt8 = 1
        _ = write(state.wake[1], &one, 1)
        inputDone.wait()
        Blocking.detached { await hijacked.close() }
        raw?.restore()
        let sig = state.signalled.load(ordering: .relaxed)
        if sig != 0 { throw DshError(.interrupted, "terminated by signal \(sig)") }
        if state.detached.load(ordering: .relaxed) {
            // The process's last line (its prompt) stays; what follows starts on a new line.
            if isatty(1) == 1 { writeAll(1, Array("\r\n".utf8)) }
            return .detached
        }
        if case .failure(let e) = result {
            // A connection closed by the daemon at the end is the end, not an error.
            if e is DshError { throw e }
            throw DockerErrors.map(e)
        }
        return .ended
    }
}

/// State shared by the session's threads.
final class SessionState: @unchecked Sendable {
    /// The pipe that wakes the input thread's poll.
    var wake: [Int32] = [-1, -1]
    let detached = Atomic<Bool>(false)
    let signalled = Atomic<Int32>(0)
}

/// Reads standard input (polling it together with the wake pipe) and writes it to the
/// connection, in order, waiting for each write.
struct InputPump: @unchecked Sendable {
    let hijacked: DockerHijackedStream
    let state: SessionState
    var detector: DetachDetector?

    func run() {
        var detector = self.detector
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        while true {
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: state.wake[0], events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, -1)
            if rc < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[1].revents != 0 { return }
            let n = read(0, &buffer, buffer.count)
            if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if n <= 0 {
                // End of input: the process reads end-of-file (docker's -i without -t).
                let h = hijacked
                Blocking.detached { try? await h.closeWrite() }
                return
            }
            var bytes = Array(buffer[0..<n])
            if detector != nil {
                let (toSend, detach) = detector!.feed(bytes)
                bytes = toSend
                if detach {
                    state.detached.store(true, ordering: .relaxed)
                    if !bytes.isEmpty { _ = send(bytes) }
                    let h = hijacked
                    Blocking.detached { await h.close() }
                    return
                }
            }
            if !bytes.isEmpty && !send(bytes) { return }
        }
    }

    /// Writes to the connection and waits; false when it failed (the session is over).
    private func send(_ bytes: [UInt8]) -> Bool {
        let h = hijacked
        return Blocking.detached { (try? await h.write(bytes)) != nil }
    }
}

extension Blocking {
    /// Runs `operation` on a Task and waits for it on this (non-interpreter) thread.
    @discardableResult
    static func detached<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        Task {
            box.result = .success(await operation())
            box.done.signal()
        }
        box.done.wait()
        guard case .success(let v)? = box.result else { fatalError("unreachable") }
        return v
    }
}

/// Writes all of `bytes` to `fd`.
func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) {
    var data = Array(bytes)
    var off = 0
    while off < data.count {
        let n = data[off...].withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        off += n
    }
}
