// Integration: images (list/inspect/tag/history/remove), build (directory + .dockerignore,
// in-memory files, failure), push and pull against the local registry, archives and export.
import DockerEngine
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: TestEngine.enabled, "no engine: run scripts/engine start (required when CI=true)"))
struct ImageTests {
    @Test func listInspectTagHistoryRemove() async throws {
        let client = try TestEngine.client()
        let images = try await client.listImages()
        let tags = images.array?.flatMap { $0["RepoTags"]?.array?.compactMap(\.string) ?? [] } ?? []
        #expect(tags.contains(TestEngine.image))
        let info = try await client.inspectImage(TestEngine.image)
        let id = try #require(info["Id"]?.string)
        let repo = TestEngine.name("tag")
        try await withCleanup {
            try await client.tagImage(TestEngine.image, repo: repo, tag: "v1")
            let tagged = try await client.inspectImage("\(repo):v1")
            #expect(tagged["Id"]?.string == id)
            let history = try await client.imageHistory("\(repo):v1")
            #expect((history.array?.count ?? 0) >= 1)
            let removed = try await client.removeImage("\(repo):v1")
            #expect(removed.array?.contains(where: { $0["Untagged"]?.string == "\(repo):v1" }) == true)
            await #expect(throws: DockerError.self) { _ = try await client.inspectImage("\(repo):v1") }
        } cleanup: {
            _ = try? await client.removeImage("\(repo):v1")
        }
    }

    @Test func buildFromADirectoryHonoursDockerignore() async throws {
        let client = try TestEngine.client()
        let dir = try TempDir()
        try dir.write("Dockerfile", "FROM \(TestEngine.image)\nCOPY . /ctx/\n")
        try dir.write(".dockerignore", "# comment\n*.log\nsecret\n!secret/keep.txt\nDockerfile\n**/*.tmp\n")
        try dir.write("a.txt", "a")
        try dir.write("b.log", "b")
        try dir.write("secret/x", "x")
        try dir.write("secret/keep.txt", "keep")
        try dir.write("sub/c.txt", "c")
        try dir.write("sub/deep/d.tmp", "d")
        try dir.symlink("sub/link", to: "c.txt")

        // What the context holds, straight from the tar stream.
        let context = try TarStream.directory(dir.path)
        var sent: [String] = []
        for try await member in TarReader(context) { sent.append(member.entry.path) }
        #expect(sent == [".dockerignore", "Dockerfile", "a.txt", "secret/keep.txt", "sub", "sub/c.txt", "sub/deep", "sub/link"])

        let tag = TestEngine.name("build") + ":latest"
        try await withCleanup {
            var messages: [String] = []
            for try await m in try await client.build(context: context.requestBody, query: [("t", tag), ("rm", "true")]) {
                if let s = try JSONValue.decode(m)["stream"]?.string { messages.append(s) }
            }
            #expect(messages.joined().contains("Successfully tagged \(tag)"))
            // The image's /ctx proves what the daemon received.
            let files = try await filesIn(client, image: tag, path: "/ctx")
            #expect(files.contains("ctx/a.txt"))
            #expect(files.contains("ctx/secret/keep.txt"))
            #expect(files.contains("ctx/sub/c.txt"))
            #expect(files.contains("ctx/sub/link"))
            #expect(!files.contains("ctx/b.log"))
            #expect(!files.contains("ctx/secret/x"))
            #expect(!files.contains("ctx/sub/deep/d.tmp"))
        } cleanup: {
            _ = try? await client.removeImage(tag, force: true)
        }
    }

    @Test func buildFromInMemoryFilesAndFailures() async throws {
        let client = try TestEngine.client()
        let tag = TestEngine.name("mem") + ":latest"
        let context = TarStream.files([
            TarFile(path: "Dockerfile", text: "FROM \(TestEngine.image)\nCOPY hello.txt bin/tool /opt/\nRUN cat /opt/hello.txt\n"),
            TarFile(path: "hello.txt", text: "hello from memory\n"),
            TarFile(path: "bin/tool", bytes: [0, 1, 2, 255], mode: 0o755),
        ])
        try await withCleanup {
            var output = ""
            for try await m in try await client.build(context: context.requestBody, query: [("t", tag)]) {
                output += try JSONValue.decode(m)["stream"]?.string ?? ""
            }
            #expect(output.contains("hello from memory"))
            let files = try await filesIn(client, image: tag, path: "/opt")
            #expect(files.contains("opt/hello.txt"))
            #expect(files.contains("opt/tool"))
        } cleanup: {
            _ = try? await client.removeImage(tag, force: true)
        }

        // A failing step is an error item in a 200 stream: it must throw with the daemon's message.
        let failing = TarStream.files([TarFile(path: "Dockerfile", text: "FROM \(TestEngine.image)\nRUN exit 3\n")])
        do {
            for try await _ in try await client.build(context: failing.requestBody, query: [("rm", "true"), ("forcerm", "true")]) {}
            Issue.record("the failed build did not throw")
        } catch let e as DockerError {
            #expect(e.kind == .stream)
            #expect(e.message.contains("non-zero code: 3"), "\(e.message)")
        }
    }

    @Test(.enabled(if: TestEngine.registry != nil || TestEngine.isCI))
    func pushAndPullThroughTheLocalRegistry() async throws {
        let client = try TestEngine.client()
        let registry = try #require(TestEngine.registry)
        let repo = "\(registry)/dsh-test/\(TestEngine.name("push"))"
        try await withCleanup {
            try await client.tagImage(TestEngine.image, repo: repo, tag: "v1")
            var statuses: [String] = []
            var digest: String? = nil
            for try await m in try await client.push(repo, tag: "v1") {
                let json = try JSONValue.decode(m)
                if let s = json["status"]?.string { statuses.append(s) }
                if let d = json["aux"]?["Digest"]?.string { digest = d }
            }
            #expect(statuses.contains(where: { $0 == "Pushed" || $0 == "Layer already exists" || $0.hasPrefix("Mounted from") }), "\(statuses)")
            #expect(statuses.contains(where: { $0.contains("digest: sha256:") }), "\(statuses)")
            #expect(digest?.hasPrefix("sha256:") == true)

            _ = try await client.removeImage("\(repo):v1")
            var pullStatuses: [String] = []
            for try await m in try await client.pull(repo, tag: "v1") {
                if let s = try JSONValue.decode(m)["status"]?.string { pullStatuses.append(s) }
            }
            #expect(pullStatuses.contains(where: { $0.contains("Pulling from") }), "\(pullStatuses)")
            #expect(pullStatuses.contains(where: { $0.contains("Downloaded newer image") || $0.contains("Image is up to date") }), "\(pullStatuses)")
            let pulled = try await client.inspectImage("\(repo):v1")
            #expect(pulled["RepoDigests"]?.array?.isEmpty == false)
        } cleanup: {
            _ = try? await client.removeImage("\(repo):v1", force: true)
        }

        // Pulling something that is not there fails with the registry's message.
        do {
            for try await _ in try await client.pull("\(registry)/dsh-test/\(TestEngine.name("absent"))", tag: "nope") {}
            Issue.record("pulling a missing image did not throw")
        } catch let e as DockerError {
            #expect(!e.message.isEmpty)
        }
    }

    @Test func archivePutGetAndExport() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["true"]) { id in
            let payload = TarStream.files([
                TarFile(directory: "data"),
                TarFile(path: "data/one.txt", text: "one\n"),
                TarFile(path: "data/nested/two.bin", bytes: Array(0..<200).map(UInt8.init), mode: 0o600),
                TarFile(path: "data/link", symlinkTo: "one.txt"),
            ])
            try await client.putArchive(id, path: "/tmp", tar: payload.requestBody)
            let (stat, tar) = try await client.getArchive(id, path: "/tmp/data")
            #expect(stat?["name"]?.string == "data")
            var members: [String: TarMember] = [:]
            for try await m in TarReader(tar) { members[m.entry.path] = m }
            #expect(members["data/one.txt"]?.text == "one\n")
            #expect(members["data/nested/two.bin"]?.data == Array(0..<200).map(UInt8.init))
            #expect(members["data/nested/two.bin"]?.entry.mode == 0o600)
            #expect(members["data/link"]?.entry.kind == .symlink(target: "one.txt"))

            // Extract safely to disk.
            let dir = try TempDir()
            let (_, again) = try await client.getArchive(id, path: "/tmp/data")
            let written = try await TarExtractor.extract(again, to: dir.path)
            #expect(written.contains("data/nested/two.bin"))
            #expect(dir.read("data/one.txt") == "one\n")

            var names = Set<String>()
            for try await m in TarReader(try await client.exportContainer(id)) { names.insert(m.entry.path) }
            #expect(names.contains("bin/busybox"))
            #expect(names.contains("tmp/data/one.txt"))
        }
    }
}

extension ImageTests {
    /// A streamed body of many chunks (more than the transport keeps in flight at once)
    /// arrives intact, and the connection serves the next request.
    @Test func aLargeStreamedBodyArrivesIntact() async throws {
        let client = try TestEngine.client()
        let dir = try TempDir()
        var big = [UInt8](repeating: 0, count: (3 << 20) + 7)
        var x: UInt32 = 12345
        for i in big.indices { x = x &* 1_103_515_245 &+ 12345; big[i] = UInt8(truncatingIfNeeded: x >> 16) }
        try dir.writeBytes("ctx/big.bin", big)
        for i in 0..<40 { try dir.writeBytes("ctx/small/f\(i).bin", Array(big[(i * 9000)..<(i * 9000 + 9000 + i)])) }
        try await withContainer(client, ["true"]) { id in
            try await client.putArchive(id, path: "/tmp", tar: try TarStream.directory(dir.path).requestBody)
            let (_, tar) = try await client.getArchive(id, path: "/tmp/ctx")
            var members: [String: TarMember] = [:]
            for try await m in TarReader(tar) { members[m.entry.path] = m }
            #expect(members["ctx/big.bin"]?.data == big)
            for i in 0..<40 { #expect(members["ctx/small/f\(i).bin"]?.data == Array(big[(i * 9000)..<(i * 9000 + 9000 + i)])) }
        }
        #expect(try await client.ping() == "OK")
    }

    /// A body whose producer fails after several chunks were handed to the connection
    /// fails the request with the producer's error; the client keeps working.
    @Test func aFailingStreamedBodyFailsTheRequest() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["true"]) { id in
            do {
                try await client.putArchive(id, path: "/tmp", tar: .stream(FailingChunks(chunks: 6, size: 300 << 10)))
                Issue.record("a failing body did not fail the request")
            } catch {
                #expect("\(error)".contains("the producer gave up") || error is DockerError)
            }
        }
        #expect(try await client.ping() == "OK")
    }
}

/// Yields `chunks` chunks of `size` bytes (not a valid archive), then throws.
struct FailingChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: Int
    let size: Int
    struct ProducerGaveUp: Error, CustomStringConvertible { var description: String { "the producer gave up" } }
    struct AsyncIterator: AsyncIteratorProtocol {
        var left: Int
        let size: Int
        mutating func next() async throws -> ByteBuffer? {
            if left == 0 { throw ProducerGaveUp() }
            left -= 1
            var b = ByteBufferAllocator().buffer(capacity: size)
            b.writeRepeatingByte(0x41, count: size)
            return b
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(left: chunks, size: size) }
}

/// The paths under `path` in an image, read through a created (never started) container.
func filesIn(_ client: DockerClient, image: String, path: String) async throws -> Set<String> {
    let id = try await client.createContainer(config: ["Image": .string(image), "Cmd": ["true"], "HostConfig": ["NetworkMode": "none"]])
    return try await withCleanup {
        let (_, tar) = try await client.getArchive(id, path: path)
        var names = Set<String>()
        for try await m in TarReader(tar) { names.insert(m.entry.path) }
        return names
    } cleanup: {
        try? await client.removeContainer(id, force: true)
    }
}

/// A temporary directory removed on deinit.
final class TempDir: @unchecked Sendable {
    let path: String
    init() throws {
        var template = Array("/tmp/dsh-test-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw DockerError(kind: .archive, message: "mkdtemp failed") }
        path = String(cString: p)
    }
    deinit { TempDir.removeTree(path) }

    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR, let dir = opendir(path) {
            var names: [String] = []
            while let ent = readdir(dir) {
                let name = withUnsafePointer(to: &ent.pointee.d_name) { p in
                    p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for n in names { removeTree(path + "/" + n) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
    func write(_ rel: String, _ text: String) throws {
        let full = path + "/" + rel
        var dir = ""
        for part in full.split(separator: "/").dropLast() { dir += "/" + part; Glibc.mkdir(dir, 0o755) }
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DockerError(kind: .archive, message: "cannot write \(full)") }
        _ = text.utf8CString.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }
    func writeBytes(_ rel: String, _ bytes: [UInt8]) throws {
        let full = path + "/" + rel
        var dir = ""
        for part in full.split(separator: "/").dropLast() { dir += "/" + part; Glibc.mkdir(dir, 0o755) }
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DockerError(kind: .archive, message: "cannot write \(full)") }
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
    func symlink(_ rel: String, to target: String) throws {
        guard Glibc.symlink(target, path + "/" + rel) == 0 else { throw DockerError(kind: .archive, message: "symlink failed") }
    }
    func mkdir(_ rel: String) { Glibc.mkdir(path + "/" + rel, 0o755) }
    func read(_ rel: String) -> String? {
        let fd = open(path + "/" + rel, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = Glibc.read(fd, &buf, 4096)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
