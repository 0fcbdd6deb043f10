// DockerSession.swift: one Docker connection as the bindings see it: the lazily made
// client, the read-only switch, and the request helpers every binding goes through
// (JSON in and out, streams, hijacks), each checked against read-only mode before any
// byte is sent.
import DockerEngine
import DshCore
import NIOCore
import Synchronization

/// The client of one `docker` object and the policy it runs under.
final class DockerSession: Sendable {
    private let makeClient: @Sendable () throws -> DockerClient
    private let cached = Mutex<DockerClient?>(nil)
    /// Only GET and HEAD endpoints are allowed.
    let readOnly: Bool
    /// The trace hook given to clients the bindings make themselves (`docker.connect`).
    let trace: DockerTraceHook?
    /// The binding being called (`docker.containers.create`), for the messages of the
    /// body check.
    private let currentFunction = Mutex<String?>(nil)

    init(client: @escaping @Sendable () throws -> DockerClient, readOnly: Bool, trace: DockerTraceHook?) {
        self.makeClient = client
        self.readOnly = readOnly
        self.trace = trace
    }

    /// The client, made on first use.
    func client() throws -> DockerClient {
        if let c = cached.withLock({ $0 }) { return c }
        let made: DockerClient
        do { made = try makeClient() } catch { throw DockerErrors.map(error) }
        return cached.withLock { slot in
            if let c = slot { return c }
            slot = made
            return made
        }
    }

    /// Runs `body` with `function` as the binding being called.
    func calling<T>(_ function: String, _ body: () throws -> T) rethrows -> T {
        let previous = currentFunction.withLock { slot in
            let p = slot
            slot = function
            return p
        }
        defer { currentFunction.withLock { $0 = previous } }
        return try body()
    }

    /// The API version in use (negotiated on first need).
    func apiVersion(_ runtime: any Runtime) throws -> APIVersion {
        let client = try client()
        return try Blocking.run(runtime) { try await client.apiVersion() }
    }

    /// Throws when the daemon's API version lacks something in `gates`.
    func checkVersions(_ gates: [VersionGate], function: String, _ runtime: any Runtime) throws {
        guard gates.contains(where: { $0.versions.isGated }) else { return }
        try SpecCheck.versions(gates, daemon: try apiVersion(runtime), function: function)
    }

    /// Checks a JSON request body against the operation's schema (and the daemon's
    /// version) before it is sent.
    func checkBody(_ body: Value, _ endpoint: Endpoint, _ runtime: any Runtime) throws {
        guard let op = APISpec.shared.operations[endpoint.operation], op.body != nil else { return }
        let function = currentFunction.withLock { $0 } ?? endpoint.description
        var gates: [VersionGate] = []
        try SpecCheck.body(body, op, function: function, gates: &gates)
        try checkVersions(gates, function: function, runtime)
    }

    /// Throws the read-only error for a method that is not GET or HEAD.
    func checkAllowed(_ method: String, _ path: String) throws {
        guard readOnly else { return }
        let m = method.uppercased()
        if m != "GET" && m != "HEAD" { throw DockerErrors.readOnly(m, path) }
    }

    // MARK: requests

    /// Sends a request to `endpoint` and returns the whole response.
    func send(
        _ runtime: any Runtime, _ endpoint: Endpoint, _ params: String..., query: [(String, String)] = [],
        headers: [(String, String)] = [], body: DockerRequestBody = .empty, pump: (() throws -> Void)? = nil,
        timeouts: DockerTimeouts = .default
    ) throws -> DockerResponse {
        let path = endpoint.path(params)
        try checkAllowed(endpoint.method, path)
        let client = try client()
        let method = endpoint.method
        if pump == nil {
            return try Blocking.call(runtime) { cancellation in
                try client.requestBlocking(method, path, query: query, headers: headers, body: body, timeouts: timeouts, cancellation: cancellation)
            }
        }
        return try Blocking.run(runtime, whileRunning: pump) {
            try await client.request(method, path, query: query, headers: headers, body: body, timeouts: timeouts)
        }
    }

    /// Sends a request and decodes the JSON answer (nil for an empty body).
    func json(
        _ runtime: any Runtime, _ endpoint: Endpoint, _ params: String..., query: [(String, String)] = [],
        headers: [(String, String)] = [], body: Value? = nil, timeouts: DockerTimeouts = .default
    ) throws -> Value {
        let path = endpoint.path(params)
        try checkAllowed(endpoint.method, path)
        let client = try client()
        let method = endpoint.method
        if let body { try checkBody(body, endpoint, runtime) }
        let requestBody = try body.map { try DockerSession.jsonBody($0) } ?? .empty
        let response = try Blocking.call(runtime) { cancellation in
            try client.requestBlocking(method, path, query: query, headers: headers, body: requestBody, timeouts: timeouts, cancellation: cancellation)
        }
        return try DockerSession.decode(response.body, request: "\(method) \(path)")
    }

    /// Opens a streaming response.
    func stream(
        _ runtime: any Runtime, _ endpoint: Endpoint, _ params: String..., query: [(String, String)] = [],
        headers: [(String, String)] = [], body: DockerRequestBody = .empty, pump: (() throws -> Void)? = nil,
        timeouts: DockerTimeouts = .streaming
    ) throws -> DockerStreamingResponse {
        let path = endpoint.path(params)
        return try streamPath(runtime, endpoint.method, path, query: query, headers: headers, body: body, pump: pump, timeouts: timeouts)
    }

    /// Opens a streaming response for a concrete path (also used by `docker.request`).
    func streamPath(
        _ runtime: any Runtime, _ method: String, _ path: String, query: [(String, String)] = [],
        headers: [(String, String)] = [], body: DockerRequestBody = .empty, pump: (() throws -> Void)? = nil,
        timeouts: DockerTimeouts = .streaming
    ) throws -> DockerStreamingResponse {
        try checkAllowed(method, path)
        let client = try client()
        return try Blocking.run(runtime, whileRunning: pump) {
            try await client.stream(method, path, query: query, headers: headers, body: body, timeouts: timeouts)
        }
    }

    /// Opens a response of output lines handed to `receiver` on the event loop (logs).
    func streamLines(
        _ runtime: any Runtime, _ endpoint: Endpoint, _ params: String..., query: [(String, String)] = [],
        timeouts: DockerTimeouts = .streaming, tty: Bool, receiver: any DockerLineReceiver
    ) throws {
        let path = endpoint.path(params)
        try checkAllowed(endpoint.method, path)
        let client = try client()
        let method = endpoint.method
        _ = try Blocking.run(runtime) {
            _ = try await client.streamLines(method, path, query: query, timeouts: timeouts, tty: tty, receiver: receiver)
            return true
        }
    }

    /// Upgrades a connection (attach, exec start).
    func hijack(
        _ runtime: any Runtime, _ endpoint: Endpoint, _ params: String..., query: [(String, String)] = [],
        body: Value? = nil
    ) throws -> DockerHijackedStream {
        let path = endpoint.path(params)
        try checkAllowed(endpoint.method, path)
        let client = try client()
        let method = endpoint.method
        if let body { try checkBody(body, endpoint, runtime) }
        let requestBody = try body.map { try DockerSession.jsonBody($0) } ?? .empty
        return try Blocking.run(runtime) {
            try await client.hijack(method, path, query: query, body: requestBody)
        }
    }

    // MARK: JSON

    /// A value as a JSON request body.
    static func jsonBody(_ value: Value) throws -> DockerRequestBody {
        .bytes(Array(try JSON.encode(value).utf8), contentType: "application/json")
    }

    /// A JSON response body as a value; nil for an empty body.
    static func decode(_ bytes: [UInt8], request: String) throws -> Value {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return .null }
        do { return try JSON.decode(bytes) } catch {
            throw DshError.runtime("the daemon's answer to \(request) is not JSON: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
    }
}
