// UnixSocket: one connected unix-domain stream socket used from a single blocking thread,
// with poll-based timeouts, and an abort that another thread may call (cancellation).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A connected unix-domain socket. Reads and writes belong to one thread at a time;
/// ``abort()`` may be called from any thread and wakes a read or write in progress.
/// (Unchecked: the read scratch buffer is used only by the thread doing the I/O; the
/// descriptor's closing is guarded.)
final class UnixSocket: HTTPByteSource, @unchecked Sendable {
    /// The descriptor, or -1 once closed (guarded so that an abort never touches a
    /// descriptor number the process has reused).
    private let descriptor: Mutex<Int32>
    /// The descriptor for I/O (valid until ``close()``).
    private let fd: Int32
    /// Where `recv` writes before the bytes join the caller's buffer.
    private let scratch: UnsafeMutableRawBufferPointer

    private init(fd: Int32) {
        self.fd = fd
        self.descriptor = Mutex(fd)
        self.scratch = .allocate(byteCount: HTTPWire.readSize, alignment: 16)
    }

    deinit {
        close()
        scratch.deallocate()
    }

    /// Connects to the socket at `path` (`timeout` bounds a connect the daemon's full
    /// backlog holds up). Throws a transport ``DockerError`` naming `endpoint`.
    static func connect(path: String, timeout: Duration, endpoint: String) throws -> UnixSocket {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            throw DockerError.transport("cannot connect to the Docker daemon at \(endpoint): the socket path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else {
            throw DockerError.transport("cannot connect to the Docker daemon at \(endpoint): \(errorText(errno))")
        }
        let sock = UnixSocket(fd: fd)
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let e = errno
            if e == EAGAIN || e == EINPROGRESS {
                throw DockerError(kind: .timeout, message: "connecting to \(endpoint) timed out")
            }
            // Worded as the NIO path's (``TransportErrors/connect(_:endpoint:)``).
            throw DockerError.transport("cannot connect to the Docker daemon at \(endpoint): \(String(cString: strerror(e)).lowercased()). Is the daemon running?")
        }
        var zero = timeval()
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, socklen_t(MemoryLayout<timeval>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return sock
    }

    /// Writes all of `bytes`, waiting at most `timeout` (nil: for ever) each time the
    /// socket cannot take more.
    func write(_ bytes: UnsafeRawBufferPointer, timeout: Duration?) throws {
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 {
                offset += n
                continue
            }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) {
                guard try wait(for: Int16(POLLOUT), timeout: timeout) else {
                    throw DockerError(kind: .timeout, message: "the daemon took no request data for \(timeout.map(HTTPWire.describe) ?? "ever")")
                }
                continue
            }
            throw DockerError.transport("sending the request failed: \(UnixSocket.errorText(e))")
        }
    }

    /// Reads at most `maxBytes` (up to ``HTTPWire/readSize``) into the end of `buffer`; 0 when the
    /// peer closed. Waits at most `timeout` (nil: for ever), then throws `timeoutMessage`
    /// as a timeout error.
    func read(into buffer: inout [UInt8], maxBytes: Int, timeout: Duration?, timeoutMessage: @autoclosure () -> String) throws -> Int {
        while true {
            let n = recv(fd, scratch.baseAddress!, min(maxBytes, scratch.count), 0)
            if n >= 0 {
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                return n
            }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                guard try wait(for: Int16(POLLIN), timeout: timeout) else {
                    throw DockerError(kind: .timeout, message: timeoutMessage())
                }
                continue
            }
            if e == ECONNRESET { return 0 }
            throw DockerError.transport("reading the daemon's response failed: \(UnixSocket.errorText(e))")
        }
    }

    /// Whether an idle connection can carry another request: the daemon has neither
    /// closed it nor sent anything unasked.
    var isReusable: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 0
    }

    /// Shuts the socket down from any thread: a read or write in progress returns at once.
    func abort() {
        descriptor.withLock { fd in
            if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the socket (once).
    func close() {
        descriptor.withLock { fd in
            if fd >= 0 {
                systemClose(fd)
                fd = -1
            }
        }
    }

    /// Waits until the socket is ready for `events`; false when `timeout` ran out.
    private func wait(for events: Int16, timeout: Duration?) throws -> Bool {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            var ms: Int32 = -1
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return false }
                let (s, atto) = left.components
                ms = Int32(clamping: s * 1000 + atto / 1_000_000_000_000_000 + 1)
            }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&p, 1, ms)
            if rc > 0 { return true }
            if rc == 0 { continue }
            if errno == EINTR { continue }
            throw DockerError.transport("waiting for the daemon failed: \(UnixSocket.errorText(errno))")
        }
    }

    /// The text of an errno value.
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code)) + " (errno \(code))"
    }
}

/// `connect(2)` (outside the type, whose own `connect` would shadow it).
private func systemConnect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
    connect(fd, addr, len)
}

/// `close(2)` (outside the type, whose own `close` would shadow it).
private func systemClose(_ fd: Int32) {
    _ = close(fd)
}
