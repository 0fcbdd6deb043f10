// DockerFrames: demultiplexes stdout/stderr frames (8-byte headers) of logs, attach and exec.
import NIOCore

/// Which stream a piece of output came from.
public enum DockerOutputStream: String, Sendable, Hashable {
    /// Standard input echoed back (frame type 0, rare).
    case stdin
    /// Standard output (frame type 1, and all output of a TTY).
    case stdout
    /// Standard error (frame type 2).
    case stderr
}

/// A piece of output of one stream.
public struct DockerOutputChunk: Sendable, Hashable {
    /// The stream it belongs to.
    public var stream: DockerOutputStream
    /// The bytes.
    public var bytes: ByteBuffer
    /// The bytes as an array.
    public var array: [UInt8] { Array(bytes.readableBytesView) }
    /// A new chunk.
    public init(stream: DockerOutputStream, bytes: ByteBuffer) {
        self.stream = stream
        self.bytes = bytes
    }
}

/// Output chunks of a multiplexed or raw body. Multiplexed frames are
/// `[type, 0, 0, 0, size (4 bytes, big-endian)]` + payload; a frame may span reads and a
/// read may hold many frames. Payloads are passed on as they arrive (a huge frame is never
/// buffered whole). Type 3 is a system error and throws. A raw body is all stdout.
public struct DockerFrames<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    /// A chunk of one stream.
    public typealias Element = DockerOutputChunk
    let base: Base
    let multiplexed: Bool

    /// Chunks of `base`; `multiplexed` says whether it carries frame headers.
    public init(_ base: Base, multiplexed: Bool) {
        self.base = base
        self.multiplexed = multiplexed
    }

    /// Whether a body is multiplexed. `application/vnd.docker.multiplexed-stream` says yes;
    /// `application/vnd.docker.raw-stream` says no only from API 1.42 on (older daemons
    /// label multiplexed bodies raw); otherwise it is multiplexed unless the container has a TTY.
    public static func isMultiplexed(contentType: String?, apiVersion: APIVersion, tty: Bool) -> Bool {
        let ct = (contentType ?? "").lowercased()
        if ct.hasPrefix("application/vnd.docker.multiplexed-stream") { return true }
        if ct.hasPrefix("application/vnd.docker.raw-stream"), apiVersion >= APIVersion(major: 1, minor: 42) { return false }
        return !tty
    }

    /// Iterates the chunks.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), multiplexed: multiplexed) }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var decoder: DockerFrameDecoder
        /// Pieces decoded from the last read, handed out one by one.
        var ready: [DockerOutputChunk] = []
        var readyIndex = 0
        /// An error met in the last read, thrown after the pieces before it.
        var failure: (any Error)?
        var done = false

        init(base: Base.AsyncIterator, multiplexed: Bool) {
            self.base = base
            self.decoder = DockerFrameDecoder(multiplexed: multiplexed)
        }

        /// The next chunk, nil at the end; throws on a system-error frame or a truncated frame.
        public mutating func next() async throws -> DockerOutputChunk? {
            while true {
                if readyIndex < ready.count {
                    readyIndex += 1
                    return ready[readyIndex - 1]
                }
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
                if let failure {
                    self.failure = nil
                    done = true
                    throw failure
                }
                if done { return nil }
                guard var chunk = try await base.next() else {
                    done = true
                    try decoder.finish()
                    return nil
                }
                var pieces = ready
                ready = []
                do {
                    try decoder.decode(&chunk) { pieces.append($0) }
                } catch {
                    failure = error
                }
                ready = pieces
            }
        }
    }
}

/// The synchronous decoder behind ``DockerFrames``: fed the body's bytes as they arrive,
/// it calls back with each payload piece. Not generic, so a caller that decodes whole
/// reads at once (``DockerLineBatches``) runs it without any per-piece `await`.
public struct DockerFrameDecoder: Sendable {
    /// Whether the body carries frame headers (else it is all stdout).
    public let multiplexed: Bool
    private var header: UInt64 = 0
    private var headerCount = 0
    private var stream: DockerOutputStream = .stdout
    private var remaining = 0
    private var systemError: [UInt8]? = nil

    /// A decoder for a multiplexed or raw body.
    public init(multiplexed: Bool) {
        self.multiplexed = multiplexed
    }

    /// Decodes all of `buffer`, calling `emit` with each payload piece in order. Throws on
    /// a system-error frame (type 3) or an invalid header, after emitting the pieces before it.
    public mutating func decode(_ buffer: inout ByteBuffer, _ emit: (DockerOutputChunk) throws -> Void) throws {
        if !multiplexed {
            if buffer.readableBytes > 0 { try emit(DockerOutputChunk(stream: .stdout, bytes: buffer)) }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return
        }
        while buffer.readableBytes > 0 {
            if remaining == 0 {
                // Collect the 8-byte header, possibly across reads.
                if headerCount == 0, buffer.readableBytes >= 8, let whole = buffer.readInteger(as: UInt64.self) {
                    header = whole
                    headerCount = 8
                } else {
                    while headerCount < 8, let byte = buffer.readInteger(as: UInt8.self) {
                        header = header << 8 | UInt64(byte)
                        headerCount += 1
                    }
                    if headerCount < 8 { return }
                }
                try startFrame()
                continue
            }
            let take = Swift.min(remaining, buffer.readableBytes)
            let slice = buffer.readSlice(length: take)!
            remaining -= take
            if systemError != nil {
                if systemError!.count < 65536 { systemError!.append(contentsOf: slice.readableBytesView.prefix(65536 - systemError!.count)) }
                if remaining == 0 {
                    throw DockerError(kind: .systemError, message: String(decoding: systemError!, as: UTF8.self))
                }
                continue
            }
            try emit(DockerOutputChunk(stream: stream, bytes: slice))
        }
    }

    /// A whole header is in `header`: start its frame.
    private mutating func startFrame() throws {
        let type = UInt8(truncatingIfNeeded: header >> 56)
        let size = Int(UInt32(truncatingIfNeeded: header))
        let padding = (header >> 32) & 0xFF_FFFF
        header = 0
        headerCount = 0
        switch type {
        case 0: stream = .stdin
        case 1: stream = .stdout
        case 2: stream = .stderr
        case 3: systemError = []
        default:
            throw DockerError.protocolError("invalid stream frame header (type \(type)): the body is not multiplexed")
        }
        guard padding == 0 else {
            throw DockerError.protocolError("invalid stream frame header: the body is not multiplexed")
        }
        remaining = size
        if size == 0, let e = systemError {
            throw DockerError(kind: .systemError, message: String(decoding: e, as: UTF8.self))
        }
    }

    /// The body ended: throws when it ended inside a frame.
    public func finish() throws {
        if multiplexed && (remaining > 0 || headerCount > 0) {
            throw DockerError.protocolError("the stream ended inside a frame (\(remaining > 0 ? "\(remaining) payload bytes" : "\(headerCount) of 8 header bytes") missing)")
        }
    }
}

extension DockerFrames: Sendable where Base: Sendable {}
