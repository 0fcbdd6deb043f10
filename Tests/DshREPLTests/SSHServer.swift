// SSHServer.swift: a real OpenSSH server (Debian's openssh-server) on a free 127.0.0.1
// port in front of the test engine, for the `ssh://` host tests: a throwaway host key
// and client keys made with ssh-keygen in a temp dir, key authentication only, and
// `SetEnv DOCKER_HOST=<the test engine>` so the remote `docker system dial-stdio` reaches
// the private engine. The client side is an ssh_config file (`ssh -F`) naming the key,
// the generated known_hosts and BatchMode. Stopped by pid, its dir removed.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class SSHServer {
    /// Where sshd is (Debian's openssh-server).
    static let sshd = "/usr/sbin/sshd"

    /// Why the server could not be set up.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        static func setup(_ message: String) -> Failure { Failure(description: message) }
    }

    /// The temp dir holding keys, configs, pid file and sshd's log.
    let dir: String
    /// The port sshd listens on (127.0.0.1).
    let port: Int
    /// The user logged in as (the one running the tests: sshd accepts no other when not root).
    let user: String
    /// sshd's pid (started with posix_spawn and reaped here: Foundation's Process takes
    /// sshd for ended when it closes the descriptors it inherited, and then blocks in
    /// waitpid, stalling every other Process of the test run).
    private let pid: pid_t

    /// The `ssh://` address of the engine behind this server.
    var address: String { "ssh://\(user)@127.0.0.1:\(port)" }
    /// ssh options (`-F file`) with the right client key.
    var options: [String] { ["-F", dir + "/ssh_config"] }
    /// ssh options with a key the server does not know.
    var wrongKeyOptions: [String] { ["-F", dir + "/ssh_config_wrong"] }
    /// What sshd logged so far (for failure messages).
    var log: String { (try? String(contentsOfFile: dir + "/sshd.log", encoding: .utf8)) ?? "" }

    /// Starts sshd with `DOCKER_HOST=engineHost` for its sessions. Throws when sshd is
    /// missing or does not come up (after removing what it made).
    init(engineHost: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.sshd) else {
            throw Failure.setup("no \(Self.sshd): install Debian's openssh-server (scripts/test does)")
        }
        var template = Array("/tmp/dsh-sshd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure.setup("mkdtemp failed") }
        dir = String(cString: made)
        user = String(cString: getpwuid(getuid()).pointee.pw_name)
        do {
            // sshd started as root wants its privilege separation dir (Debian's service makes it).
            if getuid() == 0 && !FileManager.default.fileExists(atPath: "/run/sshd") {
                try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            }
            for key in ["host_key", "client_key", "wrong_key"] {
                try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "dsh-test", "-f", dir + "/" + key])
            }
            try FileManager.default.copyItem(atPath: dir + "/client_key.pub", toPath: dir + "/authorized_keys")
            let hostKey = try String(contentsOfFile: dir + "/host_key.pub", encoding: .utf8)
            var started: (Int, pid_t)?
            var lastLog = ""
            // A free port can be taken between the probe and sshd's bind: try a few.
            for _ in 0..<3 where started == nil {
                let port = try Self.freePort()
                try Self.write(dir + "/sshd_config", """
                    ListenAddress 127.0.0.1:\(port)
                    HostKey \(dir)/host_key
                    PidFile \(dir)/sshd.pid
                    AuthorizedKeysFile \(dir)/authorized_keys
                    StrictModes no
                    UsePAM no
                    PubkeyAuthentication yes
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    PermitRootLogin prohibit-password
                    SetEnv DOCKER_HOST=\(engineHost)

                    """)
                let pid = try Self.spawnSSHD(config: dir + "/sshd_config", log: dir + "/sshd.log")
                if Self.waitForListener(port, pid: pid) {
                    started = (port, pid)
                } else {
                    lastLog = (try? String(contentsOfFile: dir + "/sshd.log", encoding: .utf8)) ?? ""
                }
            }
            guard let (port, pid) = started else { throw Failure.setup("sshd did not start: \(lastLog)") }
            self.port = port
            self.pid = pid
            try Self.write(dir + "/known_hosts", "[127.0.0.1]:\(port) \(hostKey)")
            for (name, key) in [("ssh_config", "client_key"), ("ssh_config_wrong", "wrong_key")] {
                try Self.write(dir + "/" + name, """
                    Host *
                      IdentityFile \(dir)/\(key)
                      IdentitiesOnly yes
                      IdentityAgent none
                      UserKnownHostsFile \(dir)/known_hosts
                      GlobalKnownHostsFile /dev/null
                      StrictHostKeyChecking yes
                      BatchMode yes
                      LogLevel ERROR

                    """)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    /// Stops sshd (by its pid: SIGTERM, then SIGKILL after 5 s), reaps it and removes the dir.
    func stop() {
        var status: Int32 = 0
        kill(pid, SIGTERM)
        var ended = false
        for _ in 0..<50 where !ended {
            ended = waitpid(pid, &status, WNOHANG) == pid
            if !ended { usleep(100_000) }
        }
        if !ended {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Starts `sshd -D -e -f config` with its stderr to `log`, stdin and stdout /dev/null,
    /// and real signal dispositions.
    private static func spawnSSHD(config: String, log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = TerminalSession.realSignals([SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD])
        defer { posix_spawnattr_destroy(&attr) }
        let argv = ([sshd, "-D", "-e", "-f", config] as [String]).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, sshd, &actions, &attr, argv, environ)
        guard rc == 0 else { throw Failure.setup("cannot start sshd: \(String(cString: strerror(rc)))") }
        return pid
    }

    /// A port nobody listens on at 127.0.0.1 now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.setup("socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { throw Failure.setup("cannot bind a port on 127.0.0.1") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether something accepts connections on 127.0.0.1:`port` within 10 s. When not,
    /// sshd `pid` has ended or is killed, and is reaped.
    private static func waitForListener(_ port: Int, pid: pid_t) -> Bool {
        for _ in 0..<100 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return false }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let rc = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if rc == 0 { return true }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return false
    }

    private static func run(_ tool: String, _ args: [String]) throws {
        let r = try runProgram(tool, args)
        guard r.status == 0 else { throw Failure.setup("\(tool) \(args.joined(separator: " ")) failed: \(r.output)") }
    }

    private static func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }
}
