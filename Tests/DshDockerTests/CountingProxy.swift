// CountingProxy.swift: a unix-socket proxy in front of the test engine that counts the
// connections open through it, so a test can prove that abandoning a stream closes its
// connection (other tests' sockets in this process do not disturb the count).
import DockerEngine
import DshCore
import DshDocker
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

final class CountingProxy: @unchecked Sendable {
    let path: String
    private let upstream: String
    private let listener: Int32
    private let open = Atomic<Int>(0)
    private let total = Atomic<Int>(0)

    /// Listens on a fresh socket path and forwards each connection to `upstream`.
    init(upstream: String) throws {
        self.upstream = upstream
        path = "/tmp/dsh-proxy-\(getpid())-\(Int.random(in: 0..<1_000_000)).sock"
        listener = try CountingProxy.listen(path)
        Thread.detach(ThreadBody { [self] in acceptLoop() })
    }

    /// A socket listening on the unix path `path` (replaced if it exists).
    static func listen(_ path: String) throws -> Int32 {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = address(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, Glibc.listen(fd, 16) == 0 else { close(fd); throw ProxyError() }
        return fd
    }

    struct ProxyError: Error {}

    /// Connections open now.
    var openConnections: Int { open.load(ordering: .relaxed) }
    /// Connections accepted so far.
    var acceptedConnections: Int { total.load(ordering: .relaxed) }

    /// Stops listening (open connections finish on their own).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    static func address(_ path: String) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        return addr
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = CountingProxy.address(upstream)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if rc != 0 { close(client); close(server); continue }
            open.add(1, ordering: .relaxed)
            total.add(1, ordering: .relaxed)
            let finished = Atomic<Int>(0)
            let done: @Sendable () -> Void = { [self] in
                if finished.add(1, ordering: .relaxed).newValue == 2 {
                    close(client)
                    close(server)
                    open.subtract(1, ordering: .relaxed)
                }
            }
            let pair = FdPair(client: client, server: server, done: done)
            Thread.detach(ThreadBody { pair.pump(from: client, to: server) })
            Thread.detach(ThreadBody { pair.pump(from: server, to: client) })
        }
    }
}

/// The two ends of one proxied connection.
final class FdPair: @unchecked Sendable {
    let client: Int32
    let server: Int32
    let done: @Sendable () -> Void
    init(client: Int32, server: Int32, done: @escaping @Sendable () -> Void) {
        self.client = client
        self.server = server
        self.done = done
    }

    /// Copies until end-of-file or an error, then passes the end on and shuts the
    /// connection down both ways (so the other pump ends too).
    func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, 65536) }
            if n <= 0 { break }
            var off = 0
            while off < n {
                let w = buffer.withUnsafeBytes { write(to, $0.baseAddress! + off, n - off) }
                if w <= 0 { off = -1; break }
                off += w
            }
            if off < 0 { break }
        }
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(server, Int32(SHUT_RDWR))
        done()
    }
}

extension CountingProxy {
    /// A proxy in front of the test engine's unix socket (the test fails when DOCKER_HOST
    /// is not a unix socket).
    static func inFrontOfTheTestEngine() throws -> CountingProxy {
        let host = try #require(Engine.environment["DOCKER_HOST"])
        try #require(host.hasPrefix("unix://"), "the proxy needs a unix DOCKER_HOST")
        return try CountingProxy(upstream: String(host.dropFirst(7)))
    }

    /// An interpreter whose client goes through this proxy, with `open_connections()`.
    func interpreter(_ sink: TextSink) -> Interpreter {
        let interp = Interpreter(output: sink, errorOutput: sink)
        let proxied = "unix://" + path
        DockerBindings.install(into: interp, client: { try DockerClient(host: proxied) })
        interp.define("open_connections") { [self] _, _ in .int(openConnections) }
        interp.timeLimit = .seconds(90)
        return interp
    }

    /// Waits (up to 5 s) until at most `n` connections are open; the count.
    func settle(atMost n: Int) -> Int {
        var waited = 0
        while openConnections > n && waited < 500 { usleep(10_000); waited += 1 }
        return openConnections
    }
}
