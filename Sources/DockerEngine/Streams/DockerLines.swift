// DockerLines: output chunks split into lines per stream, keeping partial lines across chunks.
import NIOCore

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
            let view = chunk.bytes.readableBytesView
            var acc = partial[chunk.stream] ?? []
            partial[chunk.stream] = nil
            var start = view.startIndex
            var i = view.startIndex
            while i < view.endIndex {
                if view[i] == 0x0a {
                    acc.append(contentsOf: view[start..<i])
                    ready.append(DockerOutputLine(stream: chunk.stream, text: Self.text(acc)))
                    acc.removeAll(keepingCapacity: true)
                    start = i + 1
                } else if acc.count + (i - start) + 1 >= maxLineBytes {
                    acc.append(contentsOf: view[start...i])
                    ready.append(DockerOutputLine(stream: chunk.stream, text: String(decoding: acc, as: UTF8.self)))
                    acc.removeAll(keepingCapacity: true)
                    start = i + 1
                }
                i += 1
            }
            acc.append(contentsOf: view[start..<view.endIndex])
            if !acc.isEmpty { partial[chunk.stream] = acc }
        }

        private static func text(_ bytes: [UInt8]) -> String {
            if bytes.last == 0x0d { return String(decoding: bytes.dropLast(), as: UTF8.self) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

extension DockerLines: Sendable where Base: Sendable {}
