// ImageTests.swift: images through dsh against the real engine: list/get/tag/history/
// remove, build from in-memory and directory contexts (with .dockerignore) followed by
// progress, in-stream build errors, save/load, and push/pull with the local registry.
import DockerEngine
import DshCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct ImageTests {
    let image = lit(Engine.image)

    @Test func listGetTagHistoryRemove() async throws {
        let repo = Engine.name("img")
        let r = try await dsh("""
            let i = docker.images.get(\(image))
            # Other tests tag the shared test image in parallel: it may carry several tags.
            print(\(image) in i.RepoTags, starts_with(i.Id, "sha256:"), i.name in i.RepoTags)
            i.tag(\(lit(repo + ":v1")))
            defer { try { docker.images.get(\(lit(repo + ":v1"))).remove(force: true) } catch e { } }
            let tagged = docker.images.get(\(lit(repo + ":v1")))
            print(tagged.Id == i.Id)
            print(len(docker.images.list(filters: {reference: \(lit(repo))})))
            print(type(i.history()), len(i.history()) >= 1)
            docker.images.list() | where(i => i.Size > 1000) | map(i => i.RepoTags) | filter(t => \(lit(repo + ":v1")) in t) | map(fn(t) { return {tags: join(t, ",")} }) | table()
            let removed = tagged.remove()
            print(removed[0].Untagged)
            try { docker.images.get(\(lit(repo + ":v1"))) } catch e { print(e.status) }
            """)
        #expect(r.output.hasPrefix("true true true\ntrue\n1\nlist true\ntags"), "\(r.output)")
        #expect(r.output.contains("\(repo):v1"))
        #expect(r.output.hasSuffix("\n\(repo):v1\n404\n"), "\(r.output)")
    }

    @Test func theContractPipelineRendersATable() async throws {
        let r = try await dsh("docker.images.list() | where(i => i.Size > 1000) | map(i => i.RepoTags) | table()")
        #expect(r.output.contains(Engine.image), "\(r.output)")
    }

    @Test func buildFromMapFollowsProgressAndReturnsTheImageID() async throws {
        let tag = Engine.name("build") + ":1"
        let r = try await dsh("""
            let ctx = tar({"Dockerfile": "FROM \(Engine.image)\\nCOPY hello.txt /hello.txt\\nRUN cat /hello.txt > /copy\\nLABEL made=dsh\\n", "hello.txt": "hello from dsh\\n"})
            let aux = progress(docker.images.build(ctx, t: \(lit(tag)), labels: {extra: 1}, forcerm: true))
            defer { docker.images.get(\(lit(tag))).remove(force: true) }
            let img = docker.images.get(\(lit(tag)))
            print(aux.ID == img.Id, img.Config.Labels.made, img.Config.Labels.extra)
            print(run(\(lit(tag)), ["cat", "/copy"]).stdout)
            """)
        #expect(r.output.contains("Step 1/5 : FROM \(Engine.image)"), "\(r.output)")
        #expect(r.output.contains("Successfully tagged \(tag)"))
        #expect(r.output.hasSuffix("true dsh 1\nhello from dsh\n\n"), "\(r.output)")
    }

    @Test func buildItemsAreTheDaemonsMessages() async throws {
        let r = try await dsh("""
            let items = docker.images.build(tar({"Dockerfile": "FROM \(Engine.image)\\nLABEL only=\(Engine.name("x"))\\n"}), forcerm: true) | collect()
            print(type(items[0]), "stream" in items[0])
            let last_aux = items | filter(m => "aux" in m) | last()
            defer { docker.images.get(last_aux.aux.ID).remove() }
            print(starts_with(last_aux.aux.ID, "sha256:"))
            """)
        #expect(r.output == "map true\ntrue\n")
    }

    @Test func aFailingRunRaisesTheDaemonsMessage() async throws {
        let f = try await dshFailure("""
            progress(docker.images.build(tar({"Dockerfile": "FROM \(Engine.image)\\nRUN echo failing; exit 3\\n"}), forcerm: true))
            """)
        #expect(f.message == "The command '/bin/sh -c echo failing; exit 3' returned a non-zero code: 3")
        #expect(f.output.contains("failing"))
        // Without progress, iterating the stream raises the same error.
        let g = try await dshFailure("""
            for m in docker.images.build(tar({"Dockerfile": "FROM \(Engine.image)\\nRUN exit 5\\n"}), forcerm: true) { }
            """)
        #expect(g.message == "The command '/bin/sh -c exit 5' returned a non-zero code: 5")
    }

    @Test func buildFromADirectoryHonoursDockerignore() async throws {
        let dir = "/tmp/" + Engine.name("ctx")
        mkdir(dir, 0o755)
        mkdir(dir + "/keep", 0o755)
        mkdir(dir + "/skip", 0o755)
        defer { _ = rmtree(dir) }
        let files = [
            "Dockerfile": "FROM \(Engine.image)\nCOPY . /ctx\nRUN find /ctx -type f | sort > /list\n",
            ".dockerignore": "# comment\nskip\n**/*.log\n!keep/important.log\n",
            "keep/a.txt": "a", "keep/important.log": "i", "keep/noise.log": "n", "skip/b.txt": "b",
        ]
        for (path, text) in files { _ = writeText(dir + "/" + path, text) }
        let tag = Engine.name("dirbuild") + ":1"
        let r = try await dsh("""
            progress(docker.images.build(tar(\(lit(dir))), t: \(lit(tag)), forcerm: true), quiet: true)
            defer { docker.images.get(\(lit(tag))).remove(force: true) }
            print(run(\(lit(tag)), ["cat", "/list"]).stdout)
            print(json(tar(\(lit(dir))).source))
            """)
        #expect(r.output == """
            /ctx/.dockerignore
            /ctx/Dockerfile
            /ctx/keep/a.txt
            /ctx/keep/important.log

            "dir \(dir)"

            """)
        let f = try await dshFailure("tar(\"/nonexistent/dsh-context\")")
        #expect(f.message.contains("not a directory"), "\(f.message)")
    }

    @Test func saveAndLoadRoundTrip() async throws {
        let tag = Engine.name("save") + ":1"
        let r = try await dsh("""
            docker.images.get(\(image)).tag(\(lit(tag)))
            let saved = docker.images.save([\(lit(tag))]) | collect()
            print(type(saved[0]))
            docker.images.get(\(lit(tag))).remove()
            let messages = docker.images.load(docker.images.save(\(image)) | map(b => b)) | collect()
            print(len(messages) >= 1)
            var all = bytes("")
            for b in saved { all = all + b }
            let loaded = docker.images.load(all) | collect()
            print(contains(json(loaded), \(lit(tag))))
            docker.images.get(\(lit(tag))).remove()
            """)
        #expect(r.output == "bytes\ntrue\ntrue\n", "\(r.output)")
    }

    @Test func pushAndPullWithTheLocalRegistry() async throws {
        let registry = try #require(Engine.registry, "DSH_TEST_REGISTRY is not set")
        let ref = "\(registry)/\(Engine.name("push")):1"
        let r = try await dsh("""
            docker.images.get(\(image)).tag(\(lit(ref)))
            let pushed = progress(docker.images.push(\(lit(ref))), quiet: true)
            print(type(pushed?.Digest))
            docker.images.get(\(lit(ref))).remove()
            let messages = docker.images.pull(\(lit(ref))) | collect()
            print(any(messages, m => contains(m.status ?? "", "Downloaded newer image") || contains(m.status ?? "", "Image is up to date")))
            let img = docker.images.get(\(lit(ref)))
            print(img.Id == docker.images.get(\(image)).Id)
            let again = img.push(auth: {username: "nobody", password: "secret"}) | collect()
            print(len(again) > 0)
            img.remove()
            try { progress(docker.images.pull(\(lit(registry + "/dsh-no-such-repo:1")))) } catch e { print(type(e.message), len(e.message) > 0) }
            """)
        #expect(r.output == "string\ntrue\ntrue\ntrue\nstring true\n", "\(r.output)")
    }
}

/// Writes a text file.
func writeText(_ path: String, _ text: String) -> Bool {
    guard let f = fopen(path, "w") else { return false }
    defer { fclose(f) }
    let bytes = Array(text.utf8)
    return fwrite(bytes, 1, bytes.count, f) == bytes.count
}

/// Removes a directory tree (test scratch directories only).
@discardableResult
func rmtree(_ path: String) -> Int32 {
    var st = stat()
    guard lstat(path, &st) == 0 else { return -1 }
    if (st.st_mode & S_IFMT) == S_IFDIR, let d = opendir(path) {
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            rmtree(path + "/" + name)
        }
        closedir(d)
        return rmdir(path)
    }
    return unlink(path)
}
