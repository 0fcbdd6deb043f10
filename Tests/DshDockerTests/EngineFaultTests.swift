// EngineFaultTests.swift: the request gate, the defects a new user found and the faults of
// the engine, as scripts see them: a smuggled request or header never leaves dsh (unix
// socket and TLS), a stream drains into a file, output that is not text comes back as
// bytes, an attach that only asks for logs ends, a followed exec raises when its daemon
// dies, and a followed `events` raises when dockerd is killed and the next call works
// once it is back (on a throwaway dockerd of the test's own).
import DockerEngine
import DshCore
import DshDocker
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The script of issue #12 that created a container in read-only mode.
let smuggleScript = #"""
    let body = json({Image: "busybox", Labels: {x: "smuggled"}})
    docker.request("GET", "/_ping HTTP/1.1\r\nHost: x\r\n\r\nPOST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len(body)}\r\n\r\n${body}")
    """#

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct RequestGateScriptTests {
    @Test func aSmuggledRequestIsRefusedInReadOnlyModeAndOutOfIt() async throws {
        for readOnly in [true, false] {
            let f = try await dshFailure(smuggleScript, readOnly: readOnly)
            #expect(f.message.contains("contains the control character U+000D (carriage return)"), "\(f)")
        }
        let header = try await dshFailure(#"docker.request("GET", "/_ping", headers: {"X-A": "v\r\nX-Injected: 1"})"#, readOnly: true)
        #expect(header.message.contains("the value of header X-A contains the control character"), "\(header)")
        let traversal = try await dshFailure(#"docker.request("GET", "/containers/../v1.41/info")"#)
        #expect(traversal.message.contains("has a \"..\" segment"), "\(traversal)")
        let kind = try await dsh(#"""
            var k
            try { docker.request("GET", "/_ping\n") } catch e { k = e.kind }
            k
            """#)
        #expect(kind.value == "invalidRequest")
        // Nothing was created.
        let r = try await dsh(#"len(docker.containers.list(all: true, filters: {label: ["x=smuggled"]}))"#)
        #expect(r.value == "0")
        // Ordinary requests still go through.
        #expect(try await dsh(#"docker.request("GET", "/_ping")"#, readOnly: true).value == "OK")
    }

    @Test(.enabled(if: Engine.environment["DSH_TEST_TLS_HOST"] != nil))
    func overTLSToo() async throws {
        let host = lit(Engine.environment["DSH_TEST_TLS_HOST"] ?? "")
        let certs = lit(Engine.environment["DSH_TEST_TLS_CERTS"] ?? "")
        let f = try await dshFailure("""
            let d = docker.connect(\(host), tls: {dir: \(certs)})
            print(d.request("GET", "/_ping"))
            \(replacing(smuggleScript, "docker.request", with: "d.request"))
            """, readOnly: true)
        #expect(f.output == "OK\n")
        #expect(f.message.contains("contains the control character U+000D (carriage return)"), "\(f)")
        let header = try await dshFailure("""
            docker.connect(\(host), tls: {dir: \(certs)}).request("GET", "/_ping", headers: {"X-A": "v\\r\\nX-Injected: 1"})
            """)
        #expect(header.message.contains("the value of header X-A contains the control character"), "\(header)")
    }
}

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct NewUserDefectTests {
    let image = lit(Engine.image)

    @Test func aStreamIsDrainedIntoAFile() async throws {
        let path = "/tmp/dsh-save-\(getpid())-\(Int.random(in: 0..<1_000_000)).tar"
        defer { unlink(path) }
        let r = try await dsh("""
            write_file(\(lit(path)), docker.images.save([\(image)]))
            let b = read_file(\(lit(path)), bytes: true)
            print(len(b) > 100000, len(b) % 512 == 0)
            let whole = docker.images.save([\(image)]) | reduce((a, c) => a + c, bytes([]))
            print(b == whole)
            """)
        #expect(r.output == "true true\ntrue\n")
    }

    @Test func outputThatIsNotTextComesBackAsBytes() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sh", "-c", "sleep 30"], network: "none")
            c.start()
            defer { c.remove(force: true) }
            let e = c.exec(["printf", "\\\\377a\\\\n"])
            print(type(e.stdout), e.stdout == bytes([255, 97, 10]), type(e.stderr))
            let raw = c.exec(["printf", "\\\\377"], raw: true)
            print(type(raw.stdout), len(raw.stdout))
            print(type(c.exec(["echo", "text"]).stdout))
            """)
        #expect(r.output == "bytes true string\nbytes 1\nstring\n")
        let out = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sh", "-c", "printf 'ok'; printf '\\\\377\\\\376x' >&2"], network: "none",
                HostConfig: {LogConfig: {Type: "local"}})
            c.start()
            defer { c.remove(force: true) }
            c.wait()
            let o = c.output()
            print(type(o.stdout), o.stdout, type(o.stderr), o.stderr == bytes([255, 254, 120]))
            let r = run(\(image), ["printf", "\\\\377"])
            print(type(r.stdout), r.stdout == bytes([255]))
            """)
        #expect(out.output == "string ok bytes true\nbytes true\n")
    }

    @Test func anAttachForLogsOfAStoppedContainerEnds() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["echo", "done"], network: "none")
            c.start()
            defer { c.remove(force: true) }
            c.wait()
            let o = c.attach(stream: false, logs: true)
            print(o.stdout)
            """, timeLimit: .seconds(30))
        #expect(r.output == "done\n\n")
    }
}

/// A dsh session whose client talks to a scripted server.
func dshOn(_ server: ScriptedDaemon, _ code: String) async throws -> ScriptResult {
    try await onThread {
        let sink = TextSink.capture()
        let interp = Interpreter(output: sink, errorOutput: sink)
        let path = server.path
        DockerBindings.install(into: interp, client: { try DockerClient(host: "unix://" + path, apiVersion: "1.41") }, readOnly: false, trace: nil)
        interp.timeLimit = .seconds(30)
        do {
            let v = try interp.evaluate(SourceFile(name: "<test>", text: code))
            interp.output.flush()
            return ScriptResult(output: sink.text, value: v.displayString)
        } catch let e as DshError {
            throw ScriptFailure(report: e.report, message: e.message, output: sink.text)
        }
    }
}

@Suite struct DaemonDeathScriptTests {
    /// A daemon with a running container `x` whose attach and exec output is cut when the
    /// daemon dies (it stops listening, then closes the hijacked connection).
    func dyingDaemon() throws -> ScriptedDaemon {
        try ScriptedDaemon { request, daemon in
            switch request {
            case let r where r.hasPrefix("GET /v1.41/containers/x/json"):
                return .json(#"{"Id":"x","Name":"/x","Config":{"Tty":false},"State":{"Running":true,"Status":"running"}}"#)
            case let r where r.hasPrefix("POST /v1.41/containers/x/exec"):
                return .json(#"{"Id":"e1"}"#)
            case let r where r.hasPrefix("POST /v1.41/exec/e1/start"), let r where r.hasPrefix("POST /v1.41/containers/x/attach"):
                // Some output, then the daemon dies.
                return .hijack(frame(1, Array("first\nsecond".utf8)), thenDie: true)
            default:
                return .json("{}")
            }
        }
    }

    func expected(_ daemon: ScriptedDaemon) -> String {
        "the connection to the daemon closed before the output ended; the daemon no longer answers (cannot connect to the Docker daemon at unix://\(daemon.path): no such file or directory. Is the daemon running?)"
    }

    @Test func aFollowedExecRaisesWhenTheDaemonDies() async throws {
        let daemon = try dyingDaemon()
        defer { daemon.stop() }
        let r = try await dshOn(daemon, """
            let c = docker.containers.get("x")
            try {
                for line in c.exec(["sh", "-c", "long"], stream: true) { print(line.text) }
                print("ended as if complete")
            } catch e {
                print(e.message)
            }
            """)
        #expect(r.output == "first\nsecond\n\(expected(daemon))\n")
    }

    @Test func aFollowedAttachRaisesWhenTheDaemonDies() async throws {
        let daemon = try dyingDaemon()
        defer { daemon.stop() }
        let r = try await dshOn(daemon, """
            let c = docker.containers.get("x")
            try {
                for line in c.attach() { print(line.text) }
                print("ended as if complete")
            } catch e {
                print(e.request, e.message)
            }
            """)
        #expect(r.output == "first\nsecond\nPOST /containers/x/attach \(expected(daemon))\n")
    }

    /// Followed logs cut inside a frame header by a daemon that goes away: the line that
    /// arrived is printed (it used to be lost), then the error; the session still works.
    @Test func followedLogsCutInsideAFrameDeliverWhatArrivedThenRaise() async throws {
        let daemon = try ScriptedDaemon { request, _ in
            switch request {
            case let r where r.hasPrefix("GET /v1.41/containers/x/json"):
                return .json(#"{"Id":"x","Name":"/x","Config":{"Tty":false},"State":{"Running":true,"Status":"running"}}"#)
            case let r where r.hasPrefix("GET /v1.41/containers/x/logs"):
                let body = frame(1, Array("hello".utf8)) + [1, 0, 0]
                return .raw(Array("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n\(String(body.count, radix: 16))\r\n".utf8) + body + [13, 10])
            case let r where r.contains(" /_ping ") || r.contains("/v1.41/_ping "):
                return .json("OK")
            default:
                return .json("{}")
            }
        }
        defer { daemon.stop() }
        let r = try await dshOn(daemon, """
            let c = docker.containers.get("x")
            try {
                for line in c.logs(follow: true) { print(line.text) }
                print("ended as if complete")
            } catch e {
                print(e.kind, e.message)
            }
            print(docker.ping())
            """)
        #expect(r.output == "hello\ntransport the connection to the daemon closed before the response ended\nOK\n")
    }

    @Test func aCollectedExecRaisesWhenTheDaemonDies() async throws {
        let daemon = try dyingDaemon()
        defer { daemon.stop() }
        let r = try await dshOn(daemon, """
            let c = docker.containers.get("x")
            try {
                print(c.exec(["sh", "-c", "long"]))
            } catch e {
                print(e.kind, e.message)
            }
            """)
        #expect(r.output == "transport \(expected(daemon))\n")
    }
}

/// A unix-socket daemon answering requests from a routing closure (no engine).
final class ScriptedDaemon: Sendable {
    enum Answer {
        case json(String)
        /// A 101 then these bytes; `thenDie` stops listening before closing the connection.
        case hijack([UInt8], thenDie: Bool)
        /// These bytes as they are (a response, or part of one), then the connection closes.
        case raw([UInt8])
    }
    let path: String
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    /// The connections being served (a dying daemon closes them all).
    private let open = Mutex<Set<Int32>>([])

    init(_ route: @escaping @Sendable (String, ScriptedDaemon) -> Answer) throws {
        path = "/tmp/dsh-daemon-\(getpid())-\(Int.random(in: 0..<1_000_000)).sock"
        unlink(path)
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let fd = listener
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(fd, 16) == 0 else { throw DockerError(kind: .transport, message: "cannot listen on \(path)") }
        EvaluationThread.start(stackSize: 1 << 20) { [self] in
            while true {
                let conn = accept(fd, nil, nil)
                if conn < 0 { return }
                open.withLock { _ = $0.insert(conn) }
                EvaluationThread.start(stackSize: 1 << 20) { [self] in
                    serve(conn, route)
                    open.withLock { _ = $0.remove(conn) }
                    Glibc.close(conn)
                }
            }
        }
    }

    private func serve(_ fd: Int32, _ route: @Sendable (String, ScriptedDaemon) -> Answer) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request head (the bodies these scripts send are small and come with it).
            var head: String?
            while head == nil {
                if let end = find(pending) {
                    let text = String(decoding: pending[..<end], as: UTF8.self)
                    let length = text.split(separator: "\r\n").compactMap { line -> Int? in
                        let parts = line.split(separator: ":", maxSplits: 1)
                        guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                        return Int(parts[1].filter { $0 != " " })
                    }.first ?? 0
                    while pending.count < end + 4 + length {
                        let n = recv(fd, &buffer, buffer.count, 0)
                        if n <= 0 { return }
                        pending += buffer[..<n]
                    }
                    pending.removeFirst(end + 4 + length)
                    head = text
                } else {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { return }
                    pending += buffer[..<n]
                }
            }
            switch route(head!, self) {
            case .json(let body):
                send(fd, Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
            case .hijack(let bytes, let die):
                send(fd, Array("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".utf8) + bytes)
                if die { stop() }
                return
            case .raw(let bytes):
                send(fd, bytes)
                return
            }
        }
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    private func find(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i }
        return nil
    }

    /// Stops listening and ends every connection (once), as a dead daemon does.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        open.withLock { for fd in $0 { shutdown(fd, Int32(SHUT_RDWR)) } }
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        unlink(path)
    }
}

/// An 8-byte frame header and its payload.
func frame(_ type: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let n = UInt32(payload.count)
    return [type, 0, 0, 0, UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)] + payload
}

/// dockerd killed (SIGKILL) under a followed `events` and a followed `logs`: each script
/// gets a clear error at once, and once dockerd is back the same sessions' next calls work.
@Suite(.enabled(if: Engine.enabled && ThrowawayDockerd.installed, Engine.skipReason))
struct DockerdRestartTests {
    /// An interpreter used by one thread at a time (the test hands it from thread to thread).
    final class Session: @unchecked Sendable {
        let interp: Interpreter
        init(_ interp: Interpreter) { self.interp = interp }
        func run(_ code: String) throws -> String { try interp.evaluate(SourceFile(name: "<test>", text: code)).displayString }
    }

    /// A session on `host` whose trace hook reports each answered path.
    func session(_ host: String, _ answered: @escaping @Sendable (String) -> Void) -> Session {
        let trace: DockerTraceHook = { e in if e.status == 200 { answered(e.path) } }
        let interp = Interpreter(output: TextSink.capture(), errorOutput: TextSink.capture())
        DockerBindings.install(into: interp, client: { try DockerClient(host: host, traceHook: trace) }, readOnly: false, trace: trace)
        interp.timeLimit = .seconds(90)
        return Session(interp)
    }

    @Test(.timeLimit(.minutes(3)))
    func followedStreamsRaiseWhenDockerdIsKilledAndTheNextCallWorks() async throws {
        let daemon = ThrowawayDockerd()
        let outcome: Result<Void, any Error>
        do {
            try await killAndRestart(daemon)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // Stopping waits for dockerd and removes its files: on a thread of its own, never
        // blocking Swift's cooperative pool (which the other tests' requests need).
        _ = try? await onThread { daemon.stop() }
        try outcome.get()
    }

    func killAndRestart(_ daemon: ThrowawayDockerd) async throws {
        try await onThread { try daemon.start() }
        // The test image, from the test engine, and a container that prints a line every 0.1 s.
        let main = try DockerClient(environment: Engine.environment)
        let image = try await main.stream("GET", "/images/\(Engine.image)/get").body.collect(upTo: 256 << 20)
        let throwaway = try DockerClient(host: daemon.host)
        _ = try await throwaway.request("POST", "/images/load", query: [("quiet", "1")], body: .bytes(image, contentType: "application/x-tar"))
        let following = Mutex<Set<String>>([])
        let events = session(daemon.host) { p in if p.contains("/events") { following.withLock { _ = $0.insert("events") } } }
        let logs = session(daemon.host) { p in if p.contains("/logs") { following.withLock { _ = $0.insert("logs") } } }
        let setup = try await onThread {
            try logs.run("""
                let c = docker.containers.create(\(lit(Engine.image)), cmd: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done"], network: "none")
                c.start()
                c.Id
                """)
        }
        #expect(setup.count == 64)
        let killedAt = Mutex<ContinuousClock.Instant?>(nil)
        EvaluationThread.start(stackSize: 1 << 20) {
            for _ in 0..<600 where following.withLock({ $0.count }) < 2 { usleep(50_000) }
            usleep(300_000)
            killedAt.withLock { $0 = .now }
            daemon.kill()
        }
        let follow = """
            var r = "ended as if complete"
            var n = 0
            try {
                for item in STREAM { n = n + 1 }
            } catch e {
                r = "${e.kind}: ${e.message}"
            }
            r
            """
        async let eventsEnd = onThread { () throws -> (String, ContinuousClock.Instant) in
            (try events.run(replacing(follow, "STREAM", with: "docker.events()")), .now)
        }
        async let logsEnd = onThread { () throws -> (String, ContinuousClock.Instant) in
            (try logs.run(replacing(follow, "STREAM", with: "c.logs(follow: true)")), .now)
        }
        let (eventsResult, eventsAt) = try await eventsEnd
        let (logsResult, logsAt) = try await logsEnd
        #expect(eventsResult == "transport: the connection to the daemon closed before the response ended")
        #expect(logsResult == "transport: the connection to the daemon closed before the response ended")
        let killed = try #require(killedAt.withLock { $0 })
        // No hang: the error comes with the connection's end (well under 2 s; generous here
        // for a loaded machine).
        #expect(eventsAt - killed < .seconds(10))
        #expect(logsAt - killed < .seconds(10))
        try await onThread { try daemon.start() }
        let version = try await onThread { try events.run("docker.version().ApiVersion") }
        #expect(version.hasPrefix("1."))
        let removed = try await onThread {
            try logs.run("""
                c.remove(force: true)
                len(docker.containers.list(all: true))
                """)
        }
        #expect(removed == "0")
    }
}

/// `text` with every `target` replaced by `replacement`.
func replacing(_ text: String, _ target: String, with replacement: String) -> String {
    var out = ""
    var rest = Substring(text)
    while let r = rest.firstRange(of: target) {
        out += String(rest[..<r.lowerBound]) + replacement
        rest = rest[r.upperBound...]
    }
    return out + String(rest)
}
