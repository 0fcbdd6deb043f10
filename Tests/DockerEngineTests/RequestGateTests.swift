// Unit: the request gate: every method, path, query and header is checked and encoded in
// one place before any byte is sent, on the blocking unix-socket path, the NIO path
// (streams, hijack) and over TCP; a smuggled request or header never reaches the daemon.
@testable import DockerEngine
import NIOHTTP1
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The request that smuggled a `POST /containers/create` past read-only mode.
let smuggledPath = "/_ping HTTP/1.1\r\nHost: x\r\n\r\nPOST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

@Suite struct RequestGateTests {
    @Test func pathsArePercentEncodedAndControlCharactersRefused() throws {
        #expect(try DockerRequestGate.path("/containers/json") == "/containers/json")
        #expect(try DockerRequestGate.path("/images/a b/json") == "/images/a%20b/json")
        #expect(try DockerRequestGate.path("/images/é") == "/images/%C3%A9")
        // An escape already there is kept; a lone % is encoded; ? and # belong to the path.
        #expect(try DockerRequestGate.path("/images/x%3A1/json") == "/images/x%3A1/json")
        #expect(try DockerRequestGate.path("/a%zz") == "/a%25zz")
        #expect(try DockerRequestGate.path("/a?b#c") == "/a%3Fb%23c")
        #expect(try DockerRequestGate.path("/registry.local:5000/x@sha256:ab") == "/registry.local:5000/x@sha256:ab")
        for bad in [smuggledPath, "/_ping\nX: 1", "/_ping\r", "/a\u{0}b", "/a\u{7F}", "/a\tb"] {
            let e = #expect(throws: DockerError.self) { try DockerRequestGate.path(bad) }
            #expect(e?.kind == .invalidRequest)
            #expect(e?.message.contains("control character") == true, "\(String(describing: e))")
        }
        let line = #expect(throws: DockerError.self) { try DockerRequestGate.path("/_ping\r\nX: 1") }
        #expect(line?.message.contains("U+000D (carriage return)") == true)
        #expect(try DockerRequestGate.path("containers/json") == "/containers/json")
    }

    @Test func dotSegmentsAreRefused() {
        for bad in ["/containers/../images/json", "/..", "/v1.41/../v1.99/info", "/images/%2e%2E/json", "/a/./b", "/a/%2E"] {
            let e = #expect(throws: DockerError.self) { try DockerRequestGate.path(bad) }
            #expect(e?.kind == .invalidRequest)
            #expect(e?.message.contains("segment") == true, "\(String(describing: e))")
        }
        // Dots inside a name are fine.
        #expect((try? DockerRequestGate.path("/images/my..image/json")) == "/images/my..image/json")
        #expect((try? DockerRequestGate.path("/containers/.hidden/json")) == "/containers/.hidden/json")
    }

    @Test func headersAndMethodsAreChecked() throws {
        let head = try DockerRequestGate.head(
            method: "post", path: "/containers/x y/start", query: [("a", "1\r\n2")], headers: [("X-A", "v\tw")],
            version: APIVersion(major: 1, minor: 41), host: "docker", body: .empty)
        #expect(head.method == .POST)
        #expect(head.uri == "/v1.41/containers/x%20y/start?a=1%0D%0A2")
        #expect(head.headers.first(name: "X-A") == "v\tw")
        let injected = #expect(throws: DockerError.self) {
            try DockerRequestGate.head(method: "GET", path: "/_ping", query: [], headers: [("X-A", "v\r\nX-Injected: 1")],
                                       version: nil, host: "docker", body: .empty)
        }
        #expect(injected?.kind == .invalidRequest)
        #expect(injected?.message.contains("header X-A") == true)
        for name in ["X-A: 1\r\nX-B", "X A", "", "X:A"] {
            #expect(throws: DockerError.self) {
                try DockerRequestGate.head(method: "GET", path: "/_ping", query: [], headers: [(name, "1")], version: nil, host: "docker", body: .empty)
            }
        }
        for method in ["GET /x HTTP/1.1\r\n", "GE T", "", "GET\n"] {
            let e = #expect(throws: DockerError.self) {
                try DockerRequestGate.head(method: method, path: "/_ping", query: [], headers: [], version: nil, host: "docker", body: .empty)
            }
            #expect(e?.kind == .invalidRequest)
        }
        // A head made another way is refused by the transports' check.
        var raw = HTTPHeaders()
        raw.add(name: "X-A", value: "1\r\nX-B: 2")
        #expect(throws: DockerError.self) { try DockerRequestGate.verify(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/_ping", headers: raw)) }
        #expect(throws: DockerError.self) { try DockerRequestGate.verify(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/_ping x", headers: [:])) }
        #expect(throws: DockerError.self) {
            try DockerRequestGate.verify(HTTPRequestHead(version: .http1_1, method: .RAW(value: "GET /x"), uri: "/_ping", headers: [:]))
        }
    }

    /// Every request path refuses a smuggled request before connecting: the server
    /// never sees a connection.
    @Test func noTransportSendsASmuggledRequest() async throws {
        let server = try ScriptedServer { conn in
            while conn.readRequest() != nil { conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK") }
        }
        defer { server.stop() }
        let client = try server.client()
        let header = [("X-A", "v\r\nX-Injected: 1")]
        // Blocking unix socket.
        let blocking = try await dockerError { _ = try client.requestBlocking("GET", smuggledPath) }
        #expect(blocking?.kind == .invalidRequest)
        #expect(blocking?.method == "GET")
        let blockingHeader = try await dockerError { _ = try client.requestBlocking("GET", "/_ping", headers: header) }
        #expect(blockingHeader?.kind == .invalidRequest)
        let traversal = try await dockerError { _ = try client.requestBlocking("GET", "/containers/../images/json") }
        #expect(traversal?.kind == .invalidRequest)
        // NIO: whole requests, streams, line feeds and hijacks.
        await expectRefused { _ = try await client.request("GET", smuggledPath) }
        await expectRefused { _ = try await client.stream("GET", smuggledPath) }
        await expectRefused { _ = try await client.stream("POST", "/build", headers: header) }
        await expectRefused { _ = try await client.stream("GET", "/containers/x/../../info") }
        await expectRefused { _ = try await client.hijack("POST", "/exec/x/start\r\nX: 1") }
        await expectRefused { _ = try await client.hijack("POST", "/exec/x/start", headers: header) }
        await expectRefused { _ = try await client.hijack("POST", "/exec/../start") }
        #expect(server.connections == 0)
        // The client still works.
        #expect(try await client.request("GET", "/_ping").text == "OK")
        #expect(server.connections == 1)
    }

    /// Over TCP (no TLS: a loopback listener that would answer anything) the same.
    @Test func tcpRefusesASmuggledRequest() async throws {
        let client = try DockerClient(host: "tcp://127.0.0.1:9", apiVersion: "1.41")
        await expectRefused { _ = try await client.request("GET", smuggledPath) }
        await expectRefused { _ = try await client.request("GET", "/_ping", headers: [("X-A", "v\r\nX-Injected: 1")]) }
        await expectRefused { _ = try await client.request("GET", "/a/../b") }
        let blocking = try await dockerError { _ = try client.requestBlocking("GET", smuggledPath) }
        #expect(blocking?.kind == .invalidRequest)
    }

    @Test func theTraceShowsTheVersionPrefix() async throws {
        let server = try ScriptedServer { conn in
            while conn.readRequest() != nil { conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]") }
        }
        defer { server.stop() }
        let seen = Mutex<[String]>([])
        let client = try DockerClient(host: "unix://\(server.path)", apiVersion: "1.41", traceHook: { e in seen.withLock { $0.append(e.description) } })
        try await onThread { _ = try client.requestBlocking("GET", "/containers/json", query: [("all", "1")]) }
        _ = try await client.request("GET", "/images/json")
        let lines = seen.withLock { $0 }
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("GET /v1.41/containers/json?all=1 -> 200") == true, "\(lines)")
        #expect(lines.last?.hasPrefix("GET /v1.41/images/json -> 200") == true, "\(lines)")
    }
}

/// Expects `body` to throw the gate's refusal.
func expectRefused(_ body: @Sendable () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected the request to be refused")
    } catch let e as DockerError {
        #expect(e.kind == .invalidRequest, "\(e)")
    } catch {
        Issue.record("expected a DockerError, got \(error)")
    }
}
