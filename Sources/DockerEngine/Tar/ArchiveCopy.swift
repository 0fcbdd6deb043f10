// ArchiveCopy: `docker cp`'s path rules (moby's pkg/archive/copy.go and the CLI's
// cp.go): trailing `/` and `/.`, where an archive is extracted and how its members are
// renamed, the host side's source and destination checks, and the container path stat.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The rules `docker cp` follows, for both directions.
public enum ArchiveCopy {
    /// What is known of one side of a copy (moby's `CopyInfo`).
    public struct Info: Sendable, Hashable {
        /// The path (keeping a trailing `/` or `/.` where the user wrote one).
        public var path: String
        /// Whether it exists.
        public var exists: Bool
        /// Whether it is a directory.
        public var isDir: Bool
        /// The name the source's entries take instead of its base name (when a symlink
        /// was followed or a trailing `/` named a link).
        public var rebaseName: String?

        /// An info.
        public init(path: String, exists: Bool = false, isDir: Bool = false, rebaseName: String? = nil) {
            self.path = path
            self.exists = exists
            self.isDir = isDir
            self.rebaseName = rebaseName
        }
    }

    /// Where to extract a copy and how to rename its members.
    public struct Plan: Sendable, Hashable {
        /// The directory the archive is extracted into.
        public var directory: String
        /// The base name of the source's entries in the archive.
        public var sourceBase: String
        /// The name they take at the destination (nil: unchanged).
        public var destinationBase: String?
    }

    /// moby's `PrepareArchiveCopy`: into the destination when it is an existing directory,
    /// else into its parent with the source renamed to the destination's base name.
    public static func plan(source: Info, destination: Info) throws -> Plan {
        let (dstDir, dstBase) = splitPathDirEntry(destination.path)
        var srcBase = splitPathDirEntry(source.path).base
        if let r = source.rebaseName, !r.isEmpty { srcBase = r }
        if destination.exists && destination.isDir {
            return Plan(directory: destination.path, sourceBase: srcBase, destinationBase: nil)
        }
        if destination.exists && source.isDir {
            throw DockerError.archive("cannot copy a directory to the file \(destination.path)")
        }
        if !destination.exists && !source.isDir && assertsDirectory(destination.path) {
            throw DockerError.archive("no such directory: \(destination.path) (a path ending in / must be an existing directory)")
        }
        return Plan(directory: dstDir, sourceBase: srcBase, destinationBase: dstBase)
    }

    /// `filepath.Base`.
    public static func base(_ path: String) -> String {
        if path.isEmpty { return "." }
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        if p == "/" { return "/" }
        if let slash = p.lastIndex(of: "/") { return String(p[p.index(after: slash)...]) }
        return String(p)
    }

    /// Whether the path ends in `/`.
    public static func hasTrailingSeparator(_ path: String) -> Bool { path.hasSuffix("/") }

    /// Whether the path's last element is `.`.
    public static func specifiesCurrentDir(_ path: String) -> Bool { base(path) == "." }

    /// Whether the path says it is a directory (`dir/` or `dir/.`).
    public static func assertsDirectory(_ path: String) -> Bool { hasTrailingSeparator(path) || specifiesCurrentDir(path) }

    /// moby's `SplitPathDirEntry`: the parent and the last element, keeping a final `.`.
    public static func splitPathDirEntry(_ path: String) -> (dir: String, base: String) {
        var cleaned = GoPath.clean(path)
        if specifiesCurrentDir(path) { cleaned += "/." }
        return (GoPath.dir(cleaned), base(cleaned))
    }

    /// moby's `PreserveTrailingDotOrSeparator`: `cleaned` with the `/.` or `/` that
    /// `original` ended with.
    public static func preserveTrailingDotOrSeparator(_ cleaned: String, _ original: String) -> String {
        var out = cleaned
        if !specifiesCurrentDir(out) && specifiesCurrentDir(original) {
            if !hasTrailingSeparator(out) { out += "/" }
            out += "."
        }
        if !hasTrailingSeparator(out) && hasTrailingSeparator(original) { out += "/" }
        return out
    }

    /// The CLI's `resolveLocalPath`: absolute (against the working directory), cleaned,
    /// keeping a trailing `/` or `/.`.
    public static func absoluteLocalPath(_ path: String) -> String {
        var abs = path
        if !abs.hasPrefix("/") {
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd = getcwd(&buf, buf.count).map { _ in String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) } ?? "/"
            abs = cwd + "/" + path
        }
        return preserveTrailingDotOrSeparator(GoPath.clean(abs), path)
    }

    /// The CLI's `ValidateOutputPath` for a host destination: its parent directory must
    /// exist, and an existing path must be a directory or a regular file.
    public static func validateHostOutput(_ path: String) throws {
        let dir = GoPath.dir(GoPath.clean(path))
        var st = stat()
        if dir != "." && stat(dir, &st) != 0 {
            throw DockerError.archive("invalid output path: directory \"\(dir)\" does not exist")
        }
        if stat(path, &st) == 0 {
            let type = st.st_mode & S_IFMT
            if type != S_IFDIR && type != S_IFREG {
                throw DockerError.archive("invalid output path: \"\(path)\" must be a directory or a regular file")
            }
        }
    }

    /// moby's `CopyInfoDestinationPath` on the host: follows a symlink at the path (up to
    /// 10); a path that does not exist needs an existing parent directory.
    public static func hostDestination(_ path: String) throws -> Info {
        var current = path
        var st = stat()
        var found = lstat(current, &st) == 0
        var hops = 0
        while found && (st.st_mode & S_IFMT) == S_IFLNK {
            hops += 1
            if hops > 10 { throw DockerError.archive("too many symlinks in \(path)") }
            guard let target = TarExtractor.readLink(current) else { throw DockerError.archive("cannot read the link \(current)") }
            current = target.hasPrefix("/") ? target : GoPath.clean(splitPathDirEntry(current).dir + "/" + target)
            found = lstat(current, &st) == 0
        }
        if found { return Info(path: current, exists: true, isDir: (st.st_mode & S_IFMT) == S_IFDIR) }
        if errno != ENOENT { throw DockerError.archive("cannot stat \(current): \(String(cString: strerror(errno)))") }
        let parent = splitPathDirEntry(current).dir
        guard stat(parent, &st) == 0 else { throw DockerError.archive("no such directory: \(parent)") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw DockerError.archive("not a directory: \(parent)") }
        return Info(path: current)
    }

    /// moby's `CopyInfoSourcePath` on the host: the parent's symlinks resolved (and the
    /// path's own with `followLink`), then lstat.
    public static func hostSource(_ path: String, followLink: Bool) throws -> Info {
        var resolved: String
        var rebaseName: String? = nil
        if followLink {
            guard let real = realPath(path) else { throw DockerError.archive("no such file or directory: \(path)") }
            resolved = real
            if specifiesCurrentDir(path) && !specifiesCurrentDir(resolved) { resolved += "/." }
            if hasTrailingSeparator(path) && !hasTrailingSeparator(resolved) { resolved += "/" }
            if base(path) != base(resolved) { rebaseName = base(path) }
        } else {
            let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
            let dirPart = String(path[..<slash])
            let basePart = String(path[slash...])
            guard let realDir = realPath(dirPart.isEmpty ? "." : dirPart) else { throw DockerError.archive("no such file or directory: \(path)") }
            resolved = (realDir == "/" ? "" : realDir) + "/" + basePart
            if hasTrailingSeparator(path) && base(path) != base(resolved) { rebaseName = base(path) }
        }
        var st = stat()
        guard lstat(resolved, &st) == 0 else { throw DockerError.archive("no such file or directory: \(path)") }
        return Info(path: resolved, exists: true, isDir: (st.st_mode & S_IFMT) == S_IFDIR, rebaseName: rebaseName)
    }

    /// The source archive of a host path: the file, symlink (not followed) or directory
    /// (walked, itself included) named `name` in the archive, as moby's `TarResource`
    /// makes it (directories in lexical order, hard links detected, uid/gid 0).
    public static func hostArchive(_ info: Info, name: String) -> TarStream {
        let (dir, base) = splitPathDirEntry(info.path)
        return TarStream { try DirectoryTarProducer(root: dir, only: base, as: name) }
    }

    /// `realpath(3)`, nil when the path does not resolve.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// A container path's stat as the daemon sends it in `X-Docker-Container-Path-Stat`
    /// (`mode` is Go's `os.FileMode`).
    public struct PathStat: Sendable, Hashable {
        /// The base name.
        public var name: String
        /// The size in bytes.
        public var size: Int64
        /// Go's `os.FileMode` bits.
        public var goMode: UInt32
        /// The modification time, RFC 3339.
        public var mtime: String
        /// The target of a symlink ("" otherwise).
        public var linkTarget: String

        /// Whether it is a directory.
        public var isDir: Bool { goMode & (1 << 31) != 0 }
        /// Whether it is a symlink.
        public var isSymlink: Bool { goMode & (1 << 27) != 0 }
        /// Whether it is a regular file.
        public var isRegular: Bool { goMode & typeBits == 0 }

        private var typeBits: UInt32 { (1 << 31) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19) }

        /// `file`, `directory`, `symlink`, `char-device`, `device`, `fifo`, `socket` or `other`.
        public var type: String {
            if isDir { return "directory" }
            if isSymlink { return "symlink" }
            if goMode & (1 << 26) != 0 { return goMode & (1 << 21) != 0 ? "char-device" : "device" }
            if goMode & (1 << 25) != 0 { return "fifo" }
            if goMode & (1 << 24) != 0 { return "socket" }
            if isRegular { return "file" }
            return "other"
        }

        /// The mode as `stat(2)` gives it: file type bits, setuid/setgid/sticky and the
        /// permission bits (`0o100644`, `0o40755`).
        public var unixMode: UInt32 {
            var m = goMode & 0o777
            if goMode & (1 << 23) != 0 { m |= 0o4000 }
            if goMode & (1 << 22) != 0 { m |= 0o2000 }
            if goMode & (1 << 20) != 0 { m |= 0o1000 }
            switch type {
            case "directory": m |= 0o040000
            case "symlink": m |= 0o120000
            case "char-device": m |= 0o020000
            case "device": m |= 0o060000
            case "fifo": m |= 0o010000
            case "socket": m |= 0o140000
            default: m |= 0o100000
            }
            return m
        }

        /// Decodes the header's value (base64 of JSON); nil when malformed.
        public init?(header: String) {
            guard let bytes = Base64.decode(header), case .object(let o)? = try? JSONValue.decode(bytes) else { return nil }
            guard case .string(let name)? = o["name"] else { return nil }
            self.name = name
            self.size = o["size"]?.int.map(Int64.init) ?? 0
            self.goMode = UInt32(truncatingIfNeeded: o["mode"]?.int ?? 0)
            self.mtime = o["mtime"]?.string ?? ""
            self.linkTarget = o["linkTarget"]?.string ?? ""
        }
    }
}
