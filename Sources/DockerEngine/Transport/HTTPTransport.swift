// HTTPTransport: connections to the daemon (unix, tcp, TLS) and a small keep-alive pool.
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// Timeouts of one request. `nil` means none.
public struct DockerTimeouts: Sendable, Hashable {
    /// Connecting (and the TLS handshake).
    public var connect: Duration
    /// From the end of the request body to the response head.
    public var responseHeader: Duration?
    /// Between two reads of the response body (paused while the consumer is behind).
    public var idle: Duration?

    /// New timeouts.
    public init(connect: Duration = .seconds(10), responseHeader: Duration? = .seconds(300), idle: Duration? = .seconds(300)) {
        self.connect = connect
        self.responseHeader = responseHeader
        self.idle = idle
    }

    /// The defaults for ordinary requests.
    public static let `default` = DockerTimeouts()
    /// For follow/attach/events/wait/build/load: no idle timeout.
    public static let streaming = DockerTimeouts(idle: nil)
}

/// A request body: nothing, bytes, or a stream of chunks sent with chunked encoding.
public struct DockerRequestBody: Sendable {
    enum Storage: Sendable {
        case empty
        case bytes(ByteBuffer)
        case stream(@Sendable () -> AnyByteChunkIterator)
    }
    let storage: Storage
    /// The Content-Type to send, if the caller gave none.
    public var contentType: String?

    /// No body.
    public static let empty = DockerRequestBody(storage: .empty, contentType: nil)

    /// Bytes.
    public static func bytes(_ bytes: some Sequence<UInt8>, contentType: String? = nil) -> DockerRequestBody {
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        buffer.writeBytes(Array(bytes))
        return DockerRequestBody(storage: .bytes(buffer), contentType: contentType)
    }

    /// A JSON value (`Content-Type: application/json`).
    public static func json(_ value: JSONValue) -> DockerRequestBody {
        .bytes(value.encoded(), contentType: "application/json")
    }

    /// A stream of chunks, pulled one at a time while the socket accepts them, so the whole
    /// body is never in memory. The sequence is iterated once per attempt.
    public static func stream<S: AsyncSequence & Sendable>(_ chunks: S, contentType: String? = nil) -> DockerRequestBody
    where S.Element == ByteBuffer {
        DockerRequestBody(storage: .stream({ AnyByteChunkIterator(chunks.makeAsyncIterator()) }), contentType: contentType)
    }

    var isReplayable: Bool { if case .stream = storage { return false }; return true }
}

/// A type-erased iterator over byte chunks (used by one task at a time).
struct AnyByteChunkIterator: @unchecked Sendable {
    private let nextChunk: () async throws -> ByteBuffer?
    init<I: AsyncIteratorProtocol>(_ iterator: I) where I.Element == ByteBuffer {
        var it = iterator
        nextChunk = { try await it.next() }
    }
    func next() async throws -> ByteBuffer? { try await nextChunk() }
}

/// Lets another thread abort a blocking request (``DockerClient/requestBlocking(_:_:query:headers:body:timeouts:maxBodyBytes:cancellation:)``):
/// `cancel()` closes the request's connection, and the request throws `CancellationError`.
public final class DockerCancellation: Sendable {
    private struct State {
        var cancelled = false
        var action: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    /// A fresh, uncancelled handle.
    public init() {}

    /// Cancels the request in progress (and any later one made with this handle).
    public func cancel() {
        let action = state.withLock { s -> (@Sendable () -> Void)? in
            s.cancelled = true
            defer { s.action = nil }
            return s.action
        }
        action?()
    }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Sets what `cancel()` does; runs it at once when already cancelled.
    func install(_ action: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.cancelled { return true }
            s.action = action
            return false
        }
        if now { action() }
    }

    func uninstall() { state.withLock { $0.action = nil } }
}

/// One connection and its handler.
final class HTTPConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<HTTPClientHandler>

    init(channel: any Channel, handler: NIOLoopBound<HTTPClientHandler>) {
        self.channel = channel
        self.handler = handler
    }
}

/// Opens connections to one endpoint, keeps a few idle ones for reuse, runs exchanges.
/// Whole requests to a unix socket from a blocking thread go over plain sockets
/// (``UnixSocketTransport``); everything else goes through SwiftNIO, whose event loop
/// group is started only when first needed.
final class HTTPTransport: Sendable {
    let endpoint: DockerEndpoint
    private let injectedGroup: (any EventLoopGroup)?
    private let sslContext: NIOSSLContext?
    private let idle = Mutex<[HTTPConnection]>([])
    private let maxIdle: Int
    /// The plain-socket path for whole requests from a blocking thread, when the endpoint
    /// is a unix socket (``DockerClient/requestBlocking(_:_:query:headers:body:timeouts:maxBodyBytes:cancellation:)``).
    let unixSockets: UnixSocketTransport?
    /// How many connections went through NIO.
    private let nioConnectionsOpened = Atomic<Int>(0)

    init(endpoint: DockerEndpoint, group: (any EventLoopGroup)? = nil, maxIdle: Int = 8) throws {
        self.endpoint = endpoint
        self.injectedGroup = group
        self.maxIdle = maxIdle
        if case .tcp(_, _, let tls?) = endpoint {
            self.sslContext = try HTTPTransport.makeSSLContext(tls)
        } else {
            self.sslContext = nil
        }
        if case .unix(let path) = endpoint {
            unixSockets = UnixSocketTransport(path: path, maxIdle: maxIdle)
        } else {
            unixSockets = nil
        }
    }

    /// The event loops the NIO connections run on (the shared group unless one was given).
    var group: any EventLoopGroup { injectedGroup ?? MultiThreadedEventLoopGroup.singleton }

    /// How many connections were opened (reuse shows as a small number).
    var connectionsOpened: Int {
        nioConnectionsOpened.load(ordering: .relaxed) + (unixSockets?.connectionsOpened.load(ordering: .relaxed) ?? 0)
    }

    static func makeSSLContext(_ tls: DockerTLSOptions) throws -> NIOSSLContext {
        try TransportErrors.checkTLSFiles(tls)
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        if let ca = tls.caFile { config.trustRoots = .file(ca) }
        config.certificateVerification = tls.verify ? .fullVerification : .none
        if let cert = tls.certFile, let key = tls.keyFile {
            do {
                config.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            } catch {
                throw DockerError.configuration("cannot load the TLS client certificate \(cert): it is not a PEM certificate")
            }
            do {
                config.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw DockerError.configuration("cannot load the TLS client key \(key): it is not a PEM private key")
            }
        }
        do {
            return try NIOSSLContext(configuration: config)
        } catch {
            let files = [tls.caFile, tls.certFile, tls.keyFile].compactMap { $0 }.joined(separator: ", ")
            throw DockerError.configuration("cannot use the TLS files (\(files)): the CA is not a PEM certificate or the key does not match the certificate")
        }
    }

    /// Closes the idle connections.
    func shutdown() {
        let conns = idle.withLock { c -> [HTTPConnection] in
            let all = c
            c.removeAll()
            return all
        }
        for c in conns { c.channel.close(promise: nil) }
        unixSockets?.shutdown()
    }

    private func takeIdle() -> HTTPConnection? {
        idle.withLock { c in
            while let conn = c.popLast() {
                if conn.channel.isActive { return conn }
            }
            return nil
        }
    }

    private func giveBack(_ conn: HTTPConnection) {
        let keep = idle.withLock { c -> Bool in
            guard c.count < maxIdle else { return false }
            c.append(conn)
            return true
        }
        if !keep { conn.channel.close(promise: nil) }
    }

    /// Opens a connection; the future fails with the `DockerError` to report.
    private func connectFuture(timeout: Duration) -> EventLoopFuture<HTTPConnection> {
        let sslContext = self.sslContext
        let endpoint = self.endpoint
        let initializer: @Sendable (any Channel) -> EventLoopFuture<Void> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                if let sslContext, case .tcp(let host, _, _) = endpoint {
                    let isIP = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                    try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: isIP ? nil : host))
                }
                let encoder = HTTPRequestEncoder()
                let upgradeSwitch = UpgradeSwitch()
                let decoder = ByteToMessageHandler(UpgradeAwareDecoder(upgrade: upgradeSwitch))
                try sync.addHandler(encoder)
                try sync.addHandler(decoder)
                try sync.addHandler(HTTPClientHandler(decoder: decoder, upgradeSwitch: upgradeSwitch, encoder: encoder))
            }
        }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(HTTPTransport.timeAmount(timeout))
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer(initializer)
        let connected: EventLoopFuture<any Channel>
        switch endpoint {
        case .unix(let path):
            connected = bootstrap.connect(unixDomainSocketPath: path)
        case .tcp(let host, let port, _):
            connected = bootstrap.connect(host: host, port: port)
        case .ssh(let user, let host, let port, let options):
            connected = SSHDialer.connect(group: group, user: user, host: host, port: port, options: options, initializer: initializer)
        }
        return connected.flatMapErrorThrowing { error in
            if let e = error as? ChannelError, case .connectTimeout = e {
                throw DockerError(kind: .timeout, message: "connecting to \(endpoint) timed out")
            }
            throw TransportErrors.connect(error, endpoint: endpoint)
        }.flatMapThrowing { [weak self] channel in
            self?.nioConnectionsOpened.add(1, ordering: .relaxed)
            // On the channel's event loop (the connect completes there).
            let h = try channel.pipeline.syncOperations.handler(type: HTTPClientHandler.self)
            let conn = HTTPConnection(channel: channel, handler: NIOLoopBound(h, eventLoop: channel.eventLoop))
            h.onReusable = { [weak self] in self?.giveBack(conn) }
            return conn
        }
    }

    private func connect(timeout: Duration) async throws -> HTTPConnection {
        try await connectFuture(timeout: timeout).get()
    }

    /// Sends one request and returns once the response head arrived (a head that
    /// ``DockerRequestGate/verify(_:)`` refuses is never sent). The body stream
    /// must be consumed (or dropped) by the caller; the connection returns to the pool
    /// when the response ends, or closes when the consumer stops early.
    /// With `sink`, a body with a status below 400 goes to the sink it makes for the head
    /// instead of the returned (then empty) body stream.
    func execute(
        head: HTTPRequestHead, body: DockerRequestBody, upgrade: Bool, timeouts: DockerTimeouts,
        sink: (@Sendable (HTTPResponseHead) -> any HTTPBodySink)? = nil,
        hijackEndCheck: HijackEndCheck? = nil
    ) async throws -> ResponseStart {
        try DockerRequestGate.verify(head)
        var attempt = 0
        while true {
            attempt += 1
            let pooled = takeIdle()
            let conn: HTTPConnection
            if let pooled { conn = pooled } else { conn = try await connect(timeout: timeouts.connect) }
            do {
                return try await exchange(conn, head: head, body: body, upgrade: upgrade, timeouts: timeouts, sink: sink, hijackEndCheck: hijackEndCheck)
            } catch let error as DockerError where error.kind == .transport && pooled != nil && attempt == 1 && body.isReplayable {
                // A kept-alive connection the daemon had closed meanwhile: retry once on a new one.
                continue
            }
        }
    }

    private func exchange(
        _ conn: HTTPConnection, head: HTTPRequestHead, body: DockerRequestBody, upgrade: Bool, timeouts: DockerTimeouts,
        sink: (@Sendable (HTTPResponseHead) -> any HTTPBodySink)?, hijackEndCheck: HijackEndCheck?
    ) async throws -> ResponseStart {
        let channel = conn.channel
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: ResponseStart.self)
        let handler = conn.handler
        let id = try await eventLoop.submit { () -> Int in
            handler.value.begin(
                reply: sink.map { .sink(promise, makeSink: $0) } ?? .stream(promise), upgrade: upgrade,
                headerTimeout: timeouts.responseHeader.map(HTTPTransport.timeAmount),
                idleTimeout: timeouts.idle.map(HTTPTransport.timeAmount), hijackEndCheck: hijackEndCheck
            )
        }.get()

        return try await withTaskCancellationHandler {
            do {
                switch body.storage {
                case .empty:
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
                case .bytes(let buffer):
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
                    try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
                case .stream(let makeIterator):
                    try await HTTPTransport.writeStreamedBody(channel, head: head, iterator: makeIterator())
                }
            } catch {
                // The daemon may have answered (an error) before reading the whole body, or
                // the connection failed (a TLS handshake) and the handler knows why.
                switch try await promise.futureResult.result(within: .milliseconds(200), eventLoop: eventLoop) {
                case .success(let early)?:
                    return early
                case .failure(let cause as DockerError)?:
                    channel.close(promise: nil)
                    throw cause
                default:
                    break
                }
                channel.close(promise: nil)
                if error is CancellationError { throw error }
                if let e = error as? DockerError { throw e }
                throw TransportErrors.connection(error)
            }
            eventLoop.execute { handler.value.requestSent(id: id) }
            return try await promise.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// How many body bytes may be handed to the channel and not yet written to the socket.
    static let maxBytesInFlight = 1 << 20

    /// Writes the head, the chunks of a streamed body and the end. Several chunks stay in
    /// flight (up to `maxBytesInFlight`): the producer reads the next piece while the event
    /// loop still has bytes to write, so the socket never drains while it waits for one
    /// write to finish. Memory stays bounded by the window.
    static func writeStreamedBody(_ channel: any Channel, head: HTTPRequestHead, iterator: AnyByteChunkIterator) async throws {
        // On a unix socket, a larger send buffer lets the daemon take more per read and
        // gives the producer slack when it is descheduled (the kernel caps it at wmem_max).
        // TCP keeps the kernel's auto-tuning, which a fixed SO_SNDBUF would turn off.
        if case .unixDomainSocket? = channel.remoteAddress {
            channel.eventLoop.execute {
                try? channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(maxBytesInFlight))
            }
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        var pending: [(done: EventLoopFuture<Void>, bytes: Int)] = []
        var first = 0
        var inFlight = 0
        while let chunk = try await iterator.next() {
            try Task.checkCancellation()
            let size = chunk.readableBytes
            if size == 0 { continue }
            let done = channel.eventLoop.makePromise(of: Void.self)
            channel.writeAndFlush(HTTPClientRequestPart.body(.byteBuffer(chunk)), promise: done)
            pending.append((done.futureResult, size))
            inFlight += size
            while inFlight > maxBytesInFlight {
                try await pending[first].done.get()
                inFlight -= pending[first].bytes
                first += 1
            }
            if first > 64 {
                pending.removeFirst(first)
                first = 0
            }
        }
        let end = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: end)
        // Writes complete in order; awaiting each surfaces the first failure.
        for p in pending[first...] { try await p.done.get() }
        try await end.futureResult.get()
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (s, atto) = d.components
        return .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
    }
}

extension EventLoopFuture {
    /// The result if the future completes within `timeout`, else nil (the future keeps running).
    func result(within timeout: TimeAmount, eventLoop: any EventLoop) async throws -> Result<Value, any Error>? where Value: Sendable {
        let race = eventLoop.makePromise(of: Result<Value, any Error>?.self)
        let timer = eventLoop.scheduleTask(in: timeout) { race.succeed(nil) }
        self.whenComplete { result in
            timer.cancel()
            race.succeed(result)
        }
        return try await race.futureResult.get()
    }
}
