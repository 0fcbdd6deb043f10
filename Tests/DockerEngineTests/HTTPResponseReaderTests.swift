// Unit: the socket transport's response reader with well-formed and hostile responses
// (no engine: the bytes come from arrays, cut at every possible size).
@testable import DockerEngine
import NIOHTTP1
import Testing

/// Bytes handed out a few at a time, then the end of the stream.
struct ScriptedBytes: HTTPByteSource {
    var bytes: [UInt8]
    var step: Int
    var offset = 0

    init(_ text: String, step: Int = 7) {
        bytes = Array(text.utf8)
        self.step = step
    }

    mutating func read(into buffer: inout [UInt8], maxBytes: Int, timeout: Duration?, timeoutMessage: @autoclosure () -> String) throws -> Int {
        let n = min(step, maxBytes, bytes.count - offset)
        buffer.append(contentsOf: bytes[offset..<(offset + n)])
        offset += n
        return n
    }
}

@Suite struct HTTPResponseReaderTests {
    /// Reads `text` as a response, with reads of every size from 1 to 13 bytes and one of
    /// all of it; every size must give the same answer.
    func read(_ text: String, isHead: Bool = false, limit: Int = 1 << 20, errorLimit: Int = 1 << 20) throws -> HTTPWholeResponse {
        var answers: [HTTPWholeResponse] = []
        for step in Array(1...13) + [1 << 20] {
            var reader = HTTPResponseReader(source: ScriptedBytes(text, step: step), headTimeout: nil, idleTimeout: nil)
            answers.append(try reader.read(isHead: isHead, limit: limit, errorLimit: errorLimit))
        }
        for a in answers.dropFirst() {
            #expect(a.body == answers[0].body && a.head == answers[0].head && a.reusable == answers[0].reusable)
        }
        return answers[0]
    }

    /// The error `text` raises, as its message.
    func failure(_ text: String, limit: Int = 1 << 20) -> DockerError? {
        var reader = HTTPResponseReader(source: ScriptedBytes(text, step: 5), headTimeout: nil, idleTimeout: nil)
        do {
            _ = try reader.read(isHead: false, limit: limit, errorLimit: 1 << 20)
            return nil
        } catch {
            return error as? DockerError
        }
    }

    @Test func contentLengthBody() throws {
        let r = try read("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nApi-Version:  1.41 \r\n\r\nOK")
        #expect(r.head.status.code == 200)
        #expect(r.head.status.reasonPhrase == "OK")
        #expect(r.head.headers.first(name: "API-Version") == "1.41")
        #expect(r.body == Array("OK".utf8))
        #expect(r.reusable)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let r = try read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: 1\r\n\r\n")
        #expect(r.body == Array("hello, world!!!".utf8))
        #expect(r.reusable)
    }

    @Test func bodyToTheEndOfTheConnection() throws {
        let r = try read("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it\nand more")
        #expect(r.body == Array("all of it\nand more".utf8))
        #expect(!r.reusable)
    }

    @Test func bodilessResponses() throws {
        #expect(try read("HTTP/1.1 204 No Content\r\n\r\n").body.isEmpty)
        #expect(try read("HTTP/1.1 304 Not Modified\r\n\r\n").reusable)
        let head = try read("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", isHead: true)
        #expect(head.body.isEmpty && head.reusable)
    }

    @Test func interimResponsesAreSkipped() throws {
        let r = try read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}")
        #expect(r.head.status.code == 201)
        #expect(r.body == Array("{}".utf8))
    }

    @Test func connectionReuseFollowsTheHeaders() throws {
        #expect(try !read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").reusable)
        #expect(try !read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").reusable)
        #expect(try read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").reusable)
        // Bytes after the response were not asked for: the connection is not trusted again.
        // (Whether they are seen depends on the read that brings them; the pool's check
        // before reuse catches those that come later.)
        var reader = HTTPResponseReader(source: ScriptedBytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nXY", step: 100), headTimeout: nil, idleTimeout: nil)
        let extra = try reader.read(isHead: false, limit: 10, errorLimit: 10)
        #expect(extra.body == [UInt8(ascii: "X")] && !extra.reusable)
    }

    @Test func limits() throws {
        // A success body over the limit fails; an error body over it is dropped.
        #expect(failure("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", limit: 10)?.message
                == "the response body exceeds the limit of 10 bytes")
        #expect(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n", limit: 10)?.kind == .protocolError)
        #expect(failure("HTTP/1.1 200 OK\r\n\r\nhello world", limit: 10)?.kind == .protocolError)
        let dropped = try read("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 11\r\n\r\nhello world", errorLimit: 4)
        #expect(dropped.head.status.code == 500 && dropped.body.isEmpty && !dropped.reusable)
        let droppedChunks = try read("HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", errorLimit: 4)
        #expect(droppedChunks.body.isEmpty && !droppedChunks.reusable)
    }

    @Test func malformedHeadsAreProtocolErrors() {
        let cases = [
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 20x OK\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
            "HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        ]
        for text in cases {
            let e = failure(text)
            #expect(e?.kind == .protocolError, "\(text.debugDescription) gave \(String(describing: e))")
        }
        // The message names the bad line, with control bytes made visible.
        #expect(failure("HTTP/1.1 200 OK\r\nbad\u{1}line\r\n\r\n")?.message == "malformed header line from the daemon: \"bad?line\"")
    }

    @Test func malformedChunksAreProtocolErrors() {
        let cases = [
            "zz\r\nhello\r\n0\r\n\r\n",
            "-5\r\nhello\r\n0\r\n\r\n",
            "+5\r\nhello\r\n0\r\n\r\n",
            "\r\nhello\r\n0\r\n\r\n",
            "5\r\nhelloXX0\r\n\r\n",
            "fffffffffffffffffff\r\nx\r\n",
        ]
        for body in cases {
            let e = failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
            #expect(e?.kind == .protocolError, "\(body.debugDescription) gave \(String(describing: e))")
        }
        // A chunk-size line that never ends is cut off rather than buffered for ever.
        let long = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "0", count: 10_000)
        #expect(failure(long)?.kind == .protocolError)
    }

    @Test func anOversizedHeadIsRefused() {
        let text = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: 0123456789abcdef\r\n", count: 5000) + "\r\n"
        #expect(failure(text)?.message == "the response head is longer than \(HTTPWire.maxHeadBytes) bytes")
    }

    @Test func truncatedResponsesAreTransportErrors() {
        #expect(failure("")?.message == "the daemon closed the connection before responding")
        #expect(failure("HTTP/1.1 200 OK\r\nContent-Le")?.message == "the connection to the daemon closed before the response ended")
        #expect(failure("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")?.message == "the connection to the daemon closed before the response ended")
        #expect(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")?.kind == .transport)
        #expect(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")?.kind == .transport)
        #expect(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n")?.kind == .transport)
    }

    @Test func requestHeadsRefuseLineBreaks() throws {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "docker")
        let ok = try UnixSocketTransport.encode(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1.41/_ping", headers: headers))
        #expect(ok == Array("GET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\n\r\n".utf8))
        headers.add(name: "X-Registry-Auth", value: "abc\r\nX-Evil: 1")
        #expect(throws: DockerError.self) {
            _ = try UnixSocketTransport.encode(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/_ping", headers: headers))
        }
        #expect(throws: DockerError.self) {
            _ = try UnixSocketTransport.encode(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/_ping\nX: 1", headers: [:]))
        }
    }
}
