// DockerLines: output chunks split into lines per stream, keeping partial lines across chunks.
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A line of output.
public struct DockerOutputLine: Sendable, Hashable {
    /// The stream it came from.
    public var stream: DockerOutputStream
    /// The line without its `\n` (or `\r\n`).
    public var text: String
    /// A new line.
    public init(stream: DockerOutputStream, text: String) {
        self.stream = stream
        self.text = text
    }
}

/// Lines per stream: a line may span many chunks (its start is kept per stream) and a chunk
/// may hold many lines. A final line without a newline is yielded at the end. A line longer
/// than `maxLineBytes` is yielded in pieces of that size, so memory stays bounded and the
/// work linear however long a line is.
public struct DockerLines<Base: AsyncSequence>: AsyncSequence where Base.Element == DockerOutputChunk {
    /// A line.
    public typealias Element = DockerOutputLine
    /// The default cap on one line (1 MiB).
    public static var defaultMaxLineBytes: Int { 1 << 20 }
    let base: Base
    let maxLineBytes: Int

    /// Lines of `base`.
    public init(_ base: Base, maxLineBytes: Int = 1 << 20) {
        self.base = base
        self.maxLineBytes = Swift.max(1, maxLineBytes)
    }

    /// Iterates the lines.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), maxLineBytes: maxLineBytes) }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let maxLineBytes: Int
        var partial: [DockerOutputStream: [UInt8]] = [:]
        var ready: [DockerOutputLine] = []
        var readyIndex = 0
        var done = false

        init(base: Base.AsyncIterator, maxLineBytes: Int) {
            self.base = base
            self.maxLineBytes = maxLineBytes
        }

        /// The next line, nil at the end.
        public mutating func next() async throws -> DockerOutputLine? {
            while true {
                if readyIndex < ready.count {
                    readyIndex += 1
                    return ready[readyIndex - 1]
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if done { return nil }
                guard let chunk = try await base.next() else {
                    done = true
                    for s in [DockerOutputStream.stdin, .stdout, .stderr] {
                        if let rest = partial[s], !rest.isEmpty { ready.append(DockerOutputLine(stream: s, text: Self.text(rest))) }
                    }
                    partial.removeAll()
                    continue
                }
                split(chunk)
            }
        }

        private mutating func split(_ chunk: DockerOutputChunk) {
            var acc = partial[chunk.stream] ?? []
            partial[chunk.stream] = nil
            let stream = chunk.stream
            let limit = maxLineBytes
            var lines: [DockerOutputLine] = []
            chunk.bytes.withUnsafeReadableBytes { raw in
                guard let base = raw.baseAddress else { return }
                let n = raw.count
                var start = 0
                while start < n {
                    // memchr finds the newline; a line over the limit is cut into pieces.
                    let room = Swift.max(1, limit - acc.count)
                    let window = Swift.min(n - start, room)
                    if let nl = memchr(base + start, 0x0a, window) {
                        let end = nl - UnsafeMutableRawPointer(mutating: base)
                        acc.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                        lines.append(DockerOutputLine(stream: stream, text: Self.text(acc)))
                        acc.removeAll(keepingCapacity: true)
                        start = end + 1
                    } else {
                        acc.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<start + window]))
                        start += window
                        if acc.count >= limit {
                            lines.append(DockerOutputLine(stream: stream, text: String(decoding: acc, as: UTF8.self)))
                            acc.removeAll(keepingCapacity: true)
                        }
                    }
                }
            }
            ready += lines
            if !acc.isEmpty { partial[chunk.stream] = acc }
        }

        private static func text(_ bytes: [UInt8]) -> String {
            if bytes.last == 0x0d { return String(decoding: bytes.dropLast(), as: UTF8.self) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension DockerLines: Sendable where Base: Sendable {}
