// TarExtractor: writes the members of an archive under a directory, refusing anything
// that would land outside it or point outside it, and restoring modes and mtimes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Extracts archives into a directory, refusing anything that would land outside it:
/// absolute paths, `..` components, symlinks (or hard links) whose target resolves outside
/// (following the links already extracted, at every depth), and writes through a symlink
/// already in place. Errors name the offending member; nothing is written outside the
/// destination.
public enum TarExtractor {
    /// How an archive is extracted.
    public struct Options: Sendable {
        /// Keep symlinks with an absolute target (`/etc/mtab -> /proc/mounts`) as they
        /// are, as `docker cp` does. They are never followed while extracting, and a
        /// relative link that resolves through one is still refused. Default: refused.
        public var keepAbsoluteSymlinks: Bool
        /// Renames members, one rule after the other: the first occurrence of `from` in
        /// each path (and hard link target) becomes `to`, as moby's `RebaseArchiveEntries`
        /// does for `docker cp`.
        public var rebase: [(from: String, to: String)]
        /// Give files, links and directories the archive's mtimes (modes are always set).
        public var restoreTimes: Bool

        /// Options; the defaults are the strictest.
        public init(keepAbsoluteSymlinks: Bool = false, rebase: [(from: String, to: String)] = [], restoreTimes: Bool = true) {
            self.keepAbsoluteSymlinks = keepAbsoluteSymlinks
            self.rebase = rebase
            self.restoreTimes = restoreTimes
        }
    }

    /// Extracts every member of `archive` under `destination` (created if missing).
    /// Returns the extracted paths, relative to `destination`.
    @discardableResult
    public static func extract<S: AsyncSequence>(_ archive: S, to destination: String, options: Options = Options()) async throws -> [String] where S.Element == ByteBuffer {
        mkdirs(destination)
        var state = State(destination: destination, options: options)
        // A file's data goes to disk piece by piece as it arrives: memory stays bounded
        // whatever the size of the files.
        var parser = TarParser(streamsFileData: true)
        var chunks = archive.makeAsyncIterator()
        var eof = false
        do {
            while true {
                if let member = try parser.next() {
                    try state.add(member)
                    guard state.openFile != nil else { continue }
                    pieces: while true {
                        switch parser.nextData() {
                        case .bytes(let b): try state.writeData(b)
                        case .end: break pieces
                        case .needMore:
                            guard let chunk = try await chunks.next() else {
                                throw DockerError.archive("the archive ends inside member \(member.entry.path)")
                            }
                            parser.append(chunk.readableBytesView)
                        }
                    }
                    try state.closeFile()
                    continue
                }
                if parser.ended { break }
                if eof {
                    try parser.finish()
                    break
                }
                if let chunk = try await chunks.next() { parser.append(chunk.readableBytesView) } else { eof = true }
            }
            try state.finish()
        } catch {
            state.abandonFile()
            state.removeEscapingLinks()
            throw error
        }
        return state.written
    }

    /// The extraction in progress.
    struct State {
        let destination: String
        let options: Options
        var written: [String] = []
        /// Directories to give their mode and mtime once their contents are in.
        var directories: [(path: String, mode: UInt32, mtime: Int64)] = []
        /// Every link written, checked again at the end (a later member can change where
        /// an earlier link resolves).
        var links: [(rel: String, member: String)] = []
        /// The regular file being written: its descriptor, path and entry.
        var openFile: (fd: Int32, full: String, entry: TarEntry)?

        init(destination: String, options: Options) {
            self.destination = destination
            self.options = options
        }

        mutating func add(_ member: TarMember) throws {
            var entry = member.entry
            for (from, to) in options.rebase {
                entry.path = TarExtractor.rebase(entry.path, from, to)
                if case .hardlink(let t) = entry.kind { entry.kind = .hardlink(target: TarExtractor.rebase(t, from, to)) }
            }
            let rel = try safeRelativePath(entry.path)
            if rel == "." { return }
            try ensureNoSymlinkInParents(rel, under: destination)
            let full = FileSystem.join(destination, rel)
            var st = stat()
            let exists = lstat(full, &st) == 0
            let existingIsDir = exists && (st.st_mode & S_IFMT) == S_IFDIR
            switch entry.kind {
            case .directory:
                if exists && !existingIsDir {
                    throw DockerError.archive("unsafe archive: \(member.entry.path) would replace the non-directory \(rel)")
                }
                if !exists && mkdir(full, 0o700) != 0 {
                    throw DockerError.archive("cannot create \(full): \(String(cString: strerror(errno)))")
                }
                directories.append((full, entry.mode, entry.mtime))
            case .file, .symlink, .hardlink:
                if existingIsDir {
                    throw DockerError.archive("cannot overwrite the directory \(rel) with the non-directory \(member.entry.path)")
                }
                if exists { unlink(full) }
                try create(entry, member.data, rel: rel, full: full, member: member.entry.path)
            case .other:
                return  // devices and FIFOs are not extracted
            }
            written.append(rel)
        }

        private mutating func create(_ entry: TarEntry, _ data: [UInt8], rel: String, full: String, member: String) throws {
            switch entry.kind {
            case .file:
                // Opened here; its data follows (writeData), then closeFile.
                let fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw DockerError.archive("cannot create \(full): \(String(cString: strerror(errno)))") }
                openFile = (fd, full, entry)
                try writeData(data)
            case .symlink(let target):
                try checkSymlink(target, at: rel, member: member)
                guard symlink(target, full) == 0 else { throw DockerError.archive("cannot create symlink \(full): \(String(cString: strerror(errno)))") }
                links.append((rel, member))
                if options.restoreTimes {
                    var times = [timespec(tv_sec: time_t(entry.mtime), tv_nsec: 0), timespec(tv_sec: time_t(entry.mtime), tv_nsec: 0)]
                    utimensat(AT_FDCWD, full, &times, AT_SYMLINK_NOFOLLOW)
                }
            case .hardlink(let target):
                if target.hasPrefix("/") { throw DockerError.archive("unsafe archive: \(member) links to the absolute path \(target)") }
                let t = GoPath.clean(target)
                if t == ".." || t.hasPrefix("../") {
                    throw DockerError.archive("unsafe archive: \(member) links outside the destination (\(target))")
                }
                try ensureNoSymlinkInParents(t, under: destination)
                guard link(FileSystem.join(destination, t), full) == 0 else {
                    throw DockerError.archive("cannot create hard link \(full) to \(t): \(String(cString: strerror(errno)))")
                }
                // A hard link to a symlink is a symlink read from another directory.
                links.append((rel, member))
            default:
                break
            }
        }

        /// Writes the next bytes of the open file.
        func writeData(_ data: [UInt8]) throws {
            guard let file = openFile else { return }
            var off = 0
            while off < data.count {
                let n = data[off...].withUnsafeBytes { write(file.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw DockerError.archive("cannot write \(file.full): \(String(cString: strerror(errno)))") }
                off += n
            }
        }

        /// Gives the open file its mode and mtime and closes it.
        mutating func closeFile() throws {
            guard let file = openFile else { return }
            openFile = nil
            fchmod(file.fd, mode_t(file.entry.mode & 0o7777))
            if options.restoreTimes {
                var times = [timespec(tv_sec: time_t(file.entry.mtime), tv_nsec: 0), timespec(tv_sec: time_t(file.entry.mtime), tv_nsec: 0)]
                futimens(file.fd, &times)
            }
            guard close(file.fd) == 0 else { throw DockerError.archive("cannot write \(file.full): \(String(cString: strerror(errno)))") }
        }

        /// Closes the open file after a failure.
        mutating func abandonFile() {
            if let file = openFile { close(file.fd) }
            openFile = nil
        }

        /// Refuses a symlink whose target leaves the destination.
        func checkSymlink(_ target: String, at rel: String, member: String) throws {
            if target.hasPrefix("/") {
                if options.keepAbsoluteSymlinks { return }
                throw DockerError.archive("unsafe archive: \(member) links to the absolute path \(target)")
            }
            switch resolve(GoPath.dir(rel) + "/" + target, under: destination) {
            case .inside: return
            case .outside: throw DockerError.archive("unsafe archive: \(member) links outside the destination (\(target))")
            case .loop: throw DockerError.archive("unsafe archive: \(member) is part of a symlink loop (\(target))")
            }
        }

        /// Checks every link again now that all are in place, then gives directories
        /// their modes and mtimes (deepest first).
        mutating func finish() throws {
            for (rel, member) in links {
                let full = FileSystem.join(destination, rel)
                var st = stat()
                guard lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, let target = readLink(full) else { continue }
                try checkSymlink(target, at: rel, member: member)
            }
            for d in directories.reversed() {
                chmod(d.path, mode_t(d.mode & 0o7777))
                if options.restoreTimes {
                    var times = [timespec(tv_sec: time_t(d.mtime), tv_nsec: 0), timespec(tv_sec: time_t(d.mtime), tv_nsec: 0)]
                    utimensat(AT_FDCWD, d.path, &times, 0)
                }
            }
        }

        /// After a failure, removes the links this extraction made that point outside (so
        /// no escaping link is left behind, even half-way).
        func removeEscapingLinks() {
            for (rel, member) in links {
                let full = FileSystem.join(destination, rel)
                var st = stat()
                guard lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, let target = readLink(full) else { continue }
                if (try? checkSymlink(target, at: rel, member: member)) == nil { unlink(full) }
            }
        }
    }

    /// Where a path under a root leads.
    enum Resolution: Equatable { case inside, outside, loop }

    /// Resolves `rel` (relative to `root`) component by component, following the symlinks
    /// that exist under `root`: `.outside` as soon as `..` climbs above the root or a link
    /// is absolute, `.loop` after 255 links.
    static func resolve(_ rel: String, under root: String) -> Resolution {
        var pending: [Substring] = rel.split(separator: "/").reversed()
        var stack: [Substring] = []
        var followed = 0
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." {
                if stack.isEmpty { return .outside }
                stack.removeLast()
                continue
            }
            stack.append(part)
            let full = root + "/" + stack.joined(separator: "/")
            var st = stat()
            guard lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { continue }
            followed += 1
            if followed > 255 { return .loop }
            guard let target = readLink(full) else { return .outside }
            if target.hasPrefix("/") { return .outside }
            stack.removeLast()
            pending += target.split(separator: "/").reversed()
        }
        return .inside
    }

    /// A symlink's target, nil when unreadable.
    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buf, 4096)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// moby's rebase: the first occurrence of `from` in `path` becomes `to`.
    static func rebase(_ path: String, _ from: String, _ to: String) -> String {
        if from.isEmpty { return to + path }
        guard let r = path.firstRange(of: from) else { return path }
        var out = path
        out.replaceSubrange(r, with: to)
        return out
    }

    /// The cleaned relative path, or an error for absolute paths and `..` traversal.
    public static func safeRelativePath(_ path: String) throws -> String {
        if path.hasPrefix("/") { throw DockerError.archive("unsafe archive: absolute path \(path)") }
        if path.split(separator: "/").contains("..") { throw DockerError.archive("unsafe archive: path traversal in \(path)") }
        return GoPath.clean(path)
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
                if (st.st_mode & S_IFMT) != S_IFDIR {
                    throw DockerError.archive("cannot extract \(rel): \(current) is not a directory")
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
