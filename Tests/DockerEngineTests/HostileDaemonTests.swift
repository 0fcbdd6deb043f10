// Unit: a hostile or dying daemon (a scripted server on a unix socket): truncated and
// oversized frames, unknown stream types, garbage and deep nesting in JSON streams, a
// 100 MB line, a reset inside the head, a head that never ends, chunk sizes that lie, and
// hijacked streams whose daemon dies. Each is a clear error after the data that arrived,
// with bounded memory, and the client works afterwards.
@testable import DockerEngine
import NIOCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One chunk of a chunked body.
func chunk(_ bytes: [UInt8]) -> [UInt8] { Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10] }

let multiplexedHead = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
let jsonHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"

/// A daemon that answers `/_ping` properly and everything else with `respond`.
func hostileDaemon(_ respond: @escaping @Sendable (ScriptedConnection) -> Void) throws -> ScriptedServer {
    try ScriptedServer { conn in
        while let (head, _) = conn.readRequest() {
            if head.hasPrefix("GET /_ping ") || head.hasPrefix("GET /v1.41/_ping ") {
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
                continue
            }
            respond(conn)
            return
        }
    }
}

/// The lines of a followed logs body (the async path) and the error that ended it.
func logLines(_ client: DockerClient, tty: Bool = false) async -> ([DockerOutputLine], DockerError?) {
    var lines: [DockerOutputLine] = []
    do {
        let response = try await client.stream("GET", "/containers/x/logs", query: [("follow", "1")])
        for try await line in response.lines(tty: tty) { lines.append(line) }
        return (lines, nil)
    } catch let e as DockerError {
        return (lines, e)
    } catch {
        Issue.record("expected a DockerError, got \(error)")
        return (lines, nil)
    }
}

/// The same through the event-loop line feed (what `c.logs()` uses).
func fedLines(_ client: DockerClient, tty: Bool = false) async -> ([DockerOutputLine], DockerError?) {
    let receiver = CollectingReceiver()
    do {
        _ = try await client.streamLines("GET", "/containers/x/logs", query: [("follow", "1")], tty: tty, receiver: receiver)
    } catch let e as DockerError {
        return ([], e)
    } catch {
        Issue.record("expected a DockerError, got \(error)")
    }
    let (lines, error) = await receiver.result()
    if let error, !(error is DockerError) { Issue.record("expected a DockerError, got \(error)") }
    return (lines, error as? DockerError)
}

/// Collects what a ``DockerLineReceiver`` gets.
final class CollectingReceiver: DockerLineReceiver {
    private struct State {
        var lines: [DockerOutputLine] = []
        var ended = false
        var error: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    func start(_ feed: DockerLineFeed) {}
    func receive(_ lines: [DockerOutputLine]) -> Bool {
        state.withLock { $0.lines += lines }
        return true
    }
    func finish(_ error: (any Error)?) {
        let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.ended = true
            s.error = error
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume()
    }
    func result() async -> ([DockerOutputLine], (any Error)?) {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.ended { return true }
                s.waiter = c
                return false
            }
            if now { c.resume() }
        }
        return state.withLock { ($0.lines, $0.error) }
    }
}

/// Both line paths must give `expected` lines and then an error of `kind` whose message
/// contains `message`; the client answers a ping afterwards.
func expectLines(_ server: ScriptedServer, tty: Bool = false, _ expected: [String], _ kind: DockerError.Kind, _ message: String,
                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let client = try server.client()
    for (name, (lines, error)) in [("lines", await logLines(client, tty: tty)), ("feed", await fedLines(client, tty: tty))] {
        #expect(lines.map(\.text) == expected, "\(name)", sourceLocation: sourceLocation)
        #expect(error?.kind == kind, "\(name): \(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.message.contains(message) == true, "\(name): \(String(describing: error))", sourceLocation: sourceLocation)
    }
    #expect(try await client.request("GET", "/_ping").text == "OK", sourceLocation: sourceLocation)
}

@Suite struct HostileDaemonTests {
    @Test func aStreamCutInsideAFrameHeaderDeliversThePartialLineThenRaises() async throws {
        // The daemon dies: no terminal chunk, the connection just closes.
        let dies = try hostileDaemon { conn in
            conn.write(multiplexedHead)
            conn.writeBytes(chunk(frame(1, Array("one\nhello".utf8))) + chunk([1, 0, 0]))
        }
        defer { dies.stop() }
        try await expectLines(dies, ["one", "hello"], .transport, "the connection to the daemon closed")
        // The body ends properly, but inside a frame header.
        let cut = try hostileDaemon { conn in
            conn.write(multiplexedHead)
            conn.writeBytes(chunk(frame(1, Array("hello".utf8))) + chunk([1, 0, 0]) + Array("0\r\n\r\n".utf8))
        }
        defer { cut.stop() }
        try await expectLines(cut, ["hello"], .protocolError, "the stream ended inside a frame (3 of 8 header bytes missing)")
        // Inside a payload.
        let payload = try hostileDaemon { conn in
            conn.write(multiplexedHead)
            conn.writeBytes(chunk(Array(frame(2, Array("abc\ndef".utf8)).dropLast(2))) + Array("0\r\n\r\n".utf8))
        }
        defer { payload.stop() }
        try await expectLines(payload, ["abc", "d"], .protocolError, "2 payload bytes missing")
    }

    @Test func anUnknownStreamTypeIsAProtocolError() async throws {
        let server = try hostileDaemon { conn in
            conn.write(multiplexedHead)
            conn.writeBytes(chunk(frame(1, Array("ok\n".utf8)) + frame(7, Array("??".utf8))) + Array("0\r\n\r\n".utf8))
        }
        defer { server.stop() }
        try await expectLines(server, ["ok"], .protocolError, "invalid stream frame header (type 7)")
    }

    @Test func anOversizedFrameIsPassedOnInBoundedPieces() async throws {
        // A frame that claims 4 GiB; 3 MiB arrive without a newline, then the daemon dies.
        let server = try hostileDaemon { conn in
            conn.write(multiplexedHead)
            conn.writeBytes(chunk([1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]))
            let mib = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
            for _ in 0..<3 { conn.writeBytes(chunk(mib)) }
        }
        defer { server.stop() }
        let client = try server.client()
        for (lines, error) in [await logLines(client), await fedLines(client)] {
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.text.utf8.count == 1 << 20 })
            #expect(error?.kind == .transport)
        }
    }

    @Test func aHundredMegabyteLineWithoutANewlineComesInPieces() async throws {
        let server = try hostileDaemon { conn in
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            let mib = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
            for _ in 0..<100 { conn.writeBytes(chunk(mib)) }
            conn.write("0\r\n\r\n")
        }
        defer { server.stop() }
        let client = try server.client()
        let response = try await client.stream("GET", "/containers/x/logs")
        var pieces = 0
        var longest = 0
        for try await line in response.lines(tty: true) {
            pieces += 1
            longest = max(longest, line.text.utf8.count)
        }
        #expect(pieces == 100)
        #expect(longest == 1 << 20)
        #expect(try await client.request("GET", "/_ping").text == "OK")
    }

    @Test func garbageAndDeepNestingInAJSONStreamAreProtocolErrors() async throws {
        let garbage = try hostileDaemon { conn in
            conn.write(jsonHead)
            conn.writeBytes(chunk(Array("{\"status\":\"Pulling\"}\nxx{\"status\":1}".utf8)) + Array("0\r\n\r\n".utf8))
        }
        defer { garbage.stop() }
        let deep = try hostileDaemon { conn in
            conn.write(jsonHead)
            conn.writeBytes(chunk([UInt8](repeating: UInt8(ascii: "["), count: 100_000)) + Array("0\r\n\r\n".utf8))
        }
        defer { deep.stop() }
        let huge = try hostileDaemon { conn in
            conn.write(jsonHead)
            conn.writeBytes(chunk(Array("{\"status\":\"".utf8)))
            let mib = [UInt8](repeating: UInt8(ascii: "q"), count: 1 << 20)
            for _ in 0..<3 { conn.writeBytes(chunk(mib)) }
            conn.write("0\r\n\r\n")
        }
        defer { huge.stop() }
        for (server, message, limit) in [(garbage, "unexpected byte 0x78 between messages", 64 << 20), (deep, "nests deeper than 512 levels", 64 << 20),
                                         (huge, "a JSON message in the stream exceeds 1048576 bytes", 1 << 20)] {
            let client = try server.client()
            var messages: [[UInt8]] = []
            do {
                let response = try await client.stream("POST", "/images/create")
                for try await m in response.jsonMessages(maxMessageBytes: limit).throwingOnError() { messages.append(m) }
                Issue.record("expected an error")
            } catch let e as DockerError {
                #expect(e.kind == .protocolError, "\(e)")
                #expect(e.message.contains(message), "\(e)")
            }
            #expect(messages.count == (server === garbage ? 1 : 0))
            #expect(try await client.request("GET", "/_ping").text == "OK")
        }
    }

    @Test func aResetInsideTheHeadIsATransportError() async throws {
        let server = try hostileDaemon { conn in
            conn.write("HTTP/1.1 200 OK\r\nContent-Ty")
            conn.resetOnClose()
        }
        defer { server.stop() }
        let client = try server.client()
        let blocking = try await dockerError { _ = try client.requestBlocking("GET", "/info") }
        #expect(blocking?.kind == .transport)
        #expect(blocking?.message == "the connection to the daemon closed before the response ended")
        let (_, streamed) = await logLines(client)
        #expect(streamed?.kind == .transport)
        #expect(streamed?.message.contains("closed") == true, "\(String(describing: streamed))")
        #expect(try await client.request("GET", "/_ping").text == "OK")
    }

    @Test func aHeadThatNeverEndsIsAProtocolError() async throws {
        let server = try hostileDaemon { conn in
            conn.write("HTTP/1.1 200 OK\r\n")
            for _ in 0..<3000 { conn.write("X-Pad: " + String(repeating: "p", count: 90) + "\r\n") }
            conn.waitForClose(seconds: 5)
        }
        defer { server.stop() }
        let client = try server.client()
        let blocking = try await dockerError { _ = try client.requestBlocking("GET", "/info") }
        #expect(blocking?.kind == .protocolError)
        #expect(blocking?.message == "the response head is longer than 65536 bytes")
        let (_, streamed) = await logLines(client)
        #expect(streamed?.kind == .protocolError)
        #expect(streamed?.message == "the daemon's response head is too long (its headers never end)")
        #expect(try await client.request("GET", "/_ping").text == "OK")
    }

    @Test func aChunkedBodyThatLiesAboutItsSizeIsAClearError() async throws {
        // Says 3, sends 5: the bytes after the 3 are not a chunk end.
        let long = try hostileDaemon { conn in
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n")
        }
        defer { long.stop() }
        let client = try long.client()
        let blocking = try await dockerError { _ = try client.requestBlocking("GET", "/info") }
        #expect(blocking?.kind == .protocolError)
        #expect(blocking?.message == "a chunk of the daemon's response does not end where its size says")
        do {
            _ = try await client.request("GET", "/info")
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.kind == .protocolError, "\(e)")
            #expect(e.message.hasPrefix("the daemon sent a malformed response"), "\(e)")
        }
        // Says 16, sends 5 and the end, then closes.
        let short = try hostileDaemon { conn in
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhello\r\n0\r\n\r\n")
        }
        defer { short.stop() }
        let shortClient = try short.client()
        let blockingShort = try await dockerError { _ = try shortClient.requestBlocking("GET", "/info") }
        #expect(blockingShort?.kind == .transport)
        #expect(blockingShort?.message == "the connection to the daemon closed before the response ended")
        do {
            _ = try await shortClient.request("GET", "/info")
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.kind == .transport, "\(e)")
            #expect(e.message == "the connection to the daemon closed before the response ended", "\(e)")
        }
        #expect(try await shortClient.request("GET", "/_ping").text == "OK")
    }

    /// An exec's output ends with the daemon closing the connection, whether the process
    /// ended or the daemon died: a ping tells them apart.
    @Test func aHijackedStreamRaisesWhenTheDaemonDied() async throws {
        let upgraded = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        // The process ended: the daemon still answers. (The output comes in the same write
        // as the 101 and the close right after, as for a quick exec: NIO used to drop it.)
        let ended = try hostileDaemon { conn in
            conn.writeBytes(Array(upgraded.utf8) + frame(1, Array("out\npartial".utf8)))
        }
        defer { ended.stop() }
        let okClient = try ended.client()
        let fine = try await okClient.hijack("POST", "/exec/e1/start")
        var okLines: [String] = []
        for try await line in fine.lines(tty: false) { okLines.append(line.text) }
        #expect(okLines == ["out", "partial"])

        // The daemon died: nobody answers any more.
        let died = Mutex<ScriptedServer?>(nil)
        let dying = try hostileDaemon { conn in
            conn.write(upgraded)
            conn.writeBytes(frame(1, Array("out\npartial".utf8)))
            died.withLock { $0?.stop() }
        }
        died.withLock { $0 = dying }
        defer { dying.stop() }
        let client = try dying.client()
        let hijacked = try await client.hijack("POST", "/exec/e1/start")
        var lines: [String] = []
        do {
            for try await line in hijacked.lines(tty: false) { lines.append(line.text) }
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.kind == .transport, "\(e)")
            #expect(e.message.hasPrefix("the connection to the daemon closed before the output ended; the daemon no longer answers"), "\(e)")
            #expect(e.request == "POST /exec/e1/start")
        }
        #expect(lines == ["out", "partial"])
    }
}
