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
        var splitter: DockerLineSplitter
        var ready: [DockerOutputLine] = []
        var readyIndex = 0
        var done = false
        /// The error that ended the output, thrown after the lines that arrived before it.
        var failure: (any Error)?

        init(base: Base.AsyncIterator, maxLineBytes: Int) {
            self.base = base
            self.splitter = DockerLineSplitter(maxLineBytes: maxLineBytes)
        }

        /// The next line, nil at the end; an error that ended the output comes after the
        /// lines before it (an unfinished last line included).
        public mutating func next() async throws -> DockerOutputLine? {
            while true {
                if readyIndex < ready.count {
                    readyIndex += 1
                    return ready[readyIndex - 1]
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if let failure {
                    self.failure = nil
                    throw failure
                }
                if done { return nil }
                let chunk: DockerOutputChunk?
                do {
                    chunk = try await base.next()
                } catch {
                    done = true
                    failure = error
                    splitter.finish(into: &ready)
                    continue
                }
                guard let chunk else {
                    done = true
                    splitter.finish(into: &ready)
                    continue
                }
                splitter.split(chunk, into: &ready)
            }
        }
    }
}

extension DockerLines where Base == DockerFrames<DockerByteStream> {
    /// The same lines, a whole read's worth at a time, decoded without an `await` per
    /// line (see ``DockerLineBatches``).
    public func batches() -> DockerLineBatches {
        DockerLineBatches(base.base, multiplexed: base.multiplexed, maxLineBytes: maxLineBytes)
    }
}

/// The synchronous line splitter behind ``DockerLines``: keeps each stream's partial line
/// across chunks, cuts lines longer than `maxLineBytes` into pieces of that size.
public struct DockerLineSplitter: Sendable {
    private let maxLineBytes: Int
    // The partial line of each stream (stdin, stdout, stderr).
    private var partialIn: [UInt8] = []
    private var partialOut: [UInt8] = []
    private var partialErr: [UInt8] = []

    /// A splitter cutting lines at `maxLineBytes`.
    public init(maxLineBytes: Int = 1 << 20) {
        self.maxLineBytes = Swift.max(1, maxLineBytes)
    }

    /// Appends the lines `chunk` completes to `lines`; keeps its unfinished last line.
    public mutating func split(_ chunk: DockerOutputChunk, into lines: inout [DockerOutputLine]) {
        switch chunk.stream {
        case .stdin: Self.split(chunk, &partialIn, maxLineBytes, &lines)
        case .stdout: Self.split(chunk, &partialOut, maxLineBytes, &lines)
        case .stderr: Self.split(chunk, &partialErr, maxLineBytes, &lines)
        }
    }

    /// The body ended: appends each stream's final line without a newline.
    public mutating func finish(into lines: inout [DockerOutputLine]) {
        if !partialIn.isEmpty { lines.append(DockerOutputLine(stream: .stdin, text: Self.text(partialIn))) }
        if !partialOut.isEmpty { lines.append(DockerOutputLine(stream: .stdout, text: Self.text(partialOut))) }
        if !partialErr.isEmpty { lines.append(DockerOutputLine(stream: .stderr, text: Self.text(partialErr))) }
        partialIn = []
        partialOut = []
        partialErr = []
    }

    private static func split(_ chunk: DockerOutputChunk, _ acc: inout [UInt8], _ limit: Int, _ lines: inout [DockerOutputLine]) {
        let stream = chunk.stream
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
                    if acc.isEmpty {
                        // The whole line is in this chunk: decode it in place.
                        lines.append(DockerOutputLine(stream: stream, text: text(UnsafeRawBufferPointer(rebasing: raw[start..<end]))))
                    } else {
                        acc.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                        lines.append(DockerOutputLine(stream: stream, text: text(acc)))
                        acc.removeAll(keepingCapacity: true)
                    }
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
    }

    private static func text<C: Collection>(_ bytes: C) -> String where C.Element == UInt8, C: BidirectionalCollection {
        if bytes.last == 0x0d { return String(decoding: bytes.dropLast(), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The lines of a logs or attach body, a whole read's worth at a time: the frames are
/// decoded and the lines split synchronously over each chunk the connection delivers, so
/// a consumer pays one `await` per read (up to 64 KiB) instead of one per line. Same
/// lines, same order and same errors as ``DockerLines`` over ``DockerFrames`` (an error
/// comes after the lines before it). Supports a single iterator.
public struct DockerLineBatches: AsyncSequence, Sendable {
    /// The lines of one read (never empty).
    public typealias Element = [DockerOutputLine]
    let base: DockerByteStream
    let multiplexed: Bool
    let maxLineBytes: Int

    /// Batches of the lines of `base`.
    public init(_ base: DockerByteStream, multiplexed: Bool, maxLineBytes: Int = 1 << 20) {
        self.base = base
        self.multiplexed = multiplexed
        self.maxLineBytes = maxLineBytes
    }

    /// Iterates the batches.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), frames: DockerFrameDecoder(multiplexed: multiplexed), lines: DockerLineSplitter(maxLineBytes: maxLineBytes))
    }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: DockerByteStream.AsyncIterator
        var frames: DockerFrameDecoder
        var lines: DockerLineSplitter
        var failure: (any Error)?
        var done = false

        /// The next non-empty batch, nil at the end.
        public mutating func next() async throws -> [DockerOutputLine]? {
            while true {
                if let failure {
                    // An unfinished last line goes before the error.
                    done = true
                    var rest: [DockerOutputLine] = []
                    lines.finish(into: &rest)
                    if !rest.isEmpty { return rest }
                    self.failure = nil
                    throw failure
                }
                if done { return nil }
                var out: [DockerOutputLine] = []
                let next: ByteBuffer?
                do {
                    next = try await base.next()
                } catch {
                    done = true
                    lines.finish(into: &out)
                    if out.isEmpty { throw error }
                    failure = error
                    return out
                }
                guard var chunk = next else {
                    done = true
                    // What arrived is delivered, then the error of a body cut inside a frame.
                    lines.finish(into: &out)
                    do { try frames.finish() } catch {
                        if out.isEmpty { throw error }
                        failure = error
                    }
                    return out.isEmpty ? nil : out
                }
                // Decode into a local (swapped out, so its arrays stay uniquely referenced).
                var splitter = DockerLineSplitter(maxLineBytes: 1)
                swap(&splitter, &lines)
                do {
                    try frames.decode(&chunk) { splitter.split($0, into: &out) }
                } catch {
                    failure = error
                }
                lines = splitter
                if !out.isEmpty { return out }
            }
        }
    }
}

extension DockerLines: Sendable where Base: Sendable {}
