// TarReader: parses a tar stream into members; TarExtractor writes them to disk safely.
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
        let maxMemberBytes: Int
        var buffer: [UInt8] = []
        var offset = 0
        var eof = false
        var ended = false

        init(base: Base.AsyncIterator, maxMemberBytes: Int) {
            self.base = base
            self.maxMemberBytes = maxMemberBytes
        }

        private mutating func read(_ n: Int) async throws -> [UInt8]? {
            while buffer.count - offset < n {
                if eof { return nil }
                if let chunk = try await base.next() {
                    if offset > 0 && offset >= buffer.count / 2 {
                        buffer.removeFirst(offset)
                        offset = 0
                    }
                    buffer += chunk.readableBytesView
                } else {
                    eof = true
                }
            }
            let out = Array(buffer[offset..<offset + n])
            offset += n
            return out
        }

        /// The next member, nil at the end of the archive.
        public mutating func next() async throws -> TarMember? {
            if ended { return nil }
            var pax: [String: String] = [:]
            var longName: String? = nil
            var longLink: String? = nil
            while true {
                guard let block = try await read(512) else {
                    ended = true
                    return nil  // archives truncated after a member end are accepted, like Go's reader at EOF
                }
                guard let raw = try TarHeader.decode(block) else {
                    ended = true
                    return nil
                }
                var size = raw.size
                if let s = pax["size"], let v = Int64(s) { size = v }
                guard size >= 0, size <= Int64(maxMemberBytes) else {
                    throw DockerError.archive("tar member \(raw.name) is larger than \(maxMemberBytes) bytes")
                }
                let padded = Int(size) + TarHeader.padding(Int(size))
                guard let body = try await read(padded) else {
                    throw DockerError.archive("the archive ends inside member \(raw.name)")
                }
                let data = Array(body.prefix(Int(size)))
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
                var name = pax["path"] ?? longName ?? raw.name
                let link = pax["linkpath"] ?? longLink ?? raw.linkname
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
        }
    }
}

extension TarReader: Sendable where Base: Sendable {}

/// Extracts archives into a directory, refusing anything that would land outside it:
/// absolute paths, `..` components, symlinks (or hard links) pointing outside, and writes
/// through a symlink already in place. Errors name the offending member.
public enum TarExtractor {
    /// Extracts every member of `archive` under `destination` (created if missing).
    /// Returns the extracted paths.
    @discardableResult
    public static func extract<S: AsyncSequence>(_ archive: S, to destination: String) async throws -> [String] where S.Element == ByteBuffer {
        mkdirs(destination)
        var written: [String] = []
        for try await member in TarReader(archive) {
            let rel = try safeRelativePath(member.entry.path)
            if rel == "." { continue }
            try ensureNoSymlinkInParents(rel, under: destination)
            let full = FileSystem.join(destination, rel)
            switch member.entry.kind {
            case .directory:
                var st = stat()
                if lstat(full, &st) == 0 && (st.st_mode & S_IFMT) != S_IFDIR {
                    throw DockerError.archive("unsafe archive: \(member.entry.path) would replace a non-directory")
                }
                if mkdir(full, mode_t(member.entry.mode & 0o7777 | 0o700)) != 0 && errno != EEXIST {
                    throw DockerError.archive("cannot create \(full): \(String(cString: strerror(errno)))")
                }
            case .file:
                unlink(full)
                let fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(member.entry.mode & 0o7777))
                guard fd >= 0 else { throw DockerError.archive("cannot create \(full): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                var off = 0
                while off < member.data.count {
                    let n = member.data[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    if n <= 0 { throw DockerError.archive("cannot write \(full)") }
                    off += n
                }
            case .symlink(let target):
                try checkLinkTarget(target, of: rel, member: member.entry.path, symbolic: true)
                unlink(full)
                guard symlink(target, full) == 0 else { throw DockerError.archive("cannot create symlink \(full)") }
            case .hardlink(let target):
                let t = try checkLinkTarget(target, of: rel, member: member.entry.path, symbolic: false)
                try ensureNoSymlinkInParents(t, under: destination)
                unlink(full)
                guard link(FileSystem.join(destination, t), full) == 0 else { throw DockerError.archive("cannot create hard link \(full)") }
            case .other:
                continue  // devices and FIFOs are not extracted
            }
            written.append(rel)
        }
        return written
    }

    /// The cleaned relative path, or an error for absolute paths and `..` traversal.
    public static func safeRelativePath(_ path: String) throws -> String {
        if path.hasPrefix("/") { throw DockerError.archive("unsafe archive: absolute path \(path)") }
        if path.split(separator: "/").contains("..") { throw DockerError.archive("unsafe archive: path traversal in \(path)") }
        return GoPath.clean(path)
    }

    /// Checks that a link stays inside the destination; returns the hard link's target path.
    @discardableResult
    static func checkLinkTarget(_ target: String, of rel: String, member: String, symbolic: Bool) throws -> String {
        if target.hasPrefix("/") { throw DockerError.archive("unsafe archive: \(member) links to the absolute path \(target)") }
        let resolved = symbolic ? GoPath.clean(GoPath.dir(rel) + "/" + target) : GoPath.clean(target)
        if resolved == ".." || resolved.hasPrefix("../") {
            throw DockerError.archive("unsafe archive: \(member) links outside the destination (\(target))")
        }
        return resolved
    }

    /// Refuses to write beneath a symlink, and creates missing parent directories.
    static func ensureNoSymlinkInParents(_ rel: String, under destination: String) throws {
        let parts = rel.split(separator: "/").dropLast()
        var current = destination
        for part in parts {
            current = FileSystem.join(current, String(part))
            var st = stat()
            if lstat(current, &st) == 0 {
                if (st.st_mode & S_IFMT) == S_IFLNK {
                    throw DockerError.archive("unsafe archive: \(rel) would be written through the symlink \(current)")
                }
            } else {
                mkdir(current, 0o755)
            }
        }
    }

    static func mkdirs(_ path: String) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            mkdir(current, 0o755)
        }
    }
}
