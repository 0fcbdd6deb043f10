// SSHDialer: connections to `ssh://[user@]host[:port]` daemons as the docker CLI makes
// them: one `ssh [-l user] [-p port] -- host docker system dial-stdio` process per
// connection, whose stdin and stdout carry the HTTP exchange (a NIO pipe channel; closing
// its output half-closes the connection, which dial-stdio passes on to the daemon).
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum SSHDialer {
    /// The ssh command line for an endpoint (the CLI's connhelper/ssh).
    static func arguments(user: String?, host: String, port: Int?) -> [String] {
        var args = ["ssh", "-o", "ConnectTimeout=30", "-T"]
        if let user { args += ["-l", user] }
        if let port { args += ["-p", String(port)] }
        return args + ["--", host, "docker", "system", "dial-stdio"]
    }

    /// Starts ssh and wraps its pipes in a channel set up by `initializer`.
    static func connect(
        group: any EventLoopGroup, user: String?, host: String, port: Int?,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let loop = group.next()
        let toSSH: [Int32], fromSSH: [Int32]
        let pid: pid_t
        do {
            (toSSH, fromSSH, pid) = try spawn(arguments(user: user, host: host, port: port))
        } catch {
            return loop.makeFailedFuture(error)
        }
        // Reap ssh when it ends (the connection closed or ssh failed).
        DetachedThread.detach {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        return NIOPipeBootstrap(group: loop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer(initializer)
            .takingOwnershipOfDescriptors(input: fromSSH[0], output: toSSH[1])
            .flatMapErrorThrowing { error in
                close(fromSSH[0])
                close(toSSH[1])
                kill(pid, SIGTERM)
                throw error
            }
    }

    /// posix_spawnp with stdin and stdout on pipes, stderr to /dev/null; returns the
    /// pipe ends (ours: toSSH[1], fromSSH[0]) and the pid.
    static func spawn(_ argv: [String]) throws -> ([Int32], [Int32], pid_t) {
        var toSSH: [Int32] = [-1, -1], fromSSH: [Int32] = [-1, -1]
        guard pipe(&toSSH) == 0 else { throw DockerError.transport("cannot make a pipe for ssh: \(String(cString: strerror(errno)))") }
        guard pipe(&fromSSH) == 0 else {
            close(toSSH[0]); close(toSSH[1])
            throw DockerError.transport("cannot make a pipe for ssh: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toSSH[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromSSH[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        for fd in toSSH + fromSSH { posix_spawn_file_actions_addclose(&actions, fd) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // ssh must not inherit the caller's blocked signals (an evaluation thread's).
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
        let cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cargs, environ)
        close(toSSH[0])
        close(fromSSH[1])
        guard rc == 0 else {
            close(toSSH[1]); close(fromSSH[0])
            throw DockerError.transport("cannot run ssh for the Docker host: \(String(cString: strerror(rc)))")
        }
        return (toSSH, fromSSH, pid)
    }
}

/// A plain detached thread (ssh reapers must not occupy the concurrency pool).
enum DetachedThread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        if rc == 0 { pthread_detach(thread) } else { box.release() }
    }
}
