// DockerClient: the generic Docker Engine API client (negotiation, requests, streams, hijack).
import Dispatch
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A Docker Engine API client. Thread-safe; share one per daemon. Typed helpers for the
/// common endpoints live in extensions; every endpoint is reachable through ``request(_:_:query:headers:body:timeouts:maxBodyBytes:)``,
/// ``stream(_:_:query:headers:body:timeouts:)`` and ``hijack(_:_:query:headers:body:)``.
public final class DockerClient: Sendable {
    /// How this client reaches its daemon.
    public let configuration: DockerConfiguration
    /// Receives one event per request (for `--trace`); credentials are never in it.
    public let traceHook: DockerTraceHook?
    let transport: HTTPTransport
    let logger: Logger
    private let negotiated = Mutex<APIVersion?>(nil)

    /// A client for `configuration`. `traceHook` sees every request line and status.
    public init(configuration: DockerConfiguration, logger: Logger = Logger(label: "dsh.docker"), traceHook: DockerTraceHook? = nil) throws {
        self.configuration = configuration
        self.logger = logger
        self.traceHook = traceHook
        self.transport = try HTTPTransport(endpoint: configuration.endpoint)
        if let pinned = configuration.apiVersion, !pinned.isEmpty {
            let v = try APIVersion.pinned(pinned)
            negotiated.withLock { $0 = v }
        }
    }

    /// A client configured as the docker CLI would be (see ``DockerConfiguration/resolve(environment:)``).
    public convenience init(environment: [String: String]? = nil, traceHook: DockerTraceHook? = nil) throws {
        try self.init(configuration: DockerConfiguration.resolve(environment: environment), traceHook: traceHook)
    }

    /// A client for an explicit address (`unix:///...`, `tcp://host:port`,
    /// `ssh://user@host:port`) and optional TLS; `sshOptions` are extra flags for the ssh
    /// command of an `ssh://` address (see ``DockerEndpoint/ssh(user:host:port:options:)``).
    public convenience init(host: String, tls: DockerTLSOptions? = nil, apiVersion: String? = nil, sshOptions: [String] = [],
                            traceHook: DockerTraceHook? = nil) throws {
        var endpoint = try DockerEndpoint.parse(host, tls: tls)
        if !sshOptions.isEmpty { endpoint = try endpoint.withSSHOptions(sshOptions) }
        try self.init(configuration: DockerConfiguration(endpoint: endpoint, apiVersion: apiVersion), traceHook: traceHook)
    }

    deinit { transport.shutdown() }

    /// Where the daemon listens.
    public var endpoint: DockerEndpoint { configuration.endpoint }

    /// How many connections this client opened so far (kept-alive ones are reused).
    public var connectionsOpened: Int { transport.connectionsOpened }

    /// Closes idle kept-alive connections (streams in progress are not affected).
    public func shutdown() { transport.shutdown() }

    // MARK: version negotiation

    /// The API version in use: pinned by `DOCKER_API_VERSION`, else negotiated once with
    /// `GET /_ping` as min(daemon's `API-Version`, ``APIVersion/clientMaximum``).
    /// Throws when the daemon is older than ``APIVersion/minimum``.
    public func apiVersion() async throws -> APIVersion {
        if let v = negotiated.withLock({ $0 }) { return v }
        let head = try requestHead("GET", "/_ping", query: [], headers: [], body: .empty, version: nil)
        let trace = traced("GET", "/_ping", query: [], version: nil)
        let start: ResponseStart
        do {
            start = try await transport.execute(head: head, body: .empty, upgrade: false, timeouts: .default)
        } catch {
            throw trace.failed(error, naming: false)
        }
        _ = try? await start.body.collect(upTo: 1 << 16)
        _ = trace.answered(start.head)
        return try negotiate(start.head.headers, path: "/_ping")
    }

    /// ``apiVersion()`` for a plain thread, over the unix socket `sockets` (see
    /// ``requestBlocking(_:_:query:headers:body:timeouts:maxBodyBytes:cancellation:)``).
    private func apiVersionBlocking(_ sockets: UnixSocketTransport, cancellation: DockerCancellation?) throws -> APIVersion {
        if let v = negotiated.withLock({ $0 }) { return v }
        let head = try requestHead("GET", "/_ping", query: [], headers: [], body: .empty, version: nil)
        let trace = traced("GET", "/_ping", query: [], version: nil)
        let whole: HTTPWholeResponse
        do {
            whole = try sockets.execute(head: head, body: nil, timeouts: .default, limit: 1 << 16, errorLimit: 1 << 16, cancellation: cancellation)
        } catch {
            throw trace.failed(error, naming: false)
        }
        _ = trace.answered(whole.head)
        return try negotiate(whole.head.headers, path: "/_ping")
    }

    /// Settles the version from a response's `API-Version` header (see ``apiVersion()``).
    /// A daemon that sends none is spoken to at ``APIVersion/clientMaximum``, as the
    /// docker CLI's client does (it predates versioned pings only if older than 1.24,
    /// which no supported daemon is).
    private func negotiate(_ headers: HTTPHeaders, path: String) throws -> APIVersion {
        let server = headers.first(name: "API-Version").flatMap(APIVersion.init) ?? APIVersion.clientMaximum
        if server < APIVersion.minimum {
            throw DockerError(
                kind: .versionTooOld,
                message: "the Docker daemon speaks API \(server), older than the minimum \(APIVersion.minimum) this client supports",
                method: "GET", path: path, hint: "upgrade the daemon")
        }
        let chosen = min(server, APIVersion.clientMaximum)
        negotiated.withLock { $0 = chosen }
        return chosen
    }

    /// Whether a request can itself negotiate the version: a first `GET /_ping` or
    /// `GET /version` of a client with no version yet is sent without a version prefix
    /// (the daemon answers both alike at every version) and its `API-Version` header
    /// settles the version, so `dsh -c 'docker.system.version()'` makes one round trip
    /// instead of a ping first.
    private func negotiatesInline(_ method: String, _ path: String, _ query: [(String, String)]) -> Bool {
        method.uppercased() == "GET" && query.isEmpty && (path == "/_ping" || path == "/version")
            && negotiated.withLock({ $0 }) == nil
    }

    // MARK: generic requests

    /// Sends a request and reads the whole response (at most `maxBodyBytes`).
    /// A status of 400 or more throws a ``DockerError`` with the daemon's message.
    /// `path` has no version prefix (`/containers/json`); the negotiated version is added.
    public func request(
        _ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: DockerRequestBody = .empty, timeouts: DockerTimeouts = .default, maxBodyBytes: Int = 256 << 20
    ) async throws -> DockerResponse {
        let response = try await stream(method, path, query: query, headers: headers, body: body, timeouts: timeouts)
        let bytes = try await response.body.collect(upTo: maxBodyBytes)
        return DockerResponse(status: response.status, headers: response.headers, body: bytes)
    }

    /// ``request(_:_:query:headers:body:timeouts:maxBodyBytes:)`` for a caller on a plain
    /// thread that may block (never an event loop, never inside a Swift concurrency task).
    /// To a unix socket (the usual daemon) the request is written and the response read on
    /// this thread over a plain socket: no event loop, no Task, no async sequence, which
    /// makes a small request several times cheaper. Over tcp/TLS, or with a streamed body,
    /// it runs the async request on a Task and waits for it. `cancellation` lets another
    /// thread abort it (it then throws `CancellationError`).
    public func requestBlocking(
        _ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: DockerRequestBody = .empty, timeouts: DockerTimeouts = .default, maxBodyBytes: Int = 256 << 20,
        cancellation: DockerCancellation? = nil
    ) throws -> DockerResponse {
        var bodyBuffer: ByteBuffer?
        if case .bytes(let b) = body.storage { bodyBuffer = b }
        guard let sockets = transport.unixSockets, body.isReplayable else {
            return try runBlocking(cancellation: cancellation) {
                try await self.request(method, path, query: query, headers: headers, body: body, timeouts: timeouts, maxBodyBytes: maxBodyBytes)
            }
        }
        try checkBeforeNegotiating(method, path, query: query, headers: headers, body: body)
        let inline = negotiatesInline(method, path, query)
        var version = inline ? APIVersion.minimum : try apiVersionBlocking(sockets, cancellation: cancellation)
        let head = try requestHead(method, path, query: query, headers: headers, body: body, version: inline ? nil : version)
        let trace = traced(method, path, query: query, version: inline ? nil : version)
        let whole: HTTPWholeResponse
        do {
            whole = try sockets.execute(
                head: head, body: bodyBuffer, timeouts: timeouts, limit: maxBodyBytes, errorLimit: 1 << 20, cancellation: cancellation)
        } catch {
            throw trace.failed(error)
        }
        let status = trace.answered(whole.head)
        if inline { version = try negotiate(whole.head.headers, path: path) }
        if status >= 400 {
            throw DockerError.http(status: status, body: whole.body, method: method, path: path, apiVersion: version.description)
        }
        return DockerResponse(status: status, headers: whole.head.headers, body: whole.body)
    }

    /// The head of a request, made and checked by ``DockerRequestGate``: `path` with the
    /// version prefix and query (bare when `version` is nil: a request that negotiates the
    /// version itself), the caller's headers and the body's Content-Type unless the caller
    /// set one.
    private func requestHead(
        _ method: String, _ path: String, query: [(String, String)], headers: [(String, String)],
        body: DockerRequestBody, version: APIVersion?
    ) throws -> HTTPRequestHead {
        var allHeaders = headers
        if let ct = body.contentType, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            allHeaders.append(("Content-Type", ct))
        }
        do {
            return try DockerRequestGate.head(
                method: method, path: path, query: query, headers: allHeaders, version: version,
                host: configuration.endpoint.hostHeader, body: body)
        } catch var e as DockerError {
            e.method = method.uppercased()
            e.path = path
            traceHook?(DockerTraceEvent(method: method.uppercased(), path: DockerTrace.redactedPath(path, query: query), status: nil, duration: .zero, error: e.message))
            throw e
        }
    }

    /// Refuses a request the gate would refuse before the version is negotiated, so that
    /// not even the negotiating ping is sent for it (once negotiated, making the head checks).
    private func checkBeforeNegotiating(
        _ method: String, _ path: String, query: [(String, String)], headers: [(String, String)], body: DockerRequestBody
    ) throws {
        if negotiated.withLock({ $0 }) == nil {
            _ = try requestHead(method, path, query: query, headers: headers, body: body, version: nil)
        }
    }

    /// Runs `operation` on a Task and blocks this thread until it ends; `cancellation`
    /// cancels the Task.
    private func runBlocking<T: Sendable>(cancellation: DockerCancellation?, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let box = BlockingResult<T>()
        let task = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            box.set(result)
        }
        cancellation?.install { task.cancel() }
        defer { cancellation?.uninstall() }
        return try box.wait().get()
    }

    /// Sends a request and returns once the response head arrived; the body streams.
    /// A status of 400 or more throws a ``DockerError`` with the daemon's message.
    public func stream(
        _ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: DockerRequestBody = .empty, timeouts: DockerTimeouts = .streaming
    ) async throws -> DockerStreamingResponse {
        try checkBeforeNegotiating(method, path, query: query, headers: headers, body: body)
        let inline = negotiatesInline(method, path, query)
        var version = inline ? APIVersion.minimum : try await apiVersion()
        let head = try requestHead(method, path, query: query, headers: headers, body: body, version: inline ? nil : version)
        let trace = traced(method, path, query: query, version: inline ? nil : version)
        let start: ResponseStart
        do {
            start = try await transport.execute(head: head, body: body, upgrade: false, timeouts: timeouts)
        } catch {
            throw trace.failed(error)
        }
        let status = trace.answered(start.head)
        if inline { version = try negotiate(start.head.headers, path: path) }
        if status >= 400 {
            let bytes = (try? await start.body.collect(upTo: 1 << 20)) ?? []
            throw DockerError.http(status: status, body: bytes, method: method, path: path, apiVersion: version.description)
        }
        return DockerStreamingResponse(status: status, headers: start.head.headers, body: start.body, apiVersion: version)
    }

    /// Sends a request whose body is output lines (logs) and, once the head arrived, hands
    /// the lines to `receiver` on the connection's event loop, a read at a time (see
    /// ``DockerLineReceiver``); returns the head's status and headers. The frames and lines
    /// are those of ``DockerStreamingResponse/lines(tty:maxLineBytes:)``. A status of 400 or
    /// more throws a ``DockerError`` with the daemon's message (the receiver gets nothing).
    public func streamLines(
        _ method: String, _ path: String, query: [(String, String)] = [], timeouts: DockerTimeouts = .streaming,
        tty: Bool, maxLineBytes: Int = DockerLines<DockerFrames<DockerByteStream>>.defaultMaxLineBytes,
        receiver: any DockerLineReceiver
    ) async throws -> (status: Int, headers: HTTPHeaders) {
        try checkBeforeNegotiating(method, path, query: query, headers: [], body: .empty)
        let version = try await apiVersion()
        let head = try requestHead(method, path, query: query, headers: [], body: .empty, version: version)
        let trace = traced(method, path, query: query, version: version)
        let start: ResponseStart
        do {
            start = try await transport.execute(head: head, body: .empty, upgrade: false, timeouts: timeouts) { head in
                let multiplexed = DockerFrames<DockerByteStream>.isMultiplexed(
                    contentType: head.headers.first(name: "Content-Type"), apiVersion: version, tty: tty)
                return LineSink(multiplexed: multiplexed, maxLineBytes: maxLineBytes, receiver: receiver)
            }
        } catch {
            throw trace.failed(error)
        }
        let status = trace.answered(start.head)
        if status >= 400 {
            let bytes = (try? await start.body.collect(upTo: 1 << 20)) ?? []
            throw DockerError.http(status: status, body: bytes, method: method, path: path, apiVersion: version.description)
        }
        return (status, start.head.headers)
    }

    /// Sends a request that upgrades the connection (`Connection: Upgrade`, `Upgrade: tcp`),
    /// as `POST /containers/{id}/attach` and `POST /exec/{id}/start` do, and returns the
    /// duplex stream. Requires `101`; an error status throws with the daemon's message.
    public func hijack(
        _ method: String, _ path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: DockerRequestBody = .empty
    ) async throws -> DockerHijackedStream {
        let upgradeHeaders = headers + [("Connection", "Upgrade"), ("Upgrade", "tcp")]
        try checkBeforeNegotiating(method, path, query: query, headers: upgradeHeaders, body: body)
        let version = try await apiVersion()
        let head = try requestHead(method, path, query: query, headers: upgradeHeaders, body: body, version: version)
        let trace = traced(method, path, query: query, version: version)
        let start: ResponseStart
        do {
            start = try await transport.execute(
                head: head, body: body, upgrade: true, timeouts: .streaming, hijackEndCheck: daemonStillAnswers(method.uppercased(), path))
        } catch {
            throw trace.failed(error)
        }
        let status = trace.answered(start.head)
        guard start.hijacked else {
            let bytes = (try? await start.body.collect(upTo: 1 << 20)) ?? []
            if status >= 400 {
                throw DockerError.http(status: status, body: bytes, method: method, path: path, apiVersion: version.description)
            }
            throw DockerError(kind: .protocolError, message: "the daemon did not switch protocols (HTTP \(status) instead of 101)", status: status, method: method, path: path)
        }
        return DockerHijackedStream(channel: start.channel, head: start.head, output: start.body, apiVersion: version)
    }

    // MARK: helpers

    /// The check a hijacked stream runs once the daemon closed it: a `GET /_ping` (a
    /// refused connection fails at once; a busy daemon has 10 s to answer). The daemon
    /// closes an attach or exec when the process ends and when it dies itself; only an
    /// answer tells the two apart, as the CLI's inspect after the stream does. To a unix
    /// socket the ping is a blocking request on a Dispatch thread, so that it never waits
    /// for Swift's cooperative pool (which a busy host may have filled), over a new
    /// connection: a kept-alive one may still be answered by a daemon that is going away.
    private func daemonStillAnswers(_ method: String, _ path: String) -> HijackEndCheck {
        let transport = self.transport
        let host = configuration.endpoint.hostHeader
        // A dead daemon refuses the connection at once; a busy one gets time to answer.
        let quick = DockerTimeouts(connect: .seconds(2), responseHeader: .seconds(10), idle: .seconds(10))
        @Sendable func verdict(_ error: (any Error)?) -> (any Error)? {
            guard let error else { return nil }
            let why = (error as? DockerError)?.message ?? "\(error)"
            return DockerError.transport(
                "the connection to the daemon closed before the output ended; the daemon no longer answers (\(why))",
                method: method, path: path)
        }
        return { done in
            let head: HTTPRequestHead
            do {
                head = try DockerRequestGate.head(method: "GET", path: "/_ping", query: [], headers: [], version: nil, host: host, body: .empty)
            } catch {
                done(verdict(error))
                return
            }
            if let sockets = transport.unixSockets {
                DispatchQueue.global().async {
                    do {
                        _ = try sockets.execute(head: head, body: nil, timeouts: quick, limit: 1 << 16, errorLimit: 1 << 16, cancellation: nil, fresh: true)
                        done(nil)
                    } catch {
                        done(verdict(error))
                    }
                }
                return
            }
            Task {
                do {
                    let start = try await transport.execute(head: head, body: .empty, upgrade: false, timeouts: quick)
                    _ = try await start.body.collect(upTo: 1 << 16)
                    done(nil)
                } catch {
                    done(verdict(error))
                }
            }
        }
    }

    /// Starts the trace of one request: its path as sent, with the `/vX.Y` prefix of
    /// `version` (none for a request that negotiates the version itself) and secret query
    /// values redacted.
    private func traced(_ method: String, _ path: String, query: [(String, String)], version: APIVersion?) -> TracedRequest {
        var shown = path
        if let version, !(path.hasPrefix("/v1.") || path.hasPrefix("/v2.")) { shown = "/v\(version)" + path }
        return TracedRequest(client: self, method: method.uppercased(), path: path, tracePath: DockerTrace.redactedPath(shown, query: query), started: .now)
    }

    static func annotate(_ error: any Error, method: String, path: String) -> any Error {
        guard var e = error as? DockerError else { return error }
        if e.method == nil { e.method = method; e.path = path }
        return e
    }

    fileprivate func emitTrace(method: String, path: String, status: Int?, started: ContinuousClock.Instant, error: (any Error)?) {
        let elapsed = ContinuousClock.now - started
        let event = DockerTraceEvent(method: method, path: path, status: status, duration: elapsed, error: error.map { "\($0)" })
        logger.debug("\(event.description)")
        traceHook?(event)
    }
}

/// One request being traced: how it ended goes to the client's trace hook and logger.
private struct TracedRequest {
    let client: DockerClient
    let method: String
    let path: String
    let tracePath: String
    let started: ContinuousClock.Instant

    /// Traces a request that got no answer; returns the error, naming the request in it
    /// unless `naming` is false (the version ping leaves that to the request it precedes).
    func failed(_ error: any Error, naming: Bool = true) -> any Error {
        client.emitTrace(method: method, path: tracePath, status: nil, started: started, error: error)
        return naming ? DockerClient.annotate(error, method: method, path: path) : error
    }

    /// Traces the answer's status and returns it.
    func answered(_ head: HTTPResponseHead) -> Int {
        let status = Int(head.status.code)
        client.emitTrace(method: method, path: tracePath, status: status, started: started, error: nil)
        return status
    }
}

/// A complete response.
public struct DockerResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body.
    public var body: [UInt8]

    /// The body as JSON.
    public func json() throws -> JSONValue {
        do { return try JSONValue.decode(body) } catch {
            throw DockerError.protocolError("the daemon's response is not valid JSON: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }

    /// The body decoded as `T`.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONValueDecoding.decode(type, from: body) } catch {
            throw DockerError.protocolError("cannot decode the daemon's response as \(T.self): \(error)")
        }
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body is still arriving.
public struct DockerStreamingResponse: Sendable {
    /// The HTTP status.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body, chunk by chunk.
    public var body: DockerByteStream
    /// The API version the request used.
    public var apiVersion: APIVersion

    /// The `Content-Type` header, if any.
    public var contentType: String? { headers.first(name: "Content-Type") }

    /// The body as newline-delimited or concatenated JSON messages (pull, push, build, events).
    public func jsonMessages(maxMessageBytes: Int = DockerJSONMessages<DockerByteStream>.defaultMaxMessageBytes) -> DockerJSONMessages<DockerByteStream> {
        DockerJSONMessages(body, maxMessageBytes: maxMessageBytes)
    }

    /// Whether the body is multiplexed: by Content-Type (`application/vnd.docker.multiplexed-stream`
    /// vs `raw-stream`, the latter trusted only from API 1.42 on, because older daemons
    /// send `raw-stream` for multiplexed bodies too), else `!tty`.
    public func isMultiplexed(tty: Bool) -> Bool {
        DockerFrames<DockerByteStream>.isMultiplexed(contentType: contentType, apiVersion: apiVersion, tty: tty)
    }

    /// The body as stdout/stderr chunks (logs, attach); `tty` is the container's `Config.Tty`.
    public func frames(tty: Bool) -> DockerFrames<DockerByteStream> {
        DockerFrames(body, multiplexed: isMultiplexed(tty: tty))
    }

    /// The body as lines per stream (logs); `tty` is the container's `Config.Tty`.
    public func lines(tty: Bool, maxLineBytes: Int = DockerLines<DockerFrames<DockerByteStream>>.defaultMaxLineBytes) -> DockerLines<DockerFrames<DockerByteStream>> {
        DockerLines(frames(tty: tty), maxLineBytes: maxLineBytes)
    }
}

/// A result handed from a Task to a thread blocked waiting for it.
private final class BlockingResult<T: Sendable>: @unchecked Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func set(_ r: Result<T, any Error>) {
        result.withLock { $0 = r }
        done.signal()
    }

    func wait() -> Result<T, any Error> {
        done.wait()
        return result.withLock { $0! }
    }
}
