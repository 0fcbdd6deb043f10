// Unit: tar writing (ustar, PAX long names), reading back, the directory walker's
// .dockerignore behaviour, and the extractor's refusal of unsafe archives.
@testable import DockerEngine
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

struct TarTests {
    /// The header writer's digits and checksum are byte for byte those of a plain
    /// string-based encoder (the fields Go's archive/tar writes), at the field limits too.
    @Test func headerFieldsMatchAPlainEncoder() {
        func reference(_ e: TarEntry, typeflag: UInt8, size: Int64) -> [UInt8] {
            var h = [UInt8](repeating: 0, count: 512)
            func put(_ s: [UInt8], _ o: Int, _ w: Int) { for (i, b) in s.prefix(w).enumerated() { h[o + i] = b } }
            func octal(_ v: Int64, _ o: Int, _ w: Int) {
                let d = Array(String(v, radix: 8).utf8)
                put([UInt8](repeating: 0x30, count: max(0, w - 1 - d.count)) + d, o, w - 1)
            }
            put(Array(e.path.utf8), 0, 100)
            octal(Int64(e.mode & 0o7777), 100, 8); octal(Int64(e.uid), 108, 8); octal(Int64(e.gid), 116, 8)
            octal(size, 124, 12); octal(max(0, e.mtime), 136, 12)
            h[156] = typeflag
            put(Array("ustar\0".utf8), 257, 6); put(Array("00".utf8), 263, 2)
            for i in 148..<156 { h[i] = 0x20 }
            let d = Array(String(h.reduce(0) { $0 + Int($1) }, radix: 8).utf8)
            put([UInt8](repeating: 0x30, count: max(0, 6 - d.count)) + d + [0, 0x20], 148, 8)
            return h
        }
        let cases: [TarEntry] = [
            TarEntry(path: "a", kind: .file, mode: 0o644, size: 0, mtime: 0),
            TarEntry(path: "dir0/file00001.bin", kind: .file, mode: 0o7777, size: 50_000, mtime: 1_764_000_000),
            TarEntry(path: String(repeating: "x", count: 100), kind: .file, mode: 0o600, size: 0o77777777777, mtime: 0o77777777777),
            TarEntry(path: "future", kind: .file, mode: 0o644, size: 1, mtime: 0o777777777777),
            TarEntry(path: "past", kind: .file, mode: 0o644, size: 1, mtime: -5),
        ]
        for e in cases {
            #expect(TarHeader.encode(e) == reference(e, typeflag: UInt8(ascii: "0"), size: e.size), "\(e.path)")
        }
    }

    @Test func roundTripWithLongNamesAndLinks() async throws {
        let long = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 130) + ".txt"
        let unicode = "dir/ünïcödé-☺.txt"
        let files = [
            TarFile(path: "a.txt", text: "alpha"),
            TarFile(path: long, text: "long"),
            TarFile(path: unicode, text: "u"),
            TarFile(path: "link", symlinkTo: String(repeating: "t", count: 150)),
            TarFile(directory: "empty"),
            TarFile(path: "exact512", bytes: [UInt8](repeating: 7, count: 512), mode: 0o700),
        ]
        let bytes = try await TarStream.files(files).collect()
        #expect(bytes.count % 512 == 0)
        let members = try await collect(TarReader(Chunks(bytes, every: 100)))
        #expect(members.map(\.entry.path) == ["a.txt", long, unicode, "link", "empty", "exact512"])
        #expect(members[0].text == "alpha")
        #expect(members[1].text == "long")
        #expect(members[3].entry.kind == .symlink(target: String(repeating: "t", count: 150)))
        #expect(members[4].entry.kind == .directory)
        #expect(members[5].data == [UInt8](repeating: 7, count: 512))
        #expect(members[5].entry.mode == 0o700)
        #expect(members.allSatisfy { $0.entry.uid == 0 && $0.entry.gid == 0 })
    }

    @Test func inMemoryArchivesRefuseUnsafePaths() async throws {
        for bad in ["../evil", "/abs", "a/../../b"] {
            await #expect(throws: DockerError.self, "\(bad)") { _ = try await TarStream.files([TarFile(path: bad, text: "x")]).collect() }
        }
    }

    @Test func directoryWalkerFollowsTheCLI() async throws {
        let dir = try TempDir()
        for f in ["Dockerfile", "a.go", "b.md", "vendor/keep.txt", "vendor/other.txt", "vendor/sub/keep.txt",
                  "docs/x.md", "node_modules/m/index.js", ".git/HEAD", "src/main.go", "src/gen/z.go"] {
            try dir.write(f, f)
        }
        try dir.symlink("src/alias", to: "../a.go")
        try dir.write(".dockerignore", "\u{FEFF}*.md\n.git\nnode_modules\nvendor\n!vendor/keep.txt\nsrc/**/*.go\n!src/main.go\nDockerfile\n.dockerignore\n")
        var paths: [String] = []
        for try await m in TarReader(try TarStream.directory(dir.path)) { paths.append(m.entry.path) }
        // vendor is excluded but walked for the exception (its own entry is not sent);
        // Dockerfile and .dockerignore are sent although excluded; `*.md` is top-level only.
        #expect(paths == [".dockerignore", "Dockerfile", "a.go", "docs", "docs/x.md", "src", "src/alias", "src/gen", "src/main.go", "vendor/keep.txt"])

        // The CLI only walks an excluded directory when an exception's text starts with it:
        // `!**/keep.txt` does not make it walk `vendor` (docker/cli quirk, kept).
        try dir.write(".dockerignore", "vendor\n!**/keep.txt\n")
        paths = []
        for try await m in TarReader(try TarStream.directory(dir.path)) { paths.append(m.entry.path) }
        #expect(!paths.contains { $0.hasPrefix("vendor") })
        #expect(paths.contains("node_modules/m/index.js"))

        // Symlinks are archived as links, never followed.
        var kinds: [String: TarEntry.Kind] = [:]
        for try await m in TarReader(try TarStream.directory(dir.path)) { kinds[m.entry.path] = m.entry.kind }
        #expect(kinds["src/alias"] == .symlink(target: "../a.go"))
    }

    @Test func extraFilesAreAppended() async throws {
        let dir = try TempDir()
        try dir.write("app.txt", "app")
        let stream = try TarStream.directory(dir.path, dockerfile: ".dockerfile.abc123",
                                             extraFiles: [TarFile(path: ".dockerfile.abc123", text: "FROM scratch\n")])
        let members = try await collect(TarReader(stream))
        #expect(members.map(\.entry.path) == ["app.txt", ".dockerfile.abc123"])
        #expect(members[1].text == "FROM scratch\n")
    }

    @Test func bigFilesStreamInBoundedChunks() async throws {
        let dir = try TempDir()
        let fd = open(dir.path + "/big", O_WRONLY | O_CREAT, 0o644)
        ftruncate(fd, 20 << 20)
        close(fd)
        var chunks = 0
        var total = 0
        for try await chunk in try TarStream.directory(dir.path) {
            chunks += 1
            total += chunk.readableBytes
            #expect(chunk.readableBytes <= TarStream.chunkSize + 1024)
        }
        #expect(total == 512 + (20 << 20) + 1024)
        #expect(chunks >= (20 << 20) / TarStream.chunkSize)
    }

    /// Crafts archives with raw headers, as a hostile peer would.
    func hostile(_ entries: [TarEntry], data: [String: String] = [:]) -> [UInt8] {
        var out: [UInt8] = []
        for e in entries {
            var entry = e
            let d = Array((data[e.path] ?? "").utf8)
            if entry.kind == .file { entry.size = Int64(d.count) }
            out += TarHeader.encode(entry)
            out += d + [UInt8](repeating: 0, count: TarHeader.padding(d.count))
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    @Test func extractorRefusesTraversalAbsoluteAndSymlinkEscapes() async throws {
        let cases: [([TarEntry], String)] = [
            ([TarEntry(path: "../evil", kind: .file)], "traversal"),
            ([TarEntry(path: "ok/../../evil", kind: .file)], "traversal"),
            ([TarEntry(path: "/etc/evil", kind: .file)], "absolute"),
            ([TarEntry(path: "l", kind: .symlink(target: "../../outside"))], "outside"),
            ([TarEntry(path: "l", kind: .symlink(target: "/etc"))], "absolute"),
            ([TarEntry(path: "l", kind: .symlink(target: ".")), TarEntry(path: "l/x", kind: .file)], "symlink"),
            ([TarEntry(path: "h", kind: .hardlink(target: "../x"))], "outside"),
        ]
        for (entries, word) in cases {
            let dir = try TempDir()
            do {
                try await TarExtractor.extract(Chunks([hostile(entries)]), to: dir.path + "/dest")
                Issue.record("extracted \(entries.map(\.path))")
            } catch let e as DockerError {
                #expect(e.kind == .archive)
                #expect(e.message.contains("unsafe archive"), "\(e.message)")
                #expect(e.message.contains(word), "\(e.message)")
            }
            #expect(dir.read("evil") == nil)
        }
        // A well-behaved archive extracts, inner links included.
        let dir = try TempDir()
        let ok = hostile([TarEntry(path: "d", kind: .directory, mode: 0o755), TarEntry(path: "d/f", kind: .file),
                          TarEntry(path: "d/l", kind: .symlink(target: "f")), TarEntry(path: "d/h", kind: .hardlink(target: "d/f"))],
                         data: ["d/f": "content"])
        let written = try await TarExtractor.extract(Chunks([ok]), to: dir.path)
        #expect(written == ["d", "d/f", "d/l", "d/h"])
        #expect(dir.read("d/l") == "content")
        #expect(dir.read("d/h") == "content")
    }

    /// Links are resolved through the links already extracted (and checked again at the
    /// end, since a later member can change where an earlier link leads), at every depth:
    /// issue #12 (13), `a/b -> ..` then `x -> a/b/..` points outside.
    @Test func extractorRefusesLinksThatEscapeThroughOtherLinks() async throws {
        var cases: [[TarEntry]] = [
            [TarEntry(path: "a", kind: .directory), TarEntry(path: "a/b", kind: .symlink(target: "..")),
             TarEntry(path: "x", kind: .symlink(target: "a/b/.."))],
            // The same members with the escaping link first: caught by the final check.
            [TarEntry(path: "x", kind: .symlink(target: "a/b/..")), TarEntry(path: "a", kind: .directory),
             TarEntry(path: "a/b", kind: .symlink(target: ".."))],
            // A hard link to a symlink, made in a shallower directory, escapes from there.
            [TarEntry(path: "a/b/s", kind: .symlink(target: "../../f")), TarEntry(path: "h", kind: .hardlink(target: "a/b/s"))],
            // A relative link through an absolute one (kept or not) leaves the root.
            [TarEntry(path: "abs", kind: .symlink(target: "/")), TarEntry(path: "y", kind: .symlink(target: "abs/etc"))],
            // A loop is refused rather than followed forever.
            [TarEntry(path: "p", kind: .symlink(target: "q/z")), TarEntry(path: "q", kind: .symlink(target: "p/z")),
             TarEntry(path: "r", kind: .symlink(target: "p"))],
        ]
        // Chains of `..` links at every depth: d1/l -> .., d1/d2/l -> ../.., ... then an
        // entry that climbs one level above each.
        for depth in 1...4 {
            let dirs = (1...depth).map { i in (1...i).map { "d\($0)" }.joined(separator: "/") }
            var entries = dirs.map { TarEntry(path: $0, kind: .directory) }
            let deepest = dirs.last!
            entries.append(TarEntry(path: deepest + "/up", kind: .symlink(target: Array(repeating: "..", count: depth).joined(separator: "/"))))
            entries.append(TarEntry(path: "esc", kind: .symlink(target: deepest + "/up/..")))
            cases.append(entries)
        }
        for entries in cases {
            let dir = try TempDir()
            let options = TarExtractor.Options(keepAbsoluteSymlinks: true)
            do {
                try await TarExtractor.extract(Chunks([hostile(entries)]), to: dir.path + "/dest", options: options)
                Issue.record("extracted \(entries.map(\.path))")
            } catch let e as DockerError {
                #expect(e.kind == .archive)
                #expect(e.message.contains("unsafe archive"), "\(e.message)")
            }
            // No link that leads outside is left behind.
            for e in entries {
                if case .directory = e.kind { continue }
                let full = dir.path + "/dest/" + e.path
                var st = stat()
                guard lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, let t = TarExtractor.readLink(full) else { continue }
                if t.hasPrefix("/") { continue }
                #expect(TarExtractor.resolve(GoPath.dir(e.path) + "/" + t, under: dir.path + "/dest") == .inside, "\(e.path) -> \(t) left behind")
            }
        }
        // Inside links at depth are fine, and `keepAbsoluteSymlinks` keeps `/proc/mounts`.
        let dir = try TempDir()
        let ok = hostile([TarEntry(path: "a/b/c", kind: .directory), TarEntry(path: "a/b/c/up", kind: .symlink(target: "../../..")),
                          TarEntry(path: "top", kind: .symlink(target: "a/b/c/up/a/b")), TarEntry(path: "mtab", kind: .symlink(target: "/proc/mounts"))])
        let written = try await TarExtractor.extract(Chunks([ok]), to: dir.path, options: .init(keepAbsoluteSymlinks: true))
        #expect(written == ["a/b/c", "a/b/c/up", "top", "mtab"])
        #expect(TarExtractor.readLink(dir.path + "/mtab") == "/proc/mounts")
    }

    /// Modes and mtimes come from the archive; a directory is never replaced by a file.
    @Test func extractorRestoresModesAndTimesAndRefusesDirectoryReplacement() async throws {
        let dir = try TempDir()
        let archive = hostile([TarEntry(path: "d", kind: .directory, mode: 0o750, mtime: 1_000_000),
                               TarEntry(path: "d/f", kind: .file, mode: 0o741, mtime: 2_000_000)], data: ["d/f": "x"])
        try await TarExtractor.extract(Chunks([archive]), to: dir.path)
        var st = stat()
        #expect(stat(dir.path + "/d/f", &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o741)
        #expect(st.st_mtim.tv_sec == 2_000_000)
        #expect(stat(dir.path + "/d", &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o750)
        #expect(st.st_mtim.tv_sec == 1_000_000)
        let clash = hostile([TarEntry(path: "d", kind: .file)])
        await #expect(throws: DockerError.self) { try await TarExtractor.extract(Chunks([clash]), to: dir.path) }
        #expect(stat(dir.path + "/d", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR)
    }

    /// A file's data is written as it arrives: the parser never holds more than a chunk
    /// or two, whatever the file's size (here 48 MiB, past `maxMemberBytes` too), and a
    /// member cut short is an error that leaves no file open.
    @Test func fileDataStreamsWithBoundedMemory() async throws {
        let size = 48 << 20
        let header = TarHeader.encode(TarEntry(path: "big.bin", kind: .file, mode: 0o600, size: Int64(size), mtime: 1_000))
        var parser = TarParser(maxMemberBytes: 1 << 20, streamsFileData: true)
        parser.append(header)
        let m = try #require(try parser.next())
        #expect(m.entry.path == "big.bin" && m.data.isEmpty)
        var received = 0, largestBuffer = 0
        let chunk = [UInt8](repeating: 7, count: 64 << 10)
        while received < size {
            parser.append(chunk)
            while case .bytes(let b) = parser.nextData() { received += b.count }
            largestBuffer = max(largestBuffer, parser.buffer.count)
        }
        parser.append([UInt8](repeating: 0, count: 1024))
        #expect(parser.nextData() == .end)
        #expect(try parser.next() == nil && parser.ended)
        #expect(received == size)
        #expect(largestBuffer <= 256 << 10, "the parser held \(largestBuffer) bytes")

        // Through the extractor, cut into odd pieces.
        struct Generated: AsyncSequence, Sendable {
            typealias Element = ByteBuffer
            let header: [UInt8], size: Int, cutAt: Int?
            func makeAsyncIterator() -> Iterator { Iterator(header: header, size: size, cutAt: cutAt) }
            struct Iterator: AsyncIteratorProtocol {
                let header: [UInt8], size: Int, cutAt: Int?
                var sent = -1
                mutating func next() async throws -> ByteBuffer? {
                    if sent < 0 { sent = 0; return ByteBuffer(bytes: header) }
                    let limit = cutAt ?? size
                    if sent >= limit {
                        if cutAt != nil || sent > size { return nil }
                        sent += 1
                        return ByteBuffer(bytes: [UInt8](repeating: 0, count: TarHeader.padding(size) + 1024))
                    }
                    let n = Swift.min(100_003, limit - sent)
                    sent += n
                    return ByteBuffer(bytes: [UInt8](repeating: UInt8(sent % 251), count: n))
                }
            }
        }
        let dir = try TempDir()
        try await TarExtractor.extract(Generated(header: header, size: size, cutAt: nil), to: dir.path)
        var st = stat()
        #expect(stat(dir.path + "/big.bin", &st) == 0 && st.st_size == size && st.st_mode & 0o777 == 0o600 && st.st_mtim.tv_sec == 1_000)
        await #expect(throws: DockerError.self) {
            try await TarExtractor.extract(Generated(header: header, size: size, cutAt: 5 << 20), to: dir.path + "/cut")
        }
    }

    @Test func truncatedArchivesFail() async throws {
        var bytes = try await TarStream.files([TarFile(path: "f", bytes: [UInt8](repeating: 1, count: 2000))]).collect()
        bytes.removeLast(1024 + 600)
        await #expect(throws: DockerError.self) { _ = try await collect(TarReader(Chunks([bytes]))) }
        var corrupt = try await TarStream.files([TarFile(path: "f", text: "x")]).collect()
        corrupt[10] ^= 0xff  // checksum no longer matches
        await #expect(throws: DockerError.self) { _ = try await collect(TarReader(Chunks([corrupt]))) }
    }

    /// PAX records whose length lies (shorter than its own digits and space, or past
    /// the end, or near the largest int) are a malformed header, not a trap.
    @Test func lyingPAXRecordLengthsAreErrors() throws {
        for record in ["1 x", "2 a=b\n", "3 k=v\n", "-5 k=v\n", "9223372036854775807 k=v\n", "100 k=v\n", "x k=v\n"] {
            #expect(throws: DockerError.self, "\(record)") { try TarHeader.parsePAX(Array(record.utf8)) }
        }
        #expect(try TarHeader.parsePAX(Array("7 k=vv\n".utf8)) == ["k": "vv"])
        #expect(try TarHeader.parsePAX(Array("6 k=v\n11 path=ab\n".utf8)) == ["k": "v", "path": "ab"])
    }
}
