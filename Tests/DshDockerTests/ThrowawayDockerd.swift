// ThrowawayDockerd.swift: a second dockerd of a test's own (its own directory, socket,
// data and exec roots, vfs storage, no network), to kill with SIGKILL and start again;
// `stop()` ends it by pid and removes everything, also when the test failed.
import DockerEngine
import DshCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A dockerd the test owns.
final class ThrowawayDockerd: Sendable {
    /// Its state directory (short: the sockets under it must fit `sun_path`).
    let dir: String
    private let pid = Atomic<Int32>(0)

    /// Whether a dockerd binary is on PATH.
    static var installed: Bool { access("/usr/bin/dockerd", X_OK) == 0 || access("/usr/sbin/dockerd", X_OK) == 0 }

    init() {
        dir = "/tmp/dsh-td-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        mkdir(dir, 0o700)
    }

    /// `unix://DIR/d.sock`.
    var host: String { "unix://\(dir)/d.sock" }

    /// Starts dockerd and waits (60 s at most) until it answers a ping.
    func start() throws {
        let args = [
            "dockerd", "--host", host, "--data-root", "\(dir)/root", "--exec-root", "\(dir)/exec", "--pidfile", "\(dir)/d.pid",
            "--bridge", "none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
            "--userland-proxy=false", "--storage-driver", "vfs",
        ]
        let p = try spawn(args, log: "\(dir)/dockerd.log")
        pid.store(p, ordering: .relaxed)
        let client = try DockerClient(host: host, apiVersion: "1.41")
        for _ in 0..<240 {
            if (try? client.requestBlocking("GET", "/_ping", timeouts: DockerTimeouts(connect: .seconds(1), responseHeader: .seconds(2), idle: .seconds(2))))?.status == 200 {
                return
            }
            var status: Int32 = 0
            if waitpid(p, &status, WNOHANG) == p {
                pid.store(0, ordering: .relaxed)
                let log = (try? String(decoding: readAll("\(dir)/dockerd.log"), as: UTF8.self)) ?? ""
                let tail = log.split(separator: "\n").suffix(5).joined(separator: "\n")
                throw DockerError(kind: .transport, message: "the throwaway dockerd exited (status \(status)):\n\(tail)")
            }
            usleep(250_000)
        }
        throw DockerError(kind: .timeout, message: "the throwaway dockerd did not answer within 60 s (see \(dir)/dockerd.log)")
    }

    /// Kills dockerd with `signal` and reaps it (containerd, its child, goes with it).
    func kill(_ signal: Int32 = SIGKILL) {
        let p = pid.exchange(0, ordering: .relaxed)
        guard p > 0 else { return }
        Glibc.kill(p, signal)
        var status: Int32 = 0
        if signal != SIGKILL {
            for _ in 0..<120 {
                if waitpid(p, &status, WNOHANG) == p { return killContainerd() }
                usleep(250_000)
            }
            Glibc.kill(p, SIGKILL)
        }
        _ = waitpid(p, &status, 0)
        killContainerd()
    }

    /// Kills containerd and removes its pid file: the killed process stays a zombie here
    /// (nobody reaps it), which a new dockerd would take for a running containerd.
    private func killContainerd() {
        let pidFile = "\(dir)/exec/containerd/containerd.pid"
        if let text = try? String(decoding: readAll(pidFile), as: UTF8.self), let p = Int32(text.filter { $0.isNumber }), p > 1 {
            Glibc.kill(p, SIGKILL)
        }
        unlink(pidFile)
    }

    /// Kills what a killed dockerd left running: its containers (through runc) and the
    /// containerd shims that serve this directory, with their children.
    private func killLeftovers() {
        let runcRoot = "\(dir)/exec/runtime-runc/moby"
        if let ids = opendir(runcRoot) {
            while let entry = readdir(ids) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name.hasPrefix(".") { continue }
                if let p = try? spawn(["runc", "--root", runcRoot, "kill", name, "KILL"], log: "/dev/null") {
                    var status: Int32 = 0
                    _ = waitpid(p, &status, 0)
                }
            }
            closedir(ids)
        }
        guard let proc = opendir("/proc") else { return }
        defer { closedir(proc) }
        var shims: [Int32] = []
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let p = Int32(name), let cmdline = try? readAll("/proc/\(p)/cmdline") else { continue }
            let text = String(decoding: cmdline.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if text.contains("containerd-shim"), text.contains(dir + "/") { shims.append(p) }
        }
        for shim in shims {
            if let children = try? String(decoding: readAll("/proc/\(shim)/task/\(shim)/children"), as: UTF8.self) {
                for child in children.split(separator: " ").compactMap({ Int32($0) }) { Glibc.kill(child, SIGKILL) }
            }
            Glibc.kill(shim, SIGKILL)
        }
    }

    /// Ends dockerd (gracefully, then by force) and removes the directory.
    func stop() {
        kill(SIGTERM)
        killLeftovers()
        if let mounts = try? String(decoding: readAll("/proc/mounts"), as: UTF8.self) {
            for line in mounts.split(separator: "\n").reversed() {
                let fields = line.split(separator: " ")
                if fields.count > 1, fields[1].hasPrefix(dir + "/") { umount2(String(fields[1]), Int32(MNT_DETACH)) }
            }
        }
        if let p = try? spawn(["rm", "-rf", dir], log: "/dev/null") {
            var status: Int32 = 0
            _ = waitpid(p, &status, 0)
        }
    }

    private func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DockerError(kind: .configuration, message: "cannot open \(path)") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { return out }
            out += buf[..<n]
        }
    }

    private func spawn(_ args: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // A session of its own, no blocked signals and default dispositions.
        var attributes = cleanSignalSpawnAttributes(flags: 0x80)  // 0x80: POSIX_SPAWN_SETSID
        defer { posix_spawnattr_destroy(&attributes) }
        let argv = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var p: pid_t = 0
        // A plain environment: nothing of the test runner's reaches dockerd and containerd.
        let plain = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"]
        let environment: [UnsafeMutablePointer<CChar>?] = plain.map { strdup($0) } + [nil]
        defer { for e in environment { free(e) } }
        let rc = posix_spawnp(&p, args[0], &actions, &attributes, argv, environment)
        guard rc == 0 else { throw DockerError(kind: .configuration, message: "cannot run \(args[0]): \(String(cString: strerror(rc)))") }
        return p
    }
}
