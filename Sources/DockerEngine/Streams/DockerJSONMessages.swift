// DockerJSONMessages: splits a body of newline-delimited or concatenated JSON into messages.
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The JSON messages of a streamed body (pull, push, build, load, events, stats), each as
/// its raw bytes, found incrementally across chunk boundaries in linear time. Messages may
/// be separated by newlines or simply concatenated. A message larger than the limit, nested
/// deeper than 512 levels, or bytes that cannot start a message end the sequence with a
/// ``DockerError`` (after the messages before them).
public struct DockerJSONMessages<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    /// A message's bytes (one JSON object or array).
    public typealias Element = [UInt8]
    /// The default cap on one message (64 MiB).
    public static var defaultMaxMessageBytes: Int { 64 << 20 }

    let base: Base
    let maxMessageBytes: Int

    /// Messages from a stream of chunks.
    public init(_ base: Base, maxMessageBytes: Int = 64 << 20) {
        self.base = base
        self.maxMessageBytes = maxMessageBytes
    }

    /// Iterates the messages.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), splitter: JSONMessageSplitter(maxMessageBytes: maxMessageBytes))
    }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var splitter: JSONMessageSplitter
        var ready: [[UInt8]] = []
        var readyIndex = 0
        var done = false
        /// An error met in a chunk, thrown after the messages before it.
        var failure: (any Error)?

        /// The next message, nil at the end.
        public mutating func next() async throws -> [UInt8]? {
            while true {
                if readyIndex < ready.count {
                    let m = ready[readyIndex]
                    readyIndex += 1
                    return m
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if let failure {
                    self.failure = nil
                    done = true
                    throw failure
                }
                if done { return nil }
                if let chunk = try await base.next() {
                    do {
                        try chunk.withUnsafeReadableBytes { try splitter.feed($0, into: &ready) }
                    } catch {
                        failure = error
                    }
                } else {
                    done = true
                    try splitter.finish()
                }
            }
        }
    }

    /// The same messages, but a message carrying `error` or `errorDetail` throws a
    /// ``DockerError`` of kind `.stream` with the daemon's message instead of being yielded.
    public func throwingOnError() -> DockerCheckedJSONMessages<Base> { DockerCheckedJSONMessages(self) }

    /// The daemon's error message in a JSON message (`error`, or `errorDetail.message`), if any.
    public static func errorMessage(in message: [UInt8]) -> String? { JSONMessageSplitter.errorMessage(in: message) }
}

extension DockerJSONMessages: Sendable where Base: Sendable {}

/// ``DockerJSONMessages`` that throws on the first error message (see ``DockerJSONMessages/throwingOnError()``).
public struct DockerCheckedJSONMessages<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    /// A message's bytes.
    public typealias Element = [UInt8]
    let messages: DockerJSONMessages<Base>
    init(_ messages: DockerJSONMessages<Base>) { self.messages = messages }

    /// Iterates the messages.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: messages.makeAsyncIterator()) }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: DockerJSONMessages<Base>.AsyncIterator
        /// The next message; throws the daemon's error message.
        public mutating func next() async throws -> [UInt8]? {
            guard let m = try await base.next() else { return nil }
            if let error = JSONMessageSplitter.errorMessage(in: m) {
                throw DockerError(kind: .stream, message: error)
            }
            return m
        }
    }
}

extension DockerCheckedJSONMessages: Sendable where Base: Sendable {}

/// The incremental scanner: tracks string/escape state and nesting depth so each byte is
/// looked at once, whatever the chunking.
struct JSONMessageSplitter {
    /// The deepest nesting a message may have (the daemon's are a few levels deep; a
    /// decoder must never recurse as deep as a hostile stream asks).
    static let maxDepth = 512
    let maxMessageBytes: Int
    private var pending: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var inMessage = false

    init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    /// Scans raw bytes: whitespace between messages is skipped, strings are crossed with
    /// `memchr` (so a huge string costs little), nesting is counted outside strings.
    mutating func feed(_ raw: UnsafeRawBufferPointer, into out: inout [[UInt8]]) throws {
        guard let base = raw.baseAddress else { return }
        let n = raw.count
        var runStart = 0
        var i = 0
        while i < n {
            if !inMessage {
                let b = raw[i]
                switch b {
                case 0x20, 0x0a, 0x0d, 0x09:
                    i += 1
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    inMessage = true
                    depth = 1
                    inString = false
                    escaped = false
                    runStart = i
                    i += 1
                    continue
                default:
                    throw DockerError.protocolError("invalid JSON stream: unexpected byte 0x\(String(b, radix: 16)) between messages")
                }
            }
            if inString {
                if escaped {
                    escaped = false
                    i += 1
                    continue
                }
                // Jump to the next quote or backslash.
                let rest = n - i
                let quote = memchr(base + i, Int32(UInt8(ascii: "\"")), rest).map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? n
                let slash = memchr(base + i, Int32(UInt8(ascii: "\\")), quote - i).map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? n
                if slash < quote {
                    escaped = true
                    i = slash + 1
                } else if quote < n {
                    inString = false
                    i = quote + 1
                } else {
                    i = n
                }
                continue
            }
            switch raw[i] {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > JSONMessageSplitter.maxDepth {
                    throw DockerError.protocolError("a JSON message in the stream nests deeper than \(JSONMessageSplitter.maxDepth) levels")
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[runStart...i]))
                    out.append(pending)
                    pending = []
                    inMessage = false
                }
            default: break
            }
            i += 1
        }
        if inMessage {
            if pending.count + (n - runStart) > maxMessageBytes {
                throw DockerError.protocolError("a JSON message in the stream exceeds \(maxMessageBytes) bytes")
            }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[runStart..<n]))
        }
    }

    func finish() throws {
        if inMessage {
            throw DockerError.protocolError("the stream ended inside a JSON message (\(pending.count) bytes)")
        }
    }

    /// `error` or `errorDetail.message` of a message, cheaply: only messages containing
    /// the bytes `"error` are decoded.
    static func errorMessage(in message: [UInt8]) -> String? {
        let needle = Array("\"error".utf8)
        guard message.count >= needle.count else { return nil }
        var found = false
        var i = 0
        while i + needle.count <= message.count {
            if message[i] == needle[0] && Array(message[i..<i + needle.count]) == needle { found = true; break }
            i += 1
        }
        guard found, let json = try? JSONValue.decode(message) else { return nil }
        if let e = json["error"]?.string, !e.isEmpty { return e }
        if let e = json["errorDetail"]?["message"]?.string, !e.isEmpty { return e }
        if json["error"] != nil && json["error"] != .null { return json["error"]!.description }
        return nil
    }
}
