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
        let multiplexed: Bool
        var current: ByteBuffer? = nil
        var header: [UInt8] = []
        var stream: DockerOutputStream = .stdout
        var remaining = 0
        var systemError: [UInt8]? = nil
        var done = false

        init(base: Base.AsyncIterator, multiplexed: Bool) {
            self.base = base
            self.multiplexed = multiplexed
            header.reserveCapacity(8)
        }

        /// The next chunk, nil at the end; throws on a system-error frame or a truncated frame.
        public mutating func next() async throws -> DockerOutputChunk? {
            while true {
                if var buffer = current, buffer.readableBytes > 0 {
                    if !multiplexed {
                        current = nil
                        return DockerOutputChunk(stream: .stdout, bytes: buffer)
                    }
                    if remaining == 0 {
                        // Collect the 8-byte header, possibly across reads.
                        let need = 8 - header.count
                        let take = Swift.min(need, buffer.readableBytes)
                        header.append(contentsOf: buffer.readBytes(length: take)!)
                        current = buffer
                        if header.count < 8 { continue }
                        let size = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
                        switch header[0] {
                        case 0: stream = .stdin
                        case 1: stream = .stdout
                        case 2: stream = .stderr
                        case 3: systemError = []
                        default:
                            throw DockerError.protocolError("invalid stream frame header (type \(header[0])): the body is not multiplexed")
                        }
                        guard header[1] == 0, header[2] == 0, header[3] == 0 else {
                            throw DockerError.protocolError("invalid stream frame header: the body is not multiplexed")
                        }
                        header.removeAll(keepingCapacity: true)
                        remaining = size
                        if size == 0 {
                            if let e = systemError { throw DockerError(kind: .systemError, message: String(decoding: e, as: UTF8.self)) }
                        }
                        continue
                    }
                    let take = Swift.min(remaining, buffer.readableBytes)
                    let slice = buffer.readSlice(length: take)!
                    current = buffer
                    remaining -= take
                    if systemError != nil {
                        if systemError!.count < 65536 { systemError!.append(contentsOf: slice.readableBytesView.prefix(65536 - systemError!.count)) }
                        if remaining == 0 {
                            throw DockerError(kind: .systemError, message: String(decoding: systemError!, as: UTF8.self))
                        }
                        continue
                    }
                    return DockerOutputChunk(stream: stream, bytes: slice)
                }
                if done { return nil }
                if let chunk = try await base.next() {
                    current = chunk
                } else {
                    done = true
                    current = nil
                    if multiplexed && (remaining > 0 || !header.isEmpty) {
                        throw DockerError.protocolError("the stream ended inside a frame (\(remaining > 0 ? "\(remaining) payload bytes" : "\(header.count) of 8 header bytes") missing)")
                    }
                    return nil
                }
            }
        }
    }
}

extension DockerFrames: Sendable where Base: Sendable {}
