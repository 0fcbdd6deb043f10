// Unit: the blocking unix-socket transport against a scripted server (no engine): what it
// sends, connection reuse, a daemon that hangs up or goes silent, and cancellation.
@testable import DockerEngine
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A unix-socket server that answers each connection with a script.
final class ScriptedServer: Sendable {
    let path: String
    private let listener: Int32
    private let accepted = Counter()
    private let stopped = Atomic<Bool>(false)

    /// A count shared with the accepting thread.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Listens on a fresh path; each accepted connection runs `script` on its own thread.
    init(_ script: @escaping @Sendable (ScriptedConnection) -> Void) throws {
        path = "/tmp/dsh-scripted-\(getpid())-\(Int.random(in: 0..<1_000_000)).sock"
        unlink(path)
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(listener, 16) == 0 else { throw DockerError.transport("cannot listen on \(path)") }
        let accepted = self.accepted
        startThread {
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 { return }
                accepted.value.add(1, ordering: .relaxed)
                startThread {
                    let conn = ScriptedConnection(fd: fd)
                    script(conn)
                    conn.close()
                }
            }
        }
    }

    /// Connections accepted so far.
    var connections: Int { accepted.value.load(ordering: .relaxed) }

    /// A client pinned to API 1.41 (so no ping precedes the request).
    func client() throws -> DockerClient {
        try DockerClient(host: "unix://\(path)", apiVersion: "1.41")
    }

    /// Stops listening (once): later connections are refused, as by a dead daemon.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        unlink(path)
    }
}

/// One accepted connection, seen from the server's side.
final class ScriptedConnection: @unchecked Sendable {
    private let fd: Int32
    private var pending: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// Reads one request: its head (as text) and a body of its Content-Length; nil when
    /// the client closed.
    func readRequest() -> (head: String, body: [UInt8])? {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].filter { $0 != " " })
                }.first ?? 0
                while pending.count < length {
                    guard fill() else { return nil }
                }
                let body = Array(pending[..<length])
                pending.removeFirst(length)
                return (head, body)
            }
            guard fill() else { return nil }
        }
    }

    /// Writes `text`.
    func write(_ text: String) { writeBytes(Array(text.utf8)) }

    /// Makes the close that ends the script a reset (`SO_LINGER` 0).
    func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Writes `bytes`.
    func writeBytes(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Waits until the client closes its side (or `seconds` pass).
    func waitForClose(seconds: Int32 = 10) {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, seconds * 1000) > 0 {
            var b = [UInt8](repeating: 0, count: 4096)
            if recv(fd, &b, b.count, 0) <= 0 { return }
        }
    }

    func close() { Glibc.close(fd) }

    private func fill() -> Bool {
        var b = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &b, b.count, 0)
        if n <= 0 { return false }
        pending += b[..<n]
        return true
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard pending.count >= pattern.count else { return nil }
        for i in 0...(pending.count - pattern.count) where Array(pending[i..<(i + pattern.count)]) == pattern { return i }
        return nil
    }
}

/// The `DockerError` that `body` throws on a thread of its own (nil, and an issue
/// recorded, when it throws nothing or something else).
func dockerError(_ body: @escaping @Sendable () throws -> Void) async throws -> DockerError? {
    try await onThread {
        do {
            try body()
            Issue.record("expected a DockerError")
            return nil
        } catch let e as DockerError {
            return e
        } catch {
            Issue.record("expected a DockerError, got \(error)")
            return nil
        }
    }
}

@Suite struct UnixSocketTransportTests {
    @Test func sendsTheRequestAndReusesTheConnection() async throws {
        let seen = Mutex<[String]>([])
        let bodies = Mutex<[[UInt8]]>([])
        let server = try ScriptedServer { conn in
            while let (head, body) = conn.readRequest() {
                seen.withLock { $0.append(head) }
                bodies.withLock { $0.append(body) }
                conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
            }
        }
        defer { server.stop() }
        let client = try server.client()
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        try await onThread {
            #expect(try client.requestBlocking("GET", "/containers/json", query: [("all", "true")]).json() == .object(["ok": .bool(true)]))
            _ = try client.requestBlocking("POST", "/containers/x/stop", body: .json(.object(["t": .int(1)])))
            _ = try client.requestBlocking("PUT", "/containers/x/archive", body: .bytes(big, contentType: "application/x-tar"))
        }
        let heads = seen.withLock { $0 }
        #expect(heads.count == 3)
        #expect(heads.first?.hasPrefix("GET /v1.41/containers/json?all=true HTTP/1.1\r\nHost: ") == true)
        #expect(heads[1].hasPrefix("POST /v1.41/containers/x/stop HTTP/1.1\r\n"))
        #expect(heads[1].contains("\r\nContent-Length: 7") && heads[1].contains("\r\nContent-Type: application/json"))
        // A body over 64 KiB goes in a write of its own after the head; it arrives whole.
        #expect(bodies.withLock { $0 }.last == big)
        #expect(client.connectionsOpened == 1)
        #expect(server.connections == 1)
    }

    @Test func aKeptAliveConnectionTheDaemonClosedIsReplaced() async throws {
        // The daemon answers one request per connection, then hangs up without saying so.
        let server = try ScriptedServer { conn in
            guard conn.readRequest() != nil else { return }
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        }
        defer { server.stop() }
        let client = try server.client()
        try await onThread { () throws -> Void in
            for _ in 0..<5 { #expect(try client.requestBlocking("GET", "/_ping").text == "OK") }
        }
        #expect(client.connectionsOpened == 5)
    }

    @Test func aRequestTheDaemonMayHaveRunIsNotSentTwice() async throws {
        // The daemon answers the first request of a connection, then takes the second and
        // hangs up without answering: a GET is sent again on a new connection, a POST is not.
        let server = try ScriptedServer { conn in
            guard conn.readRequest() != nil else { return }
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
            _ = conn.readRequest()
        }
        defer { server.stop() }
        let client = try server.client()
        let post = try await dockerError {
            _ = try client.requestBlocking("GET", "/_ping")
            _ = try client.requestBlocking("POST", "/containers/x/start")
        }
        #expect(post?.message == "the daemon closed the connection before responding")
        #expect(server.connections == 1)
        try await onThread { () throws -> Void in
            #expect(try client.requestBlocking("GET", "/_ping").text == "OK")
            #expect(try client.requestBlocking("GET", "/_ping").text == "OK")
        }
        #expect(server.connections == 3)
    }

    @Test func theResponseHeaderTimeoutCountsFromTheRequestNotFromEachByte() async throws {
        // A daemon that trickles its head a byte at a time still times out.
        let server = try ScriptedServer { conn in
            _ = conn.readRequest()
            for c in "HTTP/1.1 200 OK\r\nX-Slow: " + String(repeating: "x", count: 100) {
                conn.write(String(c))
                usleep(50_000)
            }
        }
        defer { server.stop() }
        let client = try server.client()
        let quick = DockerTimeouts(connect: .seconds(2), responseHeader: .milliseconds(300), idle: nil)
        let e = try await dockerError { _ = try client.requestBlocking("GET", "/info", timeouts: quick) }
        #expect(e?.kind == .timeout)
        #expect(e?.message == "no response headers within 300ms")
    }

    @Test func aDaemonThatHangsUpIsATransportError() async throws {
        let server = try ScriptedServer { conn in _ = conn.readRequest() }
        defer { server.stop() }
        let client = try server.client()
        let e = try await dockerError { _ = try client.requestBlocking("GET", "/info") }
        #expect(e?.kind == .transport)
        #expect(e?.message == "the daemon closed the connection before responding")
        #expect(e?.method == "GET" && e?.path == "/info")
        // Never retried on a fresh connection: only a pooled one is.
        #expect(server.connections == 1)
    }

    @Test func aSilentDaemonTimesOut() async throws {
        let server = try ScriptedServer { conn in
            _ = conn.readRequest()
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
            conn.waitForClose()
        }
        defer { server.stop() }
        let client = try server.client()
        let slow = DockerTimeouts(connect: .seconds(2), responseHeader: .milliseconds(200), idle: .milliseconds(300))
        let idle = try await dockerError { _ = try client.requestBlocking("GET", "/info", timeouts: slow) }
        #expect(idle?.kind == .timeout)
        #expect(idle?.message == "no data from the daemon for 300ms")
        let mute = try ScriptedServer { conn in
            _ = conn.readRequest()
            conn.waitForClose()
        }
        defer { mute.stop() }
        let muteClient = try mute.client()
        let quick = DockerTimeouts(connect: .seconds(2), responseHeader: .milliseconds(200), idle: nil)
        let head = try await dockerError { _ = try muteClient.requestBlocking("GET", "/info", timeouts: quick) }
        #expect(head?.kind == .timeout)
        #expect(head?.message == "no response headers within 200ms")
    }

    @Test func cancellationWakesAWaitingRequest() async throws {
        let server = try ScriptedServer { conn in
            _ = conn.readRequest()
            conn.waitForClose()
        }
        defer { server.stop() }
        let client = try server.client()
        let cancellation = DockerCancellation()
        startThread {
            usleep(150_000)
            cancellation.cancel()
        }
        try await onThread { () throws -> Void in
            #expect(throws: CancellationError.self) {
                _ = try client.requestBlocking("POST", "/containers/x/wait", timeouts: .streaming, cancellation: cancellation)
            }
        }
    }

    @Test func noDaemonIsAClearError() async throws {
        let client = try DockerClient(host: "unix:///tmp/dsh-no-such-daemon-\(getpid()).sock", apiVersion: "1.41")
        let e = try await dockerError { _ = try client.requestBlocking("GET", "/_ping") }
        #expect(e?.kind == .transport)
        #expect(e?.message.hasPrefix("cannot connect to the Docker daemon at unix:///tmp/dsh-no-such-daemon-") == true)
        #expect(e?.message.hasSuffix("Is the daemon running?") == true)
    }
}
