// UnixSocketTransport: whole requests to a unix-socket daemon from a thread that may block,
// over plain sockets: no event loop, no thread hop, no channel pipeline. It is what makes
// `dsh -c 'docker.system.version()'` cheap, since the event loop group is never started.
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends whole requests (no body, or a body in one buffer) over unix sockets and reads
/// whole responses, keeping a few idle connections for reuse. Thread-safe.
final class UnixSocketTransport: Sendable {
    /// The socket's path.
    let path: String
    private let idle = Mutex<[UnixSocket]>([])
    private let maxIdle: Int
    /// How many connections were opened.
    let connectionsOpened = Atomic<Int>(0)

    init(path: String, maxIdle: Int = 8) {
        self.path = path
        self.maxIdle = maxIdle
    }

    /// Closes the idle connections.
    func shutdown() {
        let sockets = idle.withLock { s -> [UnixSocket] in
            defer { s.removeAll() }
            return s
        }
        for s in sockets { s.close() }
    }

    /// Sends `head` and `body`, then reads the whole response (see ``HTTPResponseReader``
    /// for `limit` and `errorLimit`). A kept-alive connection that the daemon closed before
    /// answering is replaced once by a new one, if the request was not sent whole or is
    /// idempotent (a POST the daemon may have run is never sent twice). `cancellation`
    /// aborts the socket from another thread and makes this throw `CancellationError`.
    /// `fresh` takes no kept-alive connection: the request proves that the daemon accepts
    /// a new one (a pooled connection may still be served by a daemon that is going away).
    func execute(
        head: HTTPRequestHead, body: ByteBuffer?, timeouts: DockerTimeouts, limit: Int, errorLimit: Int,
        cancellation: DockerCancellation?, fresh: Bool = false
    ) throws -> HTTPWholeResponse {
        // A small body goes in the same write as the head; a larger one follows it.
        var request = try Self.encode(head)
        var separateBody = body
        if let b = body, b.readableBytes <= 64 << 10 {
            request.append(contentsOf: b.readableBytesView)
            separateBody = nil
        }
        var attempt = 0
        while true {
            attempt += 1
            if let cancellation, cancellation.isCancelled { throw CancellationError() }
            let pooled = attempt == 1 && !fresh ? takeIdle() : nil
            let socket: UnixSocket
            if let pooled {
                socket = pooled
            } else {
                socket = try UnixSocket.connect(path: path, timeout: timeouts.connect, endpoint: "unix://\(path)")
                connectionsOpened.add(1, ordering: .relaxed)
            }
            cancellation?.install { socket.abort() }
            var reader = HTTPResponseReader(source: socket, headTimeout: timeouts.responseHeader, idleTimeout: timeouts.idle)
            var sent = false
            do {
                try request.withUnsafeBytes { try socket.write($0, timeout: timeouts.idle) }
                if let separateBody {
                    try separateBody.withUnsafeReadableBytes { try socket.write($0, timeout: timeouts.idle) }
                }
                sent = true
                let response = try reader.read(isHead: head.method == .HEAD, limit: limit, errorLimit: errorLimit)
                cancellation?.uninstall()
                // A cancel that came too late to matter may still be about to abort this
                // socket: then it must not go back to the pool, where another request
                // would take it.
                if response.reusable && cancellation?.isCancelled != true { giveBack(socket) } else { socket.close() }
                return response
            } catch {
                cancellation?.uninstall()
                socket.close()
                if cancellation?.isCancelled == true { throw CancellationError() }
                if let e = error as? DockerError, e.kind == .transport, pooled != nil, !reader.receivedAny,
                   !sent || Self.isIdempotent(head.method) {
                    continue
                }
                throw error
            }
        }
    }

    /// The bytes of a request head, once ``DockerRequestGate/verify(_:)`` passed it (a line
    /// break inside the target or a header would let a value smuggle in a request of its own).
    static func encode(_ head: HTTPRequestHead) throws -> [UInt8] {
        try DockerRequestGate.verify(head)
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: head.method.rawValue.utf8)
        out.append(32)
        out.append(contentsOf: head.uri.utf8)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        for (name, value) in head.headers {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: [58, 32])
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: [13, 10])
        }
        out.append(contentsOf: [13, 10])
        return out
    }

    /// Whether sending the request twice does no more than sending it once.
    private static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE: return true
        default: return false
        }
    }

    private func takeIdle() -> UnixSocket? {
        while let s = idle.withLock({ $0.popLast() }) {
            if s.isReusable { return s }
            s.close()
        }
        return nil
    }

    private func giveBack(_ socket: UnixSocket) {
        let kept = idle.withLock { s -> Bool in
            guard s.count < maxIdle else { return false }
            s.append(socket)
            return true
        }
        if !kept { socket.close() }
    }
}
