// TarReader: parses a tar stream into members (TarExtractor.swift writes them to disk).
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A member of an archive with its data.
public struct TarMember: Sendable, Hashable {
    /// The member's metadata (PAX path/linkpath/size applied).
    public var entry: TarEntry
    /// The data of a regular file.
    public var data: [UInt8]
    /// The data as UTF-8 text.
    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// Parses tar bytes fed in pieces (ustar, PAX, GNU long names), synchronously: the
/// engine of ``TarReader`` and of callers that pull bytes themselves (dsh's `untar`).
/// Holds one member's data at a time, at most `maxMemberBytes` of it.
public struct TarParser: Sendable {
    let maxMemberBytes: Int
    var buffer: [UInt8] = []
    var offset = 0
    var pax: [String: String] = [:]
    var longName: String? = nil
    var longLink: String? = nil
    /// Whether the archive's end (a zero block) was read.
    public private(set) var ended = false
    /// Whether a regular file's data is handed out piece by piece (``nextData()``) rather
    /// than held whole in the member: memory stays bounded whatever the file's size.
    let streamsFileData: Bool
    /// Data bytes of the streamed member not yet handed out, then its padding.
    var dataRemaining: Int64 = 0
    var paddingRemaining = 0

    /// A parser; members larger than `maxMemberBytes` are refused (regular files are not
    /// limited when `streamsFileData`).
    public init(maxMemberBytes: Int = 1 << 30, streamsFileData: Bool = false) {
        self.maxMemberBytes = maxMemberBytes
        self.streamsFileData = streamsFileData
    }

    /// A piece of a streamed file's data.
    public enum DataPiece: Sendable, Equatable {
        /// The next bytes.
        case bytes([UInt8])
        /// Append more of the archive first.
        case needMore
        /// The member's data is over.
        case end
    }

    /// The next piece of the current streamed file's data (``next()`` skips what is
    /// left unread).
    public mutating func nextData() -> DataPiece {
        if dataRemaining > 0 {
            let n = Int(Swift.min(Int64(buffer.count - offset), dataRemaining, 256 * 1024))
            if n == 0 { return .needMore }
            let out = Array(buffer[offset..<offset + n])
            offset += n
            dataRemaining -= Int64(n)
            return .bytes(out)
        }
        return skipPadding() ? .end : .needMore
    }

    /// Consumes the streamed member's padding; false when more bytes are needed.
    private mutating func skipPadding() -> Bool {
        let n = Swift.min(buffer.count - offset, paddingRemaining)
        offset += n
        paddingRemaining -= n
        return paddingRemaining == 0
    }

    /// Adds the next bytes of the archive.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if offset > 0 && offset >= buffer.count / 2 {
            buffer.removeFirst(offset)
            offset = 0
        }
        buffer += bytes
    }

    /// The next whole member, or nil when more bytes are needed or the archive ended
    /// (``ended``).
    public mutating func next() throws -> TarMember? {
        while dataRemaining > 0 {
            let n = Int(Swift.min(Int64(buffer.count - offset), dataRemaining))
            if n == 0 { return nil }
            offset += n
            dataRemaining -= Int64(n)
        }
        if !skipPadding() { return nil }
        while !ended {
            guard buffer.count - offset >= 512 else { return nil }
            let block = Array(buffer[offset..<offset + 512])
            guard let raw = try TarHeader.decode(block) else {
                ended = true
                return nil
            }
            var size = raw.size
            if let s = pax["size"], let v = Int64(s) { size = v }
            let isFile = raw.typeflag == UInt8(ascii: "0") || raw.typeflag == 0 || raw.typeflag == UInt8(ascii: "7")
            if streamsFileData && isFile && size >= 0 {
                // The header now, the data through nextData().
                offset += 512
                dataRemaining = size
                paddingRemaining = TarHeader.padding(Int(size % 512))
                return member(raw, size: size, data: [])
            }
            guard size >= 0, size <= Int64(maxMemberBytes) else {
                throw DockerError.archive("tar member \(raw.name) is larger than \(maxMemberBytes) bytes")
            }
            let padded = Int(size) + TarHeader.padding(Int(size))
            guard buffer.count - offset - 512 >= padded else { return nil }
            let data = Array(buffer[(offset + 512)..<(offset + 512 + Int(size))])
            offset += 512 + padded
            switch raw.typeflag {
            case UInt8(ascii: "x"):
                pax.merge(try TarHeader.parsePAX(data)) { _, new in new }
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                longName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "K"):
                longLink = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            default:
                break
            }
            return member(raw, size: size, data: data)
        }
        return nil
    }

    /// The member for a header, with the pending long names and PAX records applied.
    private mutating func member(_ raw: TarHeader.Raw, size: Int64, data: [UInt8]) -> TarMember {
        var name = pax["path"] ?? longName ?? raw.name
        let link = pax["linkpath"] ?? longLink ?? raw.linkname
        pax = [:]
        longName = nil
        longLink = nil
        let kind: TarEntry.Kind
        switch raw.typeflag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): kind = .file
        case UInt8(ascii: "5"): kind = .directory
        case UInt8(ascii: "2"): kind = .symlink(target: link)
        case UInt8(ascii: "1"): kind = .hardlink(target: link)
        default: kind = .other(typeflag: raw.typeflag)
        }
        while name.hasSuffix("/") && name.count > 1 { name.removeLast() }
        let entry = TarEntry(path: name, kind: kind, mode: raw.mode & 0o7777, size: size, mtime: raw.mtime, uid: raw.uid, gid: raw.gid)
        return TarMember(entry: entry, data: kind == .file ? data : [])
    }

    /// Checks the end of the input: an archive cut inside a member is an error (one cut
    /// after a member's end is accepted, like Go's reader at EOF).
    public func finish() throws {
        if ended { return }
        if dataRemaining > 0 { throw DockerError.archive("the archive ends inside a member's data") }
        if buffer.count - offset < 512 {
            if buffer[offset...].contains(where: { $0 != 0 }) { throw DockerError.archive("the archive ends inside a header (not a tar archive?)") }
            return
        }
        let block = Array(buffer[offset..<offset + 512])
        guard let raw = try TarHeader.decode(block) else { return }
        throw DockerError.archive("the archive ends inside member \(raw.name)")
    }
}

/// Reads members from a stream of tar chunks (ustar, PAX, GNU long names), holding one
/// member's data at a time, at most `maxMemberBytes` of it.
public struct TarReader<Base: AsyncSequence>: AsyncSequence where Base.Element == ByteBuffer {
    /// A member.
    public typealias Element = TarMember
    let base: Base
    let maxMemberBytes: Int

    /// A reader over `base`.
    public init(_ base: Base, maxMemberBytes: Int = 1 << 30) {
        self.base = base
        self.maxMemberBytes = maxMemberBytes
    }

    /// Iterates the members.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), maxMemberBytes: maxMemberBytes) }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var parser: TarParser
        var eof = false

        init(base: Base.AsyncIterator, maxMemberBytes: Int) {
            self.base = base
            self.parser = TarParser(maxMemberBytes: maxMemberBytes)
        }

        /// The next member, nil at the end of the archive.
        public mutating func next() async throws -> TarMember? {
            while true {
                if let member = try parser.next() { return member }
                if parser.ended { return nil }
                if eof {
                    try parser.finish()
                    return nil
                }
                if let chunk = try await base.next() {
                    parser.append(chunk.readableBytesView)
                } else {
                    eof = true
                }
            }
        }
    }
}

extension TarReader: Sendable where Base: Sendable {}
