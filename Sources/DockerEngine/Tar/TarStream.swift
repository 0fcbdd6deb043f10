// TarStream: a tar archive produced chunk by chunk from a directory (honouring .dockerignore)
// or from in-memory files; pulled by the consumer, so memory stays bounded.
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of an in-memory archive.
public struct TarFile: Sendable, Hashable {
    /// The member's path.
    public var path: String
    /// The content (empty for links and directories).
    public var bytes: [UInt8]
    /// Permission bits.
    public var mode: UInt32
    /// File, directory or symlink.
    public var kind: TarEntry.Kind

    /// A regular file.
    public init(path: String, bytes: [UInt8], mode: UInt32 = 0o644) {
        self.path = path
        self.bytes = bytes
        self.mode = mode
        self.kind = .file
    }

    /// A regular file from text.
    public init(path: String, text: String, mode: UInt32 = 0o644) {
        self.init(path: path, bytes: Array(text.utf8), mode: mode)
    }

    /// A symbolic link.
    public init(path: String, symlinkTo target: String) {
        self.path = path
        self.bytes = []
        self.mode = 0o777
        self.kind = .symlink(target: target)
    }

    /// A directory.
    public init(directory path: String, mode: UInt32 = 0o755) {
        self.path = path
        self.bytes = []
        self.mode = mode
        self.kind = .directory
    }
}

/// Produces the next chunk of an archive; one per iteration, used by one task.
protocol TarChunkProducer: AnyObject {
    func nextChunk() throws -> ByteBuffer?
}

/// A tar archive as a stream of chunks (about 256 KiB each), produced only as fast as it is
/// consumed: a build context is never in memory or in a temporary file as a whole.
/// Each iteration produces the archive anew.
public struct TarStream: AsyncSequence, Sendable {
    /// A chunk of the archive.
    public typealias Element = ByteBuffer
    let makeProducer: @Sendable () throws -> any TarChunkProducer

    /// The chunk size the producers aim at: large enough that a typical small file is one
    /// `read` and a chunk crosses to the event loop rarely (the HTTP body writer keeps a
    /// few chunks in flight), small enough to keep memory bounded.
    public static let chunkSize = 256 * 1024

    /// An archive of in-memory files, in the given order (mtime 0, uid/gid 0).
    public static func files(_ files: [TarFile]) -> TarStream {
        TarStream { MemoryTarProducer(files: files) }
    }

    /// A build context from a directory, as the docker CLI makes it: entries in lexical
    /// order, symlinks stored as links (lstat), hard links detected, uid/gid 0, and the
    /// directory's `.dockerignore` applied exactly as the CLI does (the Dockerfile and
    /// `.dockerignore` are always included). `dockerfile` is relative to the directory.
    /// `extraFiles` are appended after the directory's entries (e.g. a Dockerfile from
    /// outside the context, injected as `.dockerfile.<random>` as the CLI does).
    /// Throws now for a missing directory or a malformed `.dockerignore`.
    public static func directory(_ path: String, dockerfile: String = "Dockerfile", applyDockerignore: Bool = true, extraFiles: [TarFile] = []) throws -> TarStream {
        var st = stat()
        guard lstat(path, &st) == 0 || stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw DockerError.archive("the build context \(path) is not a directory")
        }
        var rules: [String] = []
        if applyDockerignore {
            rules = try DockerIgnore.keepingBuildFiles(DockerIgnore.rules(inContext: path), dockerfile: GoPath.clean(dockerfile))
        }
        let ignore = try DockerIgnore(patterns: rules)
        return TarStream { try DirectoryTarProducer(root: path, ignore: ignore, extraFiles: extraFiles) }
    }

    /// The archive as a request body (chunked upload).
    public var requestBody: DockerRequestBody { .stream(self, contentType: "application/x-tar") }

    /// Iterates the chunks.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(make: makeProducer) }

    /// The iterator; file system errors surface from `next()`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let make: @Sendable () throws -> any TarChunkProducer
        var producer: (any TarChunkProducer)?
        var failed = false

        /// The next chunk, nil at the end of the archive.
        public mutating func next() async throws -> ByteBuffer? {
            if failed { return nil }
            do {
                if producer == nil { producer = try make() }
                return try producer!.nextChunk()
            } catch {
                failed = true
                throw error
            }
        }
    }

    /// The whole archive in memory (tests and small archives only).
    public func collect() async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await chunk in self { out += chunk.readableBytesView }
        return out
    }
}

/// Builds chunks from in-memory files.
final class MemoryTarProducer: TarChunkProducer {
    let files: [TarFile]
    var index = 0
    var pending: [UInt8] = []
    var finished = false

    init(files: [TarFile]) { self.files = files }

    func nextChunk() throws -> ByteBuffer? {
        while pending.count < TarStream.chunkSize && !finished {
            if index < files.count {
                let f = files[index]
                index += 1
                let path = GoPath.clean(f.path)
                guard !path.hasPrefix("/"), path != ".", !path.split(separator: "/").contains("..") else {
                    throw DockerError.archive("unsafe path in archive: \(f.path)")
                }
                let entry = TarEntry(path: path, kind: f.kind, mode: f.mode, size: f.kind == .file ? Int64(f.bytes.count) : 0)
                pending += TarHeader.encode(entry)
                if f.kind == .file {
                    pending += f.bytes
                    pending += [UInt8](repeating: 0, count: TarHeader.padding(f.bytes.count))
                }
            } else {
                pending += [UInt8](repeating: 0, count: 1024)
                finished = true
            }
        }
        if pending.isEmpty { return nil }
        let n = Swift.min(pending.count, TarStream.chunkSize)
        var buffer = ByteBufferAllocator().buffer(capacity: n)
        buffer.writeBytes(pending[0..<n])
        pending.removeFirst(n)
        return buffer
    }
}

/// Walks a directory lazily, like moby's `TarWithOptions` with exclude patterns.
final class DirectoryTarProducer: TarChunkProducer {
    private struct Frame {
        var rel: String
        var names: [String]
        var index: Int
        var matchInfo: DockerIgnore.MatchInfo
    }

    let root: String
    let ignore: DockerIgnore
    private var stack: [Frame] = []
    private var fd: Int32 = -1
    private var fileRemaining: Int64 = 0
    private var filePadding = 0
    private var filePath = ""
    private var out: ByteBuffer
    private var trailerWritten = false
    private var hardlinks: [String: String] = [:]
    private let extraFiles: [TarFile]
    private var extraIndex = 0

    init(root: String, ignore: DockerIgnore, extraFiles: [TarFile] = []) throws {
        self.root = root
        self.ignore = ignore
        self.extraFiles = extraFiles
        self.out = ByteBufferAllocator().buffer(capacity: TarStream.chunkSize + 1024)
        stack.append(Frame(rel: "", names: try DirectoryTarProducer.list(root), index: 0, matchInfo: DockerIgnore.MatchInfo()))
    }

    /// Walks only the member `name` of `root` (itself included), naming it `newName` in
    /// the archive (`docker cp`'s resource archive, see TarResource.swift).
    init(root: String, only name: String, as newName: String) throws {
        self.root = root
        self.ignore = try DockerIgnore(patterns: [])
        self.extraFiles = []
        self.out = ByteBufferAllocator().buffer(capacity: TarStream.chunkSize + 1024)
        self.rename = name == newName ? nil : (name, newName)
        stack.append(Frame(rel: "", names: [name], index: 0, matchInfo: DockerIgnore.MatchInfo()))
    }

    /// The first path component renamed (`only:as:`).
    private var rename: (from: String, to: String)? = nil

    /// The member name of the walked path `rel`.
    private func archiveName(_ rel: String) -> String {
        guard let (from, to) = rename else { return rel }
        if rel == from { return to }
        guard rel.hasPrefix(from + "/") else { return rel }
        return to + String(rel[rel.utf8.index(rel.startIndex, offsetBy: from.utf8.count)...])
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Entry names of a directory in Go's lexical (byte) order.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            throw DockerError.archive("cannot read directory \(path): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: &ent.pointee.d_name) { p in
                p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        // Each name's bytes are taken once and compared with memcmp (a comparison through
        // String.UTF8View costs about a thousand instructions).
        let keyed = names.map { (bytes: Array($0.utf8), name: $0) }
        return keyed.sorted { a, b in
            a.bytes.withUnsafeBufferPointer { x in
                b.bytes.withUnsafeBufferPointer { y in
                    let n = Swift.min(x.count, y.count)
                    let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                    return c != 0 ? c < 0 : x.count < y.count
                }
            }
        }.map(\.name)
    }

    func nextChunk() throws -> ByteBuffer? {
        out.clear()
        while out.readableBytes < TarStream.chunkSize {
            if fd >= 0 {
                try copyFileData()
                continue
            }
            if try !emitNextEntry() {
                if extraIndex < extraFiles.count {
                    let f = extraFiles[extraIndex]
                    extraIndex += 1
                    let path = try TarExtractor.safeRelativePath(f.path)
                    out.writeBytes(TarHeader.encode(TarEntry(path: path, kind: f.kind, mode: f.mode, size: f.kind == .file ? Int64(f.bytes.count) : 0)))
                    if f.kind == .file {
                        out.writeBytes(f.bytes)
                        out.writeRepeatingByte(0, count: TarHeader.padding(f.bytes.count))
                    }
                    continue
                }
                if !trailerWritten {
                    out.writeRepeatingByte(0, count: 1024)
                    trailerWritten = true
                }
                break
            }
        }
        return out.readableBytes == 0 ? nil : out
    }

    private func copyFileData() throws {
        let room = TarStream.chunkSize - out.readableBytes
        let want = Int(Swift.min(Int64(room), fileRemaining))
        if want > 0 {
            let n = out.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { p in
                read(fd, p.baseAddress, want)
            }
            if n < 0 {
                if errno == EINTR { return }
                throw DockerError.archive("cannot read \(filePath): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw DockerError.archive("\(filePath) shrank while it was being archived") }
            fileRemaining -= Int64(n)
        }
        if fileRemaining == 0 {
            out.writeRepeatingByte(0, count: filePadding)
            close(fd)
            fd = -1
        }
    }

    /// Emits the next entry's header (and opens a file for its data); false at the end.
    private func emitNextEntry() throws -> Bool {
        while var frame = stack.last {
            if frame.index >= frame.names.count {
                stack.removeLast()
                continue
            }
            let name = frame.names[frame.index]
            frame.index += 1
            stack[stack.count - 1] = frame
            let rel = frame.rel.isEmpty ? name : frame.rel + "/" + name
            let full = FileSystem.join(root, rel)
            var st = stat()
            guard lstat(full, &st) == 0 else {
                throw DockerError.archive("cannot stat \(full): \(String(cString: strerror(errno)))")
            }
            let type = st.st_mode & S_IFMT
            let isDir = type == S_IFDIR
            let (skip, info) = ignore.matches(rel, parent: frame.matchInfo)
            if skip {
                if !isDir { continue }
                if !ignore.hasExclusions || !ignore.exceptionMayMatchBeneath(rel) { continue }
                // Walk it for the exceptions, without an entry for the directory itself.
                stack.append(Frame(rel: rel, names: try DirectoryTarProducer.list(full), index: 0, matchInfo: info))
                continue
            }
            var entry = TarEntry(path: archiveName(rel), kind: .file, mode: UInt32(st.st_mode & 0o7777), size: 0, mtime: Int64(st.st_mtim.tv_sec))
            switch type {
            case S_IFDIR:
                entry.kind = .directory
                out.writeBytes(TarHeader.encode(entry))
                stack.append(Frame(rel: rel, names: try DirectoryTarProducer.list(full), index: 0, matchInfo: info))
                return true
            case S_IFLNK:
                var buf = [CChar](repeating: 0, count: 4097)
                let n = readlink(full, &buf, 4096)
                guard n >= 0 else { throw DockerError.archive("cannot read link \(full)") }
                entry.kind = .symlink(target: String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
                out.writeBytes(TarHeader.encode(entry))
                return true
            case S_IFREG:
                if st.st_nlink > 1 {
                    let key = "\(st.st_dev):\(st.st_ino)"
                    if let first = hardlinks[key] {
                        entry.kind = .hardlink(target: first)
                        out.writeBytes(TarHeader.encode(entry))
                        return true
                    }
                    hardlinks[key] = entry.path
                }
                entry.size = Int64(st.st_size)
                let f = open(full, O_RDONLY | O_CLOEXEC)
                guard f >= 0 else { throw DockerError.archive("cannot open \(full): \(String(cString: strerror(errno)))") }
                out.writeBytes(TarHeader.encode(entry))
                fd = f
                filePath = full
                fileRemaining = entry.size
                filePadding = TarHeader.padding(Int(entry.size % 512))
                if fileRemaining == 0 { close(fd); fd = -1 }
                return true
            default:
                continue  // sockets, FIFOs, devices: not part of a build context
            }
        }
        return false
    }
}
