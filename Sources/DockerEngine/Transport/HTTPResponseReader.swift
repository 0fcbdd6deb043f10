// HTTPResponseReader: reads one whole HTTP/1.1 response (head, then a body framed by
// Content-Length, chunked encoding or the end of the connection) from a byte source, for
// the socket transport. Strict: a malformed head, chunk or length is a protocol error, a
// connection that ends early is a transport error, and nothing is guessed.
import NIOHTTP1

/// Where a response's bytes come from: a socket, or bytes in a test.
protocol HTTPByteSource {
    /// Appends at most `maxBytes` bytes to `buffer` and returns how many; 0 means the peer
    /// closed the connection. Waits at most `timeout` (nil: for ever), then throws a
    /// timeout ``DockerError`` saying `timeoutMessage`.
    mutating func read(into buffer: inout [UInt8], maxBytes: Int, timeout: Duration?, timeoutMessage: @autoclosure () -> String) throws -> Int
}

/// One response, read whole.
struct HTTPWholeResponse {
    /// The status line and headers.
    var head: HTTPResponseHead
    /// The body (empty when an error body was over its limit and dropped).
    var body: [UInt8]
    /// Whether the connection may carry another request.
    var reusable: Bool
}

/// Reads one response from a source; one reader per response. (The source is an
/// existential rather than a generic parameter: the reader's generic metadata would cost
/// a runtime conformance lookup, a scan of every conformance record, at start-up.)
struct HTTPResponseReader {
    private var source: any HTTPByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private let headTimeout: Duration?
    private let idleTimeout: Duration?
    /// When the response head must have arrived (the response-header timeout runs once,
    /// from the first read, not afresh on each).
    private var headDeadline: ContinuousClock.Instant?
    /// Whether any byte of the response arrived (a pooled connection that closed before
    /// answering can be retried; one that answered in part cannot).
    private(set) var receivedAny = false

    init(source: any HTTPByteSource, headTimeout: Duration?, idleTimeout: Duration?) {
        self.source = source
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
    }

    /// Reads the response to a request (`isHead`: a HEAD request, whose response has no
    /// body). The body may hold at most `limit` bytes for a status below 400 (more is a
    /// protocol error) and `errorLimit` for an error status (a longer one is dropped: the
    /// response comes back with an empty body and the connection is not reused).
    mutating func read(isHead: Bool, limit: Int, errorLimit: Int) throws -> HTTPWholeResponse {
        var head = try readHead()
        // 1xx answers (100 Continue) precede the real one.
        while head.status.code >= 100 && head.status.code < 200 && head.status.code != 101 {
            head = try readHead()
        }
        let code = head.status.code
        var reusable = head.isKeepAlive
        var body: [UInt8] = []
        let bodyLimit = code >= 400 ? errorLimit : limit
        let noBody = isHead || code == 204 || code == 304 || code == 101
        if !noBody {
            let encodings = head.headers[canonicalForm: "Transfer-Encoding"]
            if !encodings.isEmpty {
                if encodings.last.map({ $0.lowercased() == "chunked" }) == true {
                    reusable = try readChunked(into: &body, limit: bodyLimit, isError: code >= 400) && reusable
                } else {
                    try readToEnd(into: &body, limit: bodyLimit, isError: code >= 400)
                    reusable = false
                }
            } else if let length = try HTTPWire.contentLength(head.headers) {
                reusable = try readCounted(length, into: &body, limit: bodyLimit, isError: code >= 400) && reusable
            } else {
                try readToEnd(into: &body, limit: bodyLimit, isError: code >= 400)
                reusable = false
            }
        }
        // Bytes past the response were never asked for: do not reuse such a connection.
        if position < buffer.count { reusable = false }
        return HTTPWholeResponse(head: head, body: body, reusable: reusable)
    }

    // MARK: head

    /// Reads up to the blank line ending a head and parses it.
    private mutating func readHead() throws -> HTTPResponseHead {
        while true {
            if let end = HTTPWire.find(HTTPWire.crlfcrlf, in: buffer, from: position) {
                let head = try HTTPWire.parseHead(buffer[position..<end])
                position = end + 4
                return head
            }
            if buffer.count - position > HTTPWire.maxHeadBytes {
                throw DockerError.protocolError("the response head is longer than \(HTTPWire.maxHeadBytes) bytes")
            }
            if try fillHead() == 0 {
                throw DockerError.transport(receivedAny
                    ? "the connection to the daemon closed before the response ended"
                    : "the daemon closed the connection before responding")
            }
        }
    }

    // MARK: bodies

    /// Reads a body of `length` bytes; false when it was dropped (over the error limit).
    private mutating func readCounted(_ length: Int, into body: inout [UInt8], limit: Int, isError: Bool) throws -> Bool {
        if length > limit {
            if isError { return false }
            throw DockerError.protocolError("the response body exceeds the limit of \(limit) bytes")
        }
        body.reserveCapacity(length)
        try take(length, into: &body)
        return true
    }

    /// Reads a chunked body and its trailers; false when it was dropped (over the error limit).
    private mutating func readChunked(into body: inout [UInt8], limit: Int, isError: Bool) throws -> Bool {
        while true {
            let line = try readLine()
            let sizeText = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 32 && $0 != 9 }
            guard !sizeText.isEmpty, sizeText.count <= 15, sizeText.allSatisfy(HTTPWire.isHexDigit),
                  let size = Int(String(decoding: sizeText, as: UTF8.self), radix: 16)
            else {
                throw DockerError.protocolError("malformed chunk size in the daemon's response: \(HTTPWire.printable(line[...]))")
            }
            if size == 0 { break }
            if body.count + size > limit {
                if isError { body = []; return false }
                throw DockerError.protocolError("the response body exceeds the limit of \(limit) bytes")
            }
            try take(size, into: &body)
            guard try readLine().isEmpty else {
                throw DockerError.protocolError("a chunk of the daemon's response does not end where its size says")
            }
        }
        // Trailers, up to the blank line.
        while try !readLine().isEmpty {}
        return true
    }

    /// Reads until the connection closes.
    private mutating func readToEnd(into body: inout [UInt8], limit: Int, isError: Bool) throws {
        while true {
            let have = buffer.count - position
            if have > 0 {
                if body.count + have > limit {
                    if isError { body = []; return }
                    throw DockerError.protocolError("the response body exceeds the limit of \(limit) bytes")
                }
                body.append(contentsOf: buffer[position...])
                position = buffer.count
            }
            if try fill() == 0 { return }
        }
    }

    /// Moves exactly `count` bytes of the body into `body`.
    private mutating func take(_ count: Int, into body: inout [UInt8]) throws {
        var left = count
        while left > 0 {
            if position == buffer.count, try fill() == 0 {
                throw DockerError.transport("the connection to the daemon closed before the response ended")
            }
            let n = min(left, buffer.count - position)
            body.append(contentsOf: buffer[position..<(position + n)])
            position += n
            left -= n
        }
    }

    /// Reads one CRLF-terminated line of a chunked body (without the CRLF).
    private mutating func readLine() throws -> [UInt8] {
        while true {
            if let end = HTTPWire.find([13, 10], in: buffer, from: position) {
                let line = Array(buffer[position..<end])
                position = end + 2
                return line
            }
            if buffer.count - position > HTTPWire.maxLineBytes {
                throw DockerError.protocolError("a line of the daemon's chunked response is longer than \(HTTPWire.maxLineBytes) bytes")
            }
            if try fill() == 0 {
                throw DockerError.transport("the connection to the daemon closed before the response ended")
            }
        }
    }

    // MARK: buffer

    /// Reads more of the head, within what is left of the response-header timeout.
    private mutating func fillHead() throws -> Int {
        guard let total = headTimeout else { return try fill(timeout: nil, headTimeout: nil) }
        let deadline = headDeadline ?? ContinuousClock.now + total
        headDeadline = deadline
        return try fill(timeout: max(deadline - ContinuousClock.now, .zero), headTimeout: total)
    }

    /// Reads more of the body, within the idle timeout.
    private mutating func fill() throws -> Int {
        try fill(timeout: idleTimeout, headTimeout: nil)
    }

    /// Reads more into the buffer (dropping what was consumed); returns 0 at the end.
    /// `headTimeout` is the whole response-header timeout while the head is awaited.
    private mutating func fill(timeout: Duration?, headTimeout: Duration?) throws -> Int {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position >= HTTPWire.readSize {
            buffer.removeFirst(position)
            position = 0
        }
        let idle = idleTimeout
        let n = try source.read(into: &buffer, maxBytes: HTTPWire.readSize, timeout: timeout, timeoutMessage:
            headTimeout.map { "no response headers within \(HTTPWire.describe($0))" }
                ?? "no data from the daemon for \(idle.map(HTTPWire.describe) ?? "ever")")
        if n > 0 { receivedAny = true }
        return n
    }
}

/// The syntax of HTTP/1.1 response heads and framing, shared by the reader's steps.
enum HTTPWire {
    /// A timeout as the messages show it: "300s", "250ms".
    static func describe(_ d: Duration) -> String {
        HTTPClientHandler.describe(HTTPTransport.timeAmount(d))
    }

    /// The longest head accepted.
    static let maxHeadBytes = 64 << 10
    /// The longest chunk-size or trailer line accepted.
    static let maxLineBytes = 4 << 10
    /// How much one read asks for.
    static let readSize = 64 << 10

    static let crlfcrlf: [UInt8] = [13, 10, 13, 10]

    /// Parses a status line and header lines (without the final blank line).
    static func parseHead(_ bytes: ArraySlice<UInt8>) throws -> HTTPResponseHead {
        var lines = split(bytes)
        guard !lines.isEmpty else { throw DockerError.protocolError("the response has no status line") }
        let statusLine = lines.removeFirst()
        // "HTTP/1.1 200 OK": a version, a space, three digits, then a space and a reason or nothing.
        let s = Array(statusLine)
        guard s.count >= 12, s.starts(with: "HTTP/1.".utf8), s[7] == UInt8(ascii: "0") || s[7] == UInt8(ascii: "1"),
              s[8] == UInt8(ascii: " "), s[9...11].allSatisfy({ $0 >= 48 && $0 <= 57 }),
              s.count == 12 || s[12] == UInt8(ascii: " ")
        else {
            throw DockerError.protocolError("malformed status line from the daemon: \(printable(statusLine))")
        }
        let code = s[9...11].reduce(0) { $0 * 10 + Int($1 - 48) }
        let reason = s.count > 13 ? String(decoding: s[13...], as: UTF8.self) : ""
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(isTokenByte)
            else {
                throw DockerError.protocolError("malformed header line from the daemon: \(printable(line))")
            }
            var value = line[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
            while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
            headers.add(name: String(decoding: line[line.startIndex..<colon], as: UTF8.self),
                        value: String(decoding: value, as: UTF8.self))
        }
        let version: HTTPVersion = s[7] == UInt8(ascii: "1") ? .http1_1 : .http1_0
        return HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: code, reasonPhrase: reason), headers: headers)
    }

    /// The lines of a head, split at CRLF.
    static func split(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == 13, i + 1 < bytes.endIndex, bytes[i + 1] == 10 {
                lines.append(bytes[start..<i])
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        lines.append(bytes[start..<bytes.endIndex])
        return lines
    }

    /// A byte allowed in a header name (RFC 9110 `tchar`).
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// A byte of a hexadecimal number.
    static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102)
    }

    /// At most 80 bytes of a malformed line, for an error message.
    static func printable(_ bytes: ArraySlice<UInt8>) -> String {
        let shown = String(decoding: bytes.prefix(80), as: UTF8.self).unicodeScalars
            .map { $0.value < 32 || $0.value == 127 ? "?" : String($0) }.joined()
        return "\"" + shown + (bytes.count > 80 ? "...\"" : "\"")
    }

    /// The Content-Length, when there is one; several that differ, or one that is not a
    /// decimal number, are a protocol error.
    static func contentLength(_ headers: HTTPHeaders) throws -> Int? {
        let values = headers[canonicalForm: "Content-Length"]
        guard let first = values.first else { return nil }
        guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(first)
        else {
            throw DockerError.protocolError("the daemon sent an invalid Content-Length: \(values.joined(separator: ", "))")
        }
        return n
    }

    /// The index of the first occurrence of `pattern` in `bytes` at or after `from`.
    static func find(_ pattern: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        let n = pattern.count
        guard bytes.count - from >= n else { return nil }
        var i = from
        let last = bytes.count - n
        while i <= last {
            if bytes[i] == pattern[0] {
                var j = 1
                while j < n && bytes[i + j] == pattern[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }
}
