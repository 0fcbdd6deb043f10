// TerminalSession.swift: drives the real `dsh` binary in a pseudo-terminal through
// tmux (its own server socket, HOME and history file), polling the screen with a deadline.
import Foundation
import Testing

/// One `dsh` running in a private tmux server.
final class TerminalSession {
    let socket: String
    let home: String
    let historyPath: String
    private static let counter = NSLock()
    nonisolated(unsafe) private static var next = 0

    /// Starts `dsh` in a 120x40 pane with a fresh HOME (or `home`) and history file.
    init(home: String? = nil, historyPath: String? = nil, extraEnv: [String: String] = [:]) throws {
        TerminalSession.counter.lock()
        TerminalSession.next += 1
        let n = TerminalSession.next
        TerminalSession.counter.unlock()
        socket = "dsh-test-\(getpid())-\(n)"
        if let home {
            self.home = home
        } else {
            var template = Array("/tmp/dsh-repl-home-XXXXXX".utf8CString)
            guard let dir = mkdtemp(&template) else { throw TerminalError.setup("mkdtemp failed") }
            self.home = String(cString: dir)
        }
        self.historyPath = historyPath ?? self.home + "/history"
        let binary = try TerminalSession.binaryPath()
        var env = ["HOME": self.home, "DSH_HISTORY": self.historyPath, "TERM": "xterm-256color", "NO_COLOR": "1", "LANG": "C.UTF-8"]
        for (k, v) in extraEnv { env[k] = v }
        let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(TerminalSession.shellQuote($0.value))" }
        let command = "env " + assignments.joined(separator: " ") + " " + TerminalSession.shellQuote(binary)
        try tmux(["-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", command])
    }

    /// The dsh binary: `DSH_BINARY`, the one built beside this test bundle, or `.build/debug/dsh`.
    static func binaryPath() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["DSH_BINARY"] { candidates.append(env) }
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(me.deletingLastPathComponent().appendingPathComponent("dsh").path)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/dsh").path)
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw TerminalError.setup("no dsh binary (tried \(candidates)); build it or set DSH_BINARY")
    }

    /// Spawn attributes (destroy them after use) for a child with real signal
    /// dispositions: nothing blocked (the test runs on a thread that blocks most signals,
    /// and tmux and dsh must not inherit that) and `defaults` at their default action.
    static func realSignals(_ defaults: [Int32]) -> posix_spawnattr_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var set = sigset_t()
        sigemptyset(&set)
        for sig in defaults { sigaddset(&set, sig) }
        posix_spawnattr_setsigdefault(&attr, &set)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return attr
    }

    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs a tmux command on this session's server (posix_spawn + waitpid). Only
    /// `capture` reads its output: the server that `new-session` starts would
    /// inherit a pipe and keep it open.
    @discardableResult
    func tmux(_ args: [String], capture: Bool = false) throws -> String {
        let argv = ["tmux", "-L", socket] + args
        var fds: [Int32] = [-1, -1]
        if capture { guard pipe(&fds) == 0 else { throw TerminalError.setup("pipe failed") } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if capture {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        var cargs = argv.map { strdup($0) }
        cargs.append(nil)
        defer { for a in cargs { free(a) } }
        var attr = TerminalSession.realSignals([SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGTSTP, SIGWINCH])
        defer { posix_spawnattr_destroy(&attr) }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, &attr, cargs, environ)
        if capture { Glibc.close(fds[1]) }
        guard rc == 0 else {
            if capture { Glibc.close(fds[0]) }
            throw TerminalError.setup("cannot run tmux: \(rc)")
        }
        var data: [UInt8] = []
        if capture {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fds[0], &buffer, buffer.count)
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
            }
            Glibc.close(fds[0])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard code == 0 else { throw TerminalError.tmux(args, code) }
        return String(decoding: data, as: UTF8.self)
    }

    /// Types `text` literally.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "0", "-l", text]) }

    /// Presses keys by tmux name (`Enter`, `Tab`, `Up`, `Left`, `C-c`, `C-d`).
    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", "0"] + keys) }

    /// Types `line` literally, then presses Enter.
    func enter(_ line: String) throws {
        try type(line)
        try press("Enter")
    }

    /// The visible screen, trailing blank lines removed.
    func screen() -> String {
        var text = (try? tmux(["capture-pane", "-p", "-t", "0"], capture: true)) ?? ""
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// The screen's lines.
    func lines() -> [String] { screen().components(separatedBy: "\n") }

    /// Polls the screen until `condition` holds; returns the last screen when it does,
    /// nil when `timeout` passes first.
    @discardableResult
    func wait(timeout: Duration = .seconds(10), _ condition: (String) -> Bool) -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let s = screen()
            if condition(s) { return s }
            if ContinuousClock.now > deadline { return nil }
            usleep(20_000)
        }
    }

    /// Waits until the last line is an empty main prompt (`...> ` excluded) and
    /// the prompt count reached `count` (when given).
    @discardableResult
    func waitForPrompt(count: Int? = nil, timeout: Duration = .seconds(10)) -> String? {
        wait(timeout: timeout) { s in
            let lines = s.components(separatedBy: "\n")
            guard let last = lines.last, TerminalSession.isPrompt(last), last.hasSuffix(">") else { return false }
            if let count { return lines.filter(TerminalSession.isPrompt).count >= count }
            return true
        }
    }

    /// Whether a screen line starts with a main prompt (`dsh...> `).
    static func isPrompt(_ line: String) -> Bool {
        line.hasPrefix("dsh") && line.contains(">") && !line.hasPrefix("...>")
    }

    /// Whether the tmux session (hence dsh) is still running.
    var isRunning: Bool { (try? tmux(["has-session"])) != nil }

    /// Ends the session and its tmux server.
    func close() {
        _ = try? tmux(["kill-server"])
        unlink("/tmp/tmux-\(getuid())/\(socket)")
    }

    deinit { close() }
}

enum TerminalError: Error, CustomStringConvertible {
    case setup(String)
    case tmux([String], Int32)
    var description: String {
        switch self {
        case .setup(let s): return s
        case .tmux(let args, let code): return "tmux \(args) exited with \(code)"
        }
    }
}
