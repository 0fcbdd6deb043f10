// CopyTests.swift: `c.copy_from`, `c.copy_to` and `c.stat` against the real engine,
// compared with `docker cp` (the CLI, pointed at the same engine) on the same paths:
// the resulting trees (types, modes, sizes, mtimes, link targets, contents) and which
// cases fail must be the same. `untar` on a container's archive.
import DockerEngine
import DshCore
import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct CopyTests {
    let image = lit(Engine.image)

    /// A tree of files made in the container: a directory with a file of mode 0640, a
    /// subdirectory, relative and absolute links, all with fixed mtimes.
    static let setup = """
        mkdir -p /src/dir/sub /dst/existing /dst/file.txt.d && cd /src \
        && printf 'alpha\\n' > dir/a.txt && chmod 640 dir/a.txt \
        && printf 'beta' > dir/sub/b.txt && chmod 755 dir/sub \
        && ln -s a.txt dir/link && ln -s /etc/hostname dir/abs && printf 'one' > file.txt \
        && ln -s dir dirlink && ln -s file.txt filelink \
        && touch -h -d '2020-01-02 03:04:05' dir/a.txt dir/sub/b.txt dir/sub dir/link dir/abs dir file.txt \
        && printf 'old' > /dst/existing/keep
        """

    @Test func copyFromMatchesDockerCp() async throws {
        let name = Engine.name("cpfrom")
        let base = try TestDir()
        _ = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "3600"], network: "none", name: \(lit(name)))
            c.start()
            let r = c.exec(["sh", "-c", \(lit(Self.setup))])
            assert(r.exit_code == 0, r.stderr)
            """)
        defer { _ = runCommand(["docker", "rm", "-f", name]) }
        // (container path, host destination relative to the case's root; "pre" makes
        // `existing` a directory and `file` a file beforehand)
        let sources = ["/src/dir", "/src/dir/", "/src/dir/.", "/src/file.txt", "/src/dir/link", "/src/dirlink", "/src/dirlink/",
                       "/src/filelink", "/src/dir/sub/b.txt", "/src/nope"]
        let destinations = ["new", "existing", "existing/", "new/", "file", "file/", "existing/deeper/x"]
        var cases = 0
        for (i, src) in sources.enumerated() {
            for (j, dst) in destinations.enumerated() {
                for follow in [false, true] where follow == false || src.contains("link") {
                    let root = base.path + "/\(i)-\(j)-\(follow)"
                    for side in ["cli", "dsh"] {
                        mkdir(root, 0o755)
                        mkdir(root + "/" + side, 0o755)
                        mkdir(root + "/" + side + "/existing", 0o755)
                        try writeFile(root + "/" + side + "/existing/keep", "host")
                        try writeFile(root + "/" + side + "/file", "host file")
                    }
                    let cli = runCommand(["docker", "cp"] + (follow ? ["-L"] : []) + ["\(name):\(src)", root + "/cli/" + dst])
                    var dshError: String? = nil
                    do {
                        _ = try await dsh("docker.containers.get(\(lit(name))).copy_from(\(lit(src)), \(lit(root + "/dsh/" + dst)), follow_link: \(follow))")
                    } catch let f as ScriptFailure {
                        dshError = f.message
                    }
                    let label = "copy_from(\(src), \(dst), follow_link: \(follow))"
                    #expect((cli.status == 0) == (dshError == nil), "\(label): cli \(cli.status) \(cli.output) / dsh \(dshError ?? "ok")")
                    #expect(treeListing(root + "/cli") == treeListing(root + "/dsh"), "\(label)")
                    cases += 1
                }
            }
        }
        #expect(cases > 80)
    }

    @Test func copyToMatchesDockerCp() async throws {
        let a = Engine.name("cpto-a"), b = Engine.name("cpto-b")
        let host = try TestDir()
        mkdir(host.path + "/dir", 0o755)
        mkdir(host.path + "/dir/sub", 0o750)
        try writeFile(host.path + "/dir/a.txt", "alpha\n", mode: 0o640)
        try writeFile(host.path + "/dir/sub/b.txt", "beta", mode: 0o600)
        symlink("a.txt", host.path + "/dir/link")
        try writeFile(host.path + "/file.txt", "one", mode: 0o755)
        symlink("file.txt", host.path + "/filelink")
        symlink("dir", host.path + "/dirlink")
        for p in ["/dir/a.txt", "/dir/sub/b.txt", "/dir/sub", "/dir", "/file.txt"] {
            var times = [timespec(tv_sec: 1_600_000_000, tv_nsec: 0), timespec(tv_sec: 1_600_000_000, tv_nsec: 0)]
            utimensat(AT_FDCWD, host.path + p, &times, AT_SYMLINK_NOFOLLOW)
        }
        _ = try await dsh("""
            for n in [\(lit(a)), \(lit(b))] {
                let c = docker.containers.create(\(image), cmd: ["sleep", "3600"], network: "none", name: n)
                c.start()
                assert(c.exec(["sh", "-c", "mkdir -p /t/existing && echo old > /t/existing/keep && echo f > /t/file && ln -s existing /t/elink"]).exit_code == 0)
            }
            """)
        defer { _ = runCommand(["docker", "rm", "-f", a, b]) }
        let sources = ["dir", "dir/", "dir/.", "file.txt", "filelink", "dirlink", "dirlink/", "nope"]
        let destinations = ["/t/new", "/t/existing", "/t/existing/", "/t/new/", "/t/file", "/t/file/", "/t/elink", "/t/missing/x"]
        for (i, src) in sources.enumerated() {
            for (j, dst) in destinations.enumerated() {
                for follow in [false, true] where follow == false || src.contains("link") {
                    // Each case in a fresh copy of /t (made by the container itself).
                    let reset = "rm -rf /t && mkdir -p /t/existing && echo old > /t/existing/keep && echo f > /t/file && ln -s existing /t/elink"
                    for n in [a, b] { _ = runCommand(["docker", "exec", n, "sh", "-c", reset]) }
                    let cli = runCommand(["docker", "cp"] + (follow ? ["-L"] : []) + [host.path + "/" + src, "\(a):\(dst)"])
                    var dshError: String? = nil
                    do {
                        _ = try await dsh("docker.containers.get(\(lit(b))).copy_to(\(lit(host.path + "/" + src)), \(lit(dst)), follow_link: \(follow))")
                    } catch let f as ScriptFailure {
                        dshError = f.message
                    }
                    let label = "copy_to(\(src), \(dst), follow_link: \(follow)) [\(i)-\(j)]"
                    #expect((cli.status == 0) == (dshError == nil), "\(label): cli \(cli.status) \(cli.output) / dsh \(dshError ?? "ok")")
                    let list = "find /t | sort | while read f; do stat -c '%n %F %a %s %Y %N' \"$f\"; [ -f \"$f\" ] && md5sum < \"$f\"; done"
                    let ta = runCommand(["docker", "exec", a, "sh", "-c", list])
                    let tb = runCommand(["docker", "exec", b, "sh", "-c", list])
                    // Times of what the reset made differ by the second between the two
                    // containers; the copied members carry the archive's (2020).
                    func masked(_ s: String) -> String {
                        s.split(separator: "\n").map { line in
                            line.split(separator: " ").map { t in (Int(t) ?? 0) > 1_700_000_000 ? "recent" : String(t) }.joined(separator: " ")
                        }.joined(separator: "\n")
                    }
                    #expect(masked(ta.output) == masked(tb.output), "\(label)")
                }
            }
        }
    }

    @Test func statAndUntar() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(Engine.name("stat"))))
            defer { c.remove(force: true) }
            c.start()
            assert(c.exec(["sh", "-c", \(lit(Self.setup))]).exit_code == 0)
            let f = c.stat("/src/dir/a.txt")
            print(f.name, f.size, format("{:o}", f.mode), f.type, f.mtime, f.linkTarget == "")
            let d = c.stat("/src/dir")
            print(d.name, format("{:o}", d.mode), d.type)
            let l = c.stat("/src/dir/link")
            print(l.type, l.linkTarget)
            try { c.stat("/src/nope") } catch e { print(e.status, e.message) }
            let entries = untar(c.get_archive("/src/dir"))
            for e in entries { print(e.path, e.type, format("{:o}", e.mode), e.size, e.linkname, len(e.data)) }
            let streamed = untar(c.get_archive("/src/dir", stream: true), data: false) | map(e => e.path) | collect
            print(streamed == map(entries, e => e.path), type(untar(c.get_archive("/src", stream: true))))
            try { untar(bytes("not a tar archive")) } catch e { print("untar error:", e.message) }
            """)
        #expect(r.output.contains("a.txt 6 100640 file 2020-01-02T03:04:05Z true\n"), "\(r.output)")
        #expect(r.output.contains("dir 40755 directory\n"), "\(r.output)")
        #expect(r.output.contains("symlink /src/dir/a.txt\n"), "\(r.output)")  // the daemon resolves it
        #expect(r.output.contains("404 container.stat: no such file or directory in container dsh-bt-stat-"), "\(r.output)")
        #expect(r.output.contains("dir/a.txt file 640 6 nil 6\n"), "\(r.output)")
        #expect(r.output.contains("dir/link symlink 777 0 a.txt 0\n"), "\(r.output)")
        #expect(r.output.contains("true stream\n"), "\(r.output)")
        #expect(r.output.contains("untar error: the archive ends inside a header (not a tar archive?)\n"), "\(r.output)")
    }

    @Test func hostileArchiveFromTheContainerWritesNothingOutside() async throws {
        let dir = try TestDir()
        let target = dir.path + "/target"
        mkdir(target, 0o755)
        let failure = try await dshFailure("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(Engine.name("hostile"))))
            defer { c.remove(force: true) }
            c.start()
            # h/x -> a/b/../.. reads as h/x -> . lexically, but a/b is h itself: x is the target's parent.
            assert(c.exec(["sh", "-c", "mkdir -p /h/a && ln -s .. /h/a/b && ln -s a/b/../.. /h/x"]).exit_code == 0)
            c.copy_from("/h", \(lit(target)))
            """)
        #expect(failure.message.contains("unsafe archive"), "\(failure.message)")
        var st = stat()
        #expect(lstat(target + "/h/x", &st) != 0)
    }
}

/// A temporary directory removed at the end of the test.
final class TestDir {
    let path: String
    init() throws {
        var template = Array("/tmp/dsh-cp-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw ScriptFailure(report: "mkdtemp failed", message: "", output: "") }
        path = String(cString: p)
    }
    deinit { _ = runCommand(["rm", "-rf", path]) }
}

/// Writes a file with a mode.
func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw ScriptFailure(report: "cannot write \(path)", message: "", output: "") }
    _ = text.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
    fchmod(fd, mode)
    close(fd)
}

/// Every path under `root` with its type, mode, size, mtime, link target and content.
func treeListing(_ root: String) -> [String] {
    var out: [String] = []
    func walk(_ rel: String) {
        let full = rel.isEmpty ? root : root + "/" + rel
        var st = stat()
        guard lstat(full, &st) == 0 else { return }
        let type = st.st_mode & S_IFMT
        var line = "\(rel.isEmpty ? "." : rel) \(String(st.st_mode, radix: 8)) \(type == S_IFDIR ? 0 : st.st_size)"
        // mtimes of non-directories; the test's own files (made now, a second apart for
        // the two sides) as "recent", the copied members keep the container's 2020 ones.
        if !rel.isEmpty && type != S_IFDIR { line += st.st_mtim.tv_sec > 1_700_000_000 ? " recent" : " \(st.st_mtim.tv_sec)" }
        if type == S_IFLNK {
            var buf = [CChar](repeating: 0, count: 4097)
            let n = readlink(full, &buf, 4096)
            line += " -> " + String(decoding: buf[0..<max(0, n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else if type == S_IFREG {
            let fd = open(full, O_RDONLY)
            var data = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &data, 4096)
            close(fd)
            line += " " + String(decoding: data[0..<max(0, n)], as: UTF8.self)
        }
        out.append(line)
        if type == S_IFDIR, let d = opendir(full) {
            var names: [String] = []
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(d)
            for n in names.sorted() { walk(rel.isEmpty ? n : rel + "/" + n) }
        }
    }
    walk("")
    return out
}

/// Spawn attributes (to destroy) giving the child no blocked signals and default
/// dispositions: the test runner's threads block or ignore some, which a daemon started
/// by a test (dockerd, its containerd) must not inherit. `flags` are added to those two.
func cleanSignalSpawnAttributes(flags: Int32 = 0) -> posix_spawnattr_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | flags))
    return attributes
}

/// Runs a host command (posix_spawnp, the test's environment); its status and output.
func runCommand(_ argv: [String]) -> (status: Int32, output: String) {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return (-1, "pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
    // A daemon started by the command must not inherit the runner's signal mask.
    var attributes = cleanSignalSpawnAttributes()
    defer { posix_spawnattr_destroy(&attributes) }
    var cargs = argv.map { strdup($0) }
    cargs.append(nil)
    defer { for a in cargs { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cargs, environ)
    close(fds[1])
    guard rc == 0 else { close(fds[0]); return (-1, "cannot run \(argv[0])") }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fds[0], &buf, buf.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    close(fds[0])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return ((status >> 8) & 0xff, String(decoding: out, as: UTF8.self))
}
