// SSHDialer: connections to `ssh://[user@]host[:port]` daemons as the docker CLI makes
// them: one `ssh [options] [-l user] [-p port] -- host docker system dial-stdio` process
// per connection, whose stdin and stdout carry the HTTP exchange (a NIO pipe channel;
// closing its output half-closes the connection, which dial-stdio passes on to the
// daemon) and whose stderr explains a failure (SSHProcess, SSHFailureReporter).
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
    /// The ssh command line for an endpoint (the CLI's connhelper/ssh): `options` first,
    /// then `-o ConnectTimeout=30` unless they set one, and `-T` unless they hold it.
    static func arguments(user: String?, host: String, port: Int?, options: [String] = []) -> [String] {
        var args = ["ssh"] + options
        if !options.joined().contains("ConnectTimeout") { args += ["-o", "ConnectTimeout=30"] }
        if !options.contains("-T") { args.append("-T") }
        if let user { args += ["-l", user] }
        if let port { args += ["-p", String(port)] }
        return args + ["--", host, "docker", "system", "dial-stdio"]
    }

    /// Starts ssh and wraps its pipes in a channel set up by `initializer`, behind an
    /// ``SSHFailureReporter``.
    static func connect(
        group: any EventLoopGroup, user: String?, host: String, port: Int?, options: [String],
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let loop = group.next()
        let ssh: Spawned
        do {
            ssh = try spawn(arguments(user: user, host: host, port: port, options: options))
        } catch {
            return loop.makeFailedFuture(error)
        }
        let endpoint = DockerEndpoint.ssh(user: user, host: host, port: port).description
        // Reaps ssh when it ends (the connection closed or ssh failed), keeping its stderr.
        let process = SSHProcess(pid: ssh.pid, stderrFD: ssh.stderr, endpoint: endpoint)
        return NIOPipeBootstrap(group: loop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SSHFailureReporter(process))
                }.flatMap { initializer(channel) }
            }
            .takingOwnershipOfDescriptors(input: ssh.output, output: ssh.input)
            .flatMapErrorThrowing { error in
                close(ssh.output)
                close(ssh.input)
                kill(ssh.pid, SIGTERM)
                throw error
            }
    }

    /// A started ssh: its pid and our ends of its stdin, stdout and stderr.
    struct Spawned {
        let pid: pid_t
        /// Writes to ssh's stdin.
        let input: Int32
        /// Reads ssh's stdout.
        let output: Int32
        /// Reads ssh's stderr.
        let stderr: Int32
    }

    /// posix_spawnp with stdin, stdout and stderr on pipes (ours close on exec, so no
    /// other child holds a connection open).
    static func spawn(_ argv: [String]) throws -> Spawned {
        var pipes: [[Int32]] = []
        func closeAll() { for fd in pipes.joined() { close(fd) } }
        for _ in 0..<3 {
            var p: [Int32] = [-1, -1]
            guard pipe(&p) == 0 else {
                let reason = String(cString: strerror(errno))
                closeAll()
                throw DockerError.transport("cannot make a pipe for ssh: \(reason)")
            }
            for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipes.append(p)
        }
        let (toSSH, fromSSH, errSSH) = (pipes[0], pipes[1], pipes[2])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toSSH[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromSSH[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errSSH[1], 2)
        var attr = SpawnSignals.attributes()
        defer { posix_spawnattr_destroy(&attr) }
        let cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attr, cargs, environ)
        close(toSSH[0])
        close(fromSSH[1])
        close(errSSH[1])
        guard rc == 0 else {
            close(toSSH[1]); close(fromSSH[0]); close(errSSH[0])
            throw DockerError.transport("cannot run ssh for the Docker host: \(String(cString: strerror(rc)))")
        }
        return Spawned(pid: pid, input: toSSH[1], output: fromSSH[0], stderr: errSSH[0])
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
