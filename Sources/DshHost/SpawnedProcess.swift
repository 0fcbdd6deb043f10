// SpawnedProcess.swift: starts a host program with posix_spawn in a process group of
// its own, with pipes for stdin, stdout and stderr, and kills or reaps that group.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DshCore

/// A running host process, leader of its own process group (so killing the group
/// reaches everything it started). Owned by the interpreter's thread.
final class SpawnedProcess {
    /// The process id, which is also its process-group id.
    let pid: pid_t
    /// The parent's ends of the pipes (-1 once closed).
    var stdinFD: Int32
    var stdoutFD: Int32
    var stderrFD: Int32
    /// The exit status once reaped: the exit code, or 128 + signal number.
    private(set) var exitCode: Int?
    /// The signal that ended it, if one did.
    private(set) var signal: Int32?
    /// What was run, as shown in errors.
    let display: String

    private init(pid: pid_t, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, display: String) {
        self.pid = pid
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.display = display
        HostSession.pendingCleanup.add(1, ordering: .releasing)
    }

    deinit {
        if exitCode == nil { killGroup() }
        closeAll()
        HostSession.pendingCleanup.subtract(1, ordering: .releasing)
    }

    /// Starts `argv[0]` (looked up in `PATH` when it has no slash) with `argv`,
    /// environment `env` (`NAME=value` strings) and working directory `cwd`.
    /// `wantsStdin` false gives the child /dev/null as its standard input.
    static func spawn(argv: [String], env: [String], cwd: String?, wantsStdin: Bool,
                      display: String, function: String) throws -> SpawnedProcess {
        guard let program = argv.first, !program.isEmpty else {
            throw DshError.runtime("\(function): the command is empty")
        }
        for a in argv where a.utf8.contains(0) {
            throw DshError.runtime("\(function): an argument contains a NUL byte")
        }
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        func closePipes() { for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) } }
        if wantsStdin { guard makePipe(&inPipe) else { throw errnoError(function, "pipe") } }
        guard makePipe(&outPipe), makePipe(&errPipe) else {
            let e = errnoError(function, "pipe")
            closePipes()
            throw e
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if wantsStdin {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let cwd {
            _ = cwd.withCString { posixSpawnFileActionsAddChdir(&actions, $0) }
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // A new process group (pgid = pid), default signal actions, nothing blocked.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGQUIT, SIGPIPE, SIGTERM, SIGHUP, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        // posix_spawnp searches the PATH of the *parent*; with a replaced environment the
        // child's PATH is what a user means, so search it ourselves.
        let path = program.contains("/") ? program : resolve(program, in: env)
        let rc = posix_spawn(&pid, path, &actions, &attr, cArgs, cEnv)
        // The child's ends are not ours to keep.
        if inPipe[0] >= 0 { close(inPipe[0]) }
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            if inPipe[1] >= 0 { close(inPipe[1]) }
            close(outPipe[0])
            close(errPipe[0])
            let reason = rc == ENOENT ? "command not found" : String(cString: strerror(rc))
            throw DshError.runtime("\(function): cannot run '\(program)': \(reason) (\(errnoName(rc)))",
                                   fields: [("command", .string(display)), ("errno", .string(errnoName(rc)))])
        }
        for fd in [inPipe[1], outPipe[0], errPipe[0]] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return SpawnedProcess(pid: pid, stdinFD: inPipe[1], stdoutFD: outPipe[0], stderrFD: errPipe[0], display: display)
    }

    /// The first executable `name` in the `PATH` of `env` (else the parent's PATH, else
    /// `/usr/local/bin:/usr/bin:/bin`); `name` itself when none is found (spawn then fails
    /// with ENOENT).
    private static func resolve(_ name: String, in env: [String]) -> String {
        var pathVar = env.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        if pathVar == nil, let p = getenv("PATH") { pathVar = String(cString: p) }
        for dir in (pathVar ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            if access(candidate, X_OK) == 0 {
                var st = stat()
                if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { return candidate }
            }
        }
        return name
    }

    /// Closes the write side of stdin so the child reads end-of-file.
    func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Closes every pipe still open.
    func closeAll() {
        closeStdin()
        if stdoutFD >= 0 { close(stdoutFD); stdoutFD = -1 }
        if stderrFD >= 0 { close(stderrFD); stderrFD = -1 }
    }

    /// Whether it has been reaped.
    var hasExited: Bool { exitCode != nil }

    /// Reaps the process without blocking; true once it has exited.
    @discardableResult
    func poll() -> Bool {
        if exitCode != nil { return true }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { record(status); return true }
        if r < 0 && errno == ECHILD { exitCode = -1; return true }
        return false
    }

    /// Kills the whole process group with SIGKILL and reaps the leader.
    func killGroup() {
        _ = kill(-pid, SIGKILL)
        guard exitCode == nil else { return }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, 0)
            if r == pid { record(status); return }
            if r < 0 && errno == EINTR { continue }
            exitCode = -1
            return
        }
    }

    private func record(_ status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand (they are macros).
        let sig = status & 0x7f
        if sig == 0 {
            exitCode = Int((status >> 8) & 0xff)
        } else {
            signal = sig
            exitCode = 128 + Int(sig)
        }
    }
}

// MARK: - libc helpers

/// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+, macOS 10.15+), which the Glibc
/// module does not export (a GNU extension). Linked directly, not looked up with `dlsym`:
/// the released binary is static, where `dlsym` finds nothing, and `cwd:` failed there.
/// (Pointer and `int` arguments pass the same way under Swift's and C's conventions.)
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func posixSpawnFileActionsAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// A pipe whose both ends are close-on-exec (the child gets its ends through dup2).
func makePipe(_ fds: inout [Int32]) -> Bool {
    var p: [Int32] = [0, 0]
    guard pipe(&p) == 0 else { return false }
    for fd in p { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    fds = p
    return true
}

/// Writes to a process's stdin with SIGPIPE blocked on this thread: a process that
/// stopped reading makes the write fail with EPIPE instead of ending dsh, and the
/// SIGPIPE the write raised is taken off this thread before it is unblocked. The
/// process-wide disposition stays as it was (so `dsh script | head` still ends when
/// head does).
func writeWithoutSIGPIPE(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    var pipeOnly = sigset_t()
    sigemptyset(&pipeOnly)
    sigaddset(&pipeOnly, SIGPIPE)
    var saved = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeOnly, &saved)
    let n = write(fd, pointer, count)
    let code = errno
    if n < 0 && code == EPIPE {
        var none = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&pipeOnly, nil, &none)
    }
    pthread_sigmask(SIG_SETMASK, &saved, nil)
    errno = code
    return n
}

/// The symbolic name of an errno value, as CLI tools print it (`ENOENT`).
func errnoName(_ code: Int32) -> String {
    switch code {
    case EPERM: return "EPERM"
    case ENOENT: return "ENOENT"
    case EACCES: return "EACCES"
    case EEXIST: return "EEXIST"
    case ENOTDIR: return "ENOTDIR"
    case EISDIR: return "EISDIR"
    case ENOTEMPTY: return "ENOTEMPTY"
    case EXDEV: return "EXDEV"
    case EINVAL: return "EINVAL"
    case EBUSY: return "EBUSY"
    case EROFS: return "EROFS"
    case ENOSPC: return "ENOSPC"
    case ELOOP: return "ELOOP"
    case ENAMETOOLONG: return "ENAMETOOLONG"
    case EMFILE: return "EMFILE"
    case ENOEXEC: return "ENOEXEC"
    case E2BIG: return "E2BIG"
    case EIO: return "EIO"
    case EPIPE: return "EPIPE"
    default: return "errno \(code)"
    }
}

/// `function: what: reason (ENAME)` for the current errno.
func errnoError(_ function: String, _ what: String, path: String? = nil) -> DshError {
    let code = errno
    let reason = String(cString: strerror(code))
    var fields: [(String, Value)] = [("errno", .string(errnoName(code)))]
    if let path { fields.append(("path", .string(path))) }
    return DshError.runtime("\(function): \(what): \(reason) (\(errnoName(code)))", fields: fields)
}
