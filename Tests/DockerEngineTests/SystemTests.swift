// Integration: ping, version, info, negotiation, errors, connection reuse, TLS.
import Dispatch
import DockerEngine
import NIOCore
import Synchronization
import Testing

@Suite(.enabled(if: TestEngine.enabled, "no engine: run scripts/engine start (required when CI=true)"))
struct SystemTests {
    @Test func pingVersionInfo() async throws {
        let client = try TestEngine.client()
        #expect(try await client.ping() == "OK")
        let version = try await client.apiVersion()
        #expect(version >= APIVersion.minimum && version <= APIVersion.clientMaximum)
        let v = try await client.version()
        #expect(v["ApiVersion"]?.string != nil)
        #expect(APIVersion(v["ApiVersion"]!.string!)! >= version)
        let info = try await client.info()
        #expect(info["Driver"]?.string?.isEmpty == false)
    }

    @Test func pinnedVersionIsUsedInThePath() async throws {
        var env = TestEngine.environment
        env["DOCKER_API_VERSION"] = "1.30"
        let paths = PathRecorder()
        let client = try DockerClient(environment: env, traceHook: { paths.add($0.path) })
        #expect(try await client.apiVersion() == APIVersion(major: 1, minor: 30))
        let v = try await client.request("GET", "/version")
        #expect(v.status == 200)
        // The trace shows the prefix; /_ping was never needed.
        #expect(paths.all == ["/v1.30/version"])
    }

    @Test func missingContainerIs404WithTheDaemonMessage() async throws {
        let client = try TestEngine.client()
        let name = TestEngine.name("missing")
        do {
            _ = try await client.inspectContainer(name)
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.status == 404)
            #expect(e.kind == .notFound)
            #expect(e.message.contains("No such container"))
            #expect(e.message.contains(name))
            #expect(e.request == "GET /containers/\(name)/json")
        }
    }

    @Test func badParameterIs400() async throws {
        let client = try TestEngine.client()
        do {
            _ = try await client.request("GET", "/containers/json", query: [("filters", "not json")])
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.status == 400 || e.status == 500)
            #expect(!e.message.isEmpty)
        }
    }

    /// A first `/version` or `/_ping` negotiates the version itself (no ping before it);
    /// later requests carry the negotiated version; a pinned version is used as it is.
    @Test func aFirstVersionRequestNegotiatesWithoutAPing() async throws {
        final class Log: @unchecked Sendable {
            let lock = Mutex<[String]>([])
            var lines: [String] { lock.withLock { $0 } }
        }
        var env = TestEngine.environment
        env["DOCKER_API_VERSION"] = nil
        let log = Log()
        let client = try DockerClient(environment: env, traceHook: { e in log.lock.withLock { $0.append("\(e.method) \(e.path) \(e.status ?? 0)") } })
        let version = try await client.version()
        #expect(log.lines == ["GET /version 200"])
        let negotiated = try await client.apiVersion()
        #expect(negotiated == min(try #require(version["ApiVersion"]?.string.flatMap(APIVersion.init)), APIVersion.clientMaximum))
        _ = try await client.info()
        _ = try await client.version()
        // The negotiating request has no prefix; the trace shows the others' prefix.
        #expect(log.lines == ["GET /version 200", "GET /v\(negotiated)/info 200", "GET /v\(negotiated)/version 200"])

        let pingLog = Log()
        let pinging = try DockerClient(environment: env, traceHook: { e in pingLog.lock.withLock { $0.append("\(e.method) \(e.path)") } })
        #expect(try await pinging.ping() == "OK")
        #expect(try await pinging.apiVersion() == negotiated)
        #expect(pingLog.lines == ["GET /_ping"])

        // Anything else first still pings first.
        let otherLog = Log()
        let other = try DockerClient(environment: env, traceHook: { e in otherLog.lock.withLock { $0.append("\(e.method) \(e.path)") } })
        _ = try await other.info()
        #expect(otherLog.lines == ["GET /_ping", "GET /v\(negotiated)/info"])

        var pinnedEnv = env
        pinnedEnv["DOCKER_API_VERSION"] = "1.40"
        let pinned = try DockerClient(environment: pinnedEnv)
        #expect(try await pinned.version()["ApiVersion"]?.string != nil)
        #expect(try await pinned.apiVersion().description == "1.40")
    }

    @Test func thousandPingsReuseConnections() async throws {
        let client = try TestEngine.client()
        _ = try await client.ping()
        for _ in 0..<1000 { _ = try await client.ping() }
        // Kept-alive connections are reused: one connection serves them all.
        // (How fast is scripts/bench's question, not a test's.)
        #expect(client.connectionsOpened == 1)
        // And concurrently.
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<64 { group.addTask { try await client.ping() } }
            for try await r in group { #expect(r == "OK") }
        }
        #expect(client.connectionsOpened <= 64)
    }

    /// The blocking path (no Task): answers, errors, the body limit, connection reuse after
    /// each, cancellation, and the fallback for a streamed body.
    @Test func blockingRequests() async throws {
        let client = try TestEngine.client()
        try await onThread {
            // Negotiates on first use, then reuses one connection.
            #expect(try client.requestBlocking("GET", "/_ping").text == "OK")
            for _ in 0..<50 { #expect(try client.requestBlocking("GET", "/_ping").status == 200) }
            #expect(client.connectionsOpened == 1)
            let name = TestEngine.name("missing")
            do {
                _ = try client.requestBlocking("GET", "/containers/\(name)/json")
                Issue.record("expected an error")
            } catch let e as DockerError {
                #expect(e.status == 404 && e.kind == .notFound)
                #expect(e.message.contains(name))
            }
            // Over the limit: an error, and the connection (with unread bytes) is not reused.
            do {
                _ = try client.requestBlocking("GET", "/version", maxBodyBytes: 10)
                Issue.record("expected an error")
            } catch let e as DockerError {
                #expect(e.kind == .protocolError)
            }
            let v = try client.requestBlocking("GET", "/version").json()
            #expect(v["ApiVersion"]?.string != nil)
            // A body in one buffer.
            do {
                let r = try client.requestBlocking("POST", "/containers/\(name)/stop", body: .json(.object([:])))
                Issue.record("expected 404, got \(r.status)")
            } catch let e as DockerError {
                #expect(e.status == 404)
            }
        }
    }

    @Test func blockingRequestCancellationAndStreamedBody() async throws {
        let client = try TestEngine.client()
        try await onThread {
            let cancelled = DockerCancellation()
            cancelled.cancel()
            #expect(throws: CancellationError.self) { _ = try client.requestBlocking("GET", "/_ping", cancellation: cancelled) }
            // Cancelling a request in progress (a wait that would take 30 s) ends it at once.
            let id = try client.requestBlocking("POST", "/containers/create", query: [("name", TestEngine.name("blocking"))],
                                                body: .json(TestEngine.config(["sleep", "30"]))).json()["Id"]!.string!
            defer { _ = try? client.requestBlocking("DELETE", "/containers/\(id)", query: [("force", "true")]) }
            _ = try client.requestBlocking("POST", "/containers/\(id)/start")
            let waiting = DockerCancellation()
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { waiting.cancel() }
            #expect(throws: CancellationError.self) { _ = try client.requestBlocking("POST", "/containers/\(id)/wait", cancellation: waiting) }
            // A streamed body takes the Task path and still answers.
            let chunks = DockerByteStream.chunks([ByteBuffer(bytes: Array("{}".utf8))])
            do {
                _ = try client.requestBlocking("POST", "/containers/\(id)/update", body: .stream(chunks, contentType: "application/json"))
            } catch let e as DockerError {
                Issue.record("update failed: \(e)")
            }
            #expect(try client.requestBlocking("GET", "/_ping").text == "OK")
        }
    }

    /// The idle timeout (one self-re-arming timer per connection) fires when the daemon is
    /// silent, not while data keeps coming, in the streaming and the blocking paths; a
    /// timed-out connection is not reused.
    @Test func idleTimeoutFiresOnlyWhenTheDaemonIsSilent() async throws {
        let client = try TestEngine.client()
        let quick = DockerTimeouts(idle: .seconds(1))
        try await withContainer(client, ["sh", "-c", "i=0; while [ $i -lt 15 ]; do echo tick; sleep 0.1; i=$((i+1)); done; sleep 30"], start: true) { id in
            // Output every 100 ms for 1.5 s: the 1 s timeout keeps moving, then fires.
            let response = try await client.stream("GET", "/containers/\(id)/logs", query: [("follow", "true"), ("stdout", "true")], timeouts: quick)
            var ticks = 0
            do {
                for try await line in response.lines(tty: false) where line.text == "tick" { ticks += 1 }
                Issue.record("the follow ended without a timeout")
            } catch let e as DockerError {
                #expect(e.kind == .timeout, "\(e)")
                #expect(e.message.contains("no data from the daemon for 1s"))
            }
            #expect(ticks == 15)
            // The blocking path: /wait answers its head at once, then nothing for 30 s.
            let opened = client.connectionsOpened
            try await onThread {
                do {
                    _ = try client.requestBlocking("POST", "/containers/\(id)/wait", timeouts: quick)
                    Issue.record("expected a timeout")
                } catch let e as DockerError {
                    #expect(e.kind == .timeout, "\(e)")
                }
                #expect(try client.requestBlocking("GET", "/_ping").text == "OK")
            }
            #expect(client.connectionsOpened > opened)
        }
    }

    @Test(.enabled(if: TestEngine.tlsHost != nil || TestEngine.isCI))
    func tlsWithClientCertificates() async throws {
        let host = try #require(TestEngine.tlsHost)
        let certs = try #require(TestEngine.tlsCerts)
        let client = try DockerClient(host: host, tls: DockerTLSOptions(directory: certs, verify: true))
        #expect(try await client.ping() == "OK")
        #expect(try await client.info()["Driver"] != nil)
        // The blocking path over TLS too.
        let (ping, info) = try await onThread {
            (try client.requestBlocking("GET", "/_ping").text, try client.requestBlocking("GET", "/info").json())
        }
        #expect(ping == "OK")
        #expect(info["Driver"] != nil)

        // Through the environment, as the CLI reads it.
        let viaEnv = try DockerClient(environment: ["DOCKER_HOST": host, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs, "HOME": "/nonexistent"])
        #expect(try await viaEnv.ping() == "OK")

        // Hijacked streams with half-close work through TLS too.
        let id = try await client.createContainer(name: TestEngine.name("tls"), config: TestEngine.config(["sleep", "30"]))
        try await withCleanup {
            try await client.startContainer(id)
            let result = try await client.runExec(container: id, command: ["cat"], stdin: Array("over tls\n".utf8))
            #expect(result.stdoutText == "over tls\n")
        } cleanup: {
            try? await client.removeContainer(id, force: true)
        }

        // Without a client certificate the daemon refuses the handshake.
        let noCert = try DockerClient(host: host, tls: DockerTLSOptions(caFile: certs + "/ca.pem", verify: true))
        await #expect(throws: DockerError.self) { _ = try await noCert.ping() }
        // Without TLS the daemon does not speak HTTP.
        let plain = try DockerClient(host: host)
        await #expect(throws: (any Error).self) { _ = try await plain.ping() }
    }
}

/// Collects traced paths across threads.
final class PathRecorder: @unchecked Sendable {
    private var paths: [String] = []
    private let lock = NIOLockShim()
    func add(_ p: String) { lock.withLock { paths.append(p) } }
    var all: [String] { lock.withLock { paths } }
}

final class NIOLockShim: Sendable {
    private let m = Mutex<Void>(())
    func withLock<T>(_ body: () -> T) -> T { m.withLock { _ in body() } }
}
