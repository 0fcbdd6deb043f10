// DockerRequestGate: the one place every request's method, path, query and headers are
// checked and encoded before any byte is sent, on every transport (unix socket, NIO, TLS,
// streams, hijack): nothing a caller passes can end the request line or a header early.
import NIOHTTP1

/// Builds and checks request heads. Inside DockerEngine, `head(method:path:...)` is how
/// every request's head is made and `verify(_:)` is what every transport runs on a head
/// before writing it, so a head made any other way is refused too; ``path(_:)`` is public.
///
/// - The method must be an HTTP token (`GET`, `POST`, ...).
/// - The path starts with `/` (one is added); a control character (U+0000–U+001F, U+007F) is refused,
///   so is a `.` or `..` segment (also percent-encoded: `%2e%2e`); everything but the
///   characters RFC 3986 allows in a path is percent-encoded (a `%XX` already there is kept,
///   a `?` or `#` is encoded: the query is separate).
/// - Query names and values are percent-encoded whole (``DockerQuery/encode(_:)``).
/// - A header name must be a token; a value must not hold a control character but a tab.
public enum DockerRequestGate {
    /// The head of a request. `path` gets the `/vX.Y` prefix unless `version` is nil or the
    /// path already has one; `headers` follow `Host` and `User-Agent`; the body sets
    /// `Content-Length` or `Transfer-Encoding`.
    static func head(
        method: String, path: String, query: [(String, String)], headers: [(String, String)],
        version: APIVersion?, host: String, body: DockerRequestBody
    ) throws -> HTTPRequestHead {
        let m = try self.method(method)
        var target = try self.path(path)
        if let version, !(target.hasPrefix("/v1.") || target.hasPrefix("/v2.")) { target = "/v\(version)" + target }
        target += DockerQuery.encode(query)
        var h = HTTPHeaders()
        h.add(name: "Host", value: try headerValue("Host", host))
        h.add(name: "User-Agent", value: "dsh-docker/1")
        for (name, value) in headers {
            h.add(name: try headerName(name), value: try headerValue(name, value))
        }
        switch body.storage {
        case .empty:
            if m == .POST || m == .PUT { h.add(name: "Content-Length", value: "0") }
        case .bytes(let b):
            h.add(name: "Content-Length", value: String(b.readableBytes))
        case .stream:
            h.add(name: "Transfer-Encoding", value: "chunked")
        }
        return HTTPRequestHead(version: .http1_1, method: m, uri: target, headers: h)
    }

    /// The method, upper-cased; refused unless it is an HTTP token.
    static func method(_ method: String) throws -> HTTPMethod {
        let upper = method.uppercased()
        guard !upper.isEmpty, upper.utf8.allSatisfy(HTTPWire.isTokenByte) else {
            throw refused("the request method \(quoted(method)) is not an HTTP method (letters only, such as GET or POST)")
        }
        return HTTPMethod(rawValue: upper)
    }

    /// The path, percent-encoded (a missing leading `/` added); refused when it holds a
    /// control character or a `.` or `..` segment.
    public static func path(_ path: String) throws -> String {
        if let bad = path.unicodeScalars.first(where: isControl) {
            throw refused("the request path \(quoted(path)) contains the control character \(describe(bad)); line breaks and other control characters cannot be sent")
        }
        // A path without its leading slash gets one (as before the gate).
        let bytes = Array((path.hasPrefix("/") ? path : "/" + path).utf8)
        var out = ""
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "%"), i + 2 < bytes.count, HTTPWire.isHexDigit(bytes[i + 1]), HTTPWire.isHexDigit(bytes[i + 2]) {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(bytes[i + 1]))
                out.unicodeScalars.append(Unicode.Scalar(bytes[i + 2]))
                i += 3
                continue
            }
            if isPathByte(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += percent(b)
            }
            i += 1
        }
        for segment in out.split(separator: "/", omittingEmptySubsequences: false) {
            let plain = segment.replacingPercentDots()
            if plain == "." || plain == ".." {
                throw refused("the request path \(quoted(path)) has a \"\(plain)\" segment; paths are sent as given, never resolved against other endpoints")
            }
        }
        return out
    }

    /// A header name; refused unless it is an HTTP token.
    static func headerName(_ name: String) throws -> String {
        guard !name.isEmpty, name.utf8.allSatisfy(HTTPWire.isTokenByte) else {
            throw refused("the header name \(quoted(name)) is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)")
        }
        return name
    }

    /// A header value; refused when it holds a control character other than a tab.
    static func headerValue(_ name: String, _ value: String) throws -> String {
        if let bad = value.unicodeScalars.first(where: { isControl($0) && $0 != "\t" }) {
            throw refused("the value of header \(name) contains the control character \(describe(bad)); line breaks and other control characters cannot be sent")
        }
        return value
    }

    /// Checks a finished head as a transport is about to write it: a token method, a
    /// request target of visible ASCII characters that starts with `/`, token header names
    /// and values without line breaks or other control characters (a tab is allowed).
    static func verify(_ head: HTTPRequestHead) throws {
        guard head.method.rawValue.utf8.allSatisfy(HTTPWire.isTokenByte), !head.method.rawValue.isEmpty else {
            throw refused("the request method \(quoted(head.method.rawValue)) is not an HTTP method")
        }
        guard head.uri.hasPrefix("/"), head.uri.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            throw refused("the request target \(quoted(head.uri)) is not an encoded path")
        }
        for (name, value) in head.headers {
            _ = try headerName(name)
            _ = try headerValue(name, value)
        }
    }

    // MARK: helpers

    /// A byte RFC 3986 allows unencoded in a path: unreserved, sub-delims, `:`, `@`, `/`.
    private static func isPathByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
             UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    private static func percent(_ b: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool { s.value < 0x20 || s.value == 0x7F }

    /// `U+000D (carriage return)`.
    private static func describe(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch s {
        case "\r": return code + " (carriage return)"
        case "\n": return code + " (line feed)"
        case "\0": return code + " (NUL)"
        case "\t": return code + " (tab)"
        default: return code
        }
    }

    /// At most 60 characters of `s`, escaped for a message.
    private static func quoted(_ s: String) -> String {
        let cut = s.unicodeScalars.count > 60 ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(60))) + "..." : s
        return cut.debugDescription
    }

    private static func refused(_ message: String) -> DockerError {
        DockerError(kind: .invalidRequest, message: message)
    }
}

extension Substring {
    /// The segment with `%2e`/`%2E` read as `.` (to spot an encoded `..`).
    fileprivate func replacingPercentDots() -> String {
        var out = ""
        var rest = self[...]
        while let first = rest.first {
            if first == "%", rest.count >= 3, rest.dropFirst().prefix(2).lowercased() == "2e" {
                out.append(".")
                rest = rest.dropFirst(3)
            } else {
                out.append(first)
                rest = rest.dropFirst()
            }
        }
        return out
    }
}
