// InteractiveTerminalTests.swift: a terminal in a container, as a user meets it: the real
// `dsh` in a tmux pane against the real engine: typing into a busybox shell, resizing the
// pane and reading `stty size`, detaching with ctrl-p ctrl-q and attaching again, exiting
// with a status, and the same calls with stdin a pipe (docker's `-i` without `-t`).
import Foundation
import Testing

@Suite(.enabled(if: TestEngine.enabled, TestEngine.skipReason), .serialized)
struct InteractiveTerminalTests {
    /// Starts a running busybox container (`sleep`, or `sh` with a TTY and open stdin).
    static func start(_ name: String, shellWithTTY: Bool = false) throws {
        let spec = shellWithTTY ? "cmd: [\"sh\"], tty: true, stdin: true" : "cmd: [\"sleep\", \"300\"]"
        let r = try TestEngine.dsh("""
            docker.containers.create(image: env.DSH_TEST_IMAGE, name: args[0], \(spec), network: "none").start()
            """, [name])
        guard r.status == 0 else { throw TerminalError.setup("starting \(name) failed (\(r.status)): \(r.output)") }
    }

    /// Runs `printf FORMAT | dsh -c code args...` through sh (dsh's stdin a pipe, no
    /// terminal); returns its stdout and stderr.
    static func piped(_ printfFormat: String, into code: String, _ args: String...) throws -> (String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let dsh = try TerminalSession.binaryPath()
        let command = ([dsh, "-c", code] + args).map(TerminalSession.shellQuote).joined(separator: " ")
        process.arguments = ["-c", "printf \(TerminalSession.shellQuote(printfFormat)) | \(command)"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (stdout, stderr)
    }

    /// A REPL session on the engine, at its prompt.
    static func repl() throws -> TerminalSession {
        let t = try TerminalSession(extraEnv: ["DOCKER_HOST": TestEngine.host, "DSH_TEST_IMAGE": TestEngine.image])
        #expect(t.waitForPrompt() != nil, "no prompt: \(t.screen())")
        return t
    }

    @Test func shellTypesResizesAndExitsWithAStatus() throws {
        guard TestEngine.require() else { return }
        let name = TestEngine.uniqueName("shell")
        try Self.start(name)
        defer { TestEngine.removeContainers([name]) }
        let t = try Self.repl()
        defer { t.close() }
        try t.enter("let r = docker.containers.get(\"\(name)\").shell()")
        #expect(t.wait { $0.hasSuffix("# ") || $0.hasSuffix("#") } != nil, "no shell prompt: \(t.screen())")
        try t.enter("echo typed-$((6*7))")
        #expect(t.wait { $0.contains("typed-42") } != nil, "typing did not reach the shell: \(t.screen())")
        // (Under heavy load busybox's stty has been seen to fail once with "stty: standard
        // input" right after the shell started; ask again rather than fail on that.)
        var sized = false
        for _ in 0..<3 where !sized {
            try t.enter("stty size")
            sized = t.wait(timeout: .seconds(3)) { $0.contains("40 120") } != nil
        }
        #expect(sized, "the window size was not sent at the start: \(t.screen())")
        try t.tmux(["resize-window", "-t", "0", "-x", "100", "-y", "30"])
        usleep(300_000)
        try t.enter("stty size")
        #expect(t.wait { $0.contains("30 100") } != nil, "SIGWINCH did not resize: \(t.screen())")
        try t.enter("exit 3")
        #expect(t.waitForPrompt(count: 2) != nil, "no dsh prompt after exit: \(t.screen())")
        try t.enter("print(\"code=${r.exit_code} detached=${r.detached}\")")
        #expect(t.wait { $0.contains("code=3 detached=false") } != nil, "exit status not returned: \(t.screen())")
        // The terminal is back in cooked mode: the REPL echoes and edits as before.
        try t.enter("1 + 1")
        #expect(t.wait { $0.components(separatedBy: "\n").contains("2") } != nil, "the REPL did not recover: \(t.screen())")
    }

    @Test func detachAndAttachAgain() throws {
        guard TestEngine.require() else { return }
        let name = TestEngine.uniqueName("attach")
        try Self.start(name, shellWithTTY: true)
        defer { TestEngine.removeContainers([name]) }
        let t = try Self.repl()
        defer { t.close() }
        try t.enter("let c = docker.containers.get(\"\(name)\")")
        #expect(t.waitForPrompt(count: 2) != nil)
        try t.enter("let a = c.attach(interactive: true)")
        usleep(300_000)
        try t.enter("echo first-$((1+1))")
        #expect(t.wait { $0.contains("first-2") } != nil, "attach did not carry input: \(t.screen())")
        try t.press("C-p")
        try t.press("C-q")
        #expect(t.waitForPrompt(count: 3) != nil, "ctrl-p ctrl-q did not detach: \(t.screen())")
        try t.enter("print(\"detached=${a.detached} running=${c.inspect().State.Running}\")")
        #expect(t.wait { $0.contains("detached=true running=true") } != nil, "\(t.screen())")
        try t.enter("let b = c.attach(interactive: true, detach_keys: \"ctrl-x\")")
        usleep(300_000)
        try t.enter("echo second-$((2+2))")
        #expect(t.wait { $0.contains("second-4") } != nil, "the second attach did not carry input: \(t.screen())")
        try t.enter("exit 5")
        #expect(t.waitForPrompt(count: 5) != nil, "no prompt after the container exited: \(t.screen())")
        try t.enter("print(\"code=${b.exit_code} detached=${b.detached}\")")
        #expect(t.wait { $0.contains("code=5 detached=false") } != nil, "\(t.screen())")
    }

    /// `detachKeys` in the CLI's config.json replaces ctrl-p,ctrl-q.
    @Test func detachKeysFromConfigJSON() throws {
        guard TestEngine.require() else { return }
        let name = TestEngine.uniqueName("keys")
        try Self.start(name, shellWithTTY: true)
        defer { TestEngine.removeContainers([name]) }
        var template = Array("/tmp/dsh-keys-XXXXXX".utf8CString)
        let config = String(cString: mkdtemp(&template)!)
        defer { try? FileManager.default.removeItem(atPath: config) }
        #expect(FileManager.default.createFile(atPath: config + "/config.json", contents: Data("{\"detachKeys\": \"ctrl-x,ctrl-y\"}".utf8)))
        let t = try TerminalSession(extraEnv: ["DOCKER_HOST": TestEngine.host, "DSH_TEST_IMAGE": TestEngine.image, "DOCKER_CONFIG": config])
        defer { t.close() }
        #expect(t.waitForPrompt() != nil, "no prompt: \(t.screen())")
        try t.enter("let a = docker.containers.get(\"\(name)\").attach(interactive: true)")
        usleep(300_000)
        try t.press("C-p")
        try t.press("C-q")
        try t.enter("echo still-$((3+4))")
        #expect(t.wait { $0.contains("still-7") } != nil, "ctrl-p ctrl-q should not detach here: \(t.screen())")
        try t.press("C-x")
        try t.press("C-y")
        #expect(t.waitForPrompt(count: 2) != nil, "ctrl-x ctrl-y from config.json did not detach: \(t.screen())")
        try t.enter("print(\"detached=${a.detached}\")")
        #expect(t.wait { $0.contains("detached=true") } != nil, "\(t.screen())")
    }

    @Test func runWithATerminalIsDockerRunIt() throws {
        guard TestEngine.require() else { return }
        let name = TestEngine.uniqueName("runit")
        defer { TestEngine.removeContainers([name]) }
        let t = try Self.repl()
        defer { t.close() }
        try t.enter("let r = run(env.DSH_TEST_IMAGE, \"sh\", tty: true, interactive: true, name: \"\(name)\")")
        #expect(t.wait { $0.hasSuffix("# ") || $0.hasSuffix("#") } != nil, "no shell prompt: \(t.screen())")
        try t.enter("tty; exit 7")
        #expect(t.waitForPrompt(count: 2) != nil, "no dsh prompt after exit: \(t.screen())")
        #expect(t.screen().contains("/dev/pts/"), "no TTY in the container: \(t.screen())")
        try t.enter("print(\"code=${r.exit_code} left=${len(docker.containers.list(all: true, filters: {name: [\"\(name)\"]}))}\")")
        #expect(t.wait { $0.contains("code=7 left=0") } != nil, "\(t.screen())")
    }

    /// SIGTERM to dsh during a session ends it with an error and gives the terminal back.
    @Test func aSignalRestoresTheTerminal() throws {
        guard TestEngine.require() else { return }
        let name = TestEngine.uniqueName("sig")
        try Self.start(name)
        defer { TestEngine.removeContainers([name]) }
        let t = try Self.repl()
        defer { t.close() }
        try t.enter("docker.containers.get(\"\(name)\").shell()")
        #expect(t.wait { $0.hasSuffix("# ") || $0.hasSuffix("#") } != nil, "no shell prompt: \(t.screen())")
        let pid = try t.tmux(["display-message", "-p", "-t", "0", "#{pane_pid}"], capture: true).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(kill(pid_t(pid) ?? 0, SIGTERM) == 0, "no dsh pid: \(pid)")
        #expect(t.wait { $0.contains("terminated by signal 15") } != nil, "the session did not end: \(t.screen())")
        #expect(t.waitForPrompt(count: 2) != nil, "no prompt after the signal: \(t.screen())")
        // Cooked again: what is typed is echoed and evaluated by the REPL.
        try t.enter("40 + 2")
        #expect(t.wait { $0.components(separatedBy: "\n").contains("42") } != nil, "the terminal was not restored: \(t.screen())")
        // A bad argument fails before the terminal is touched.
        try t.enter("docker.containers.get(\"\(name)\").shell(detach_keys: \"ctrl-1\")")
        #expect(t.wait { $0.contains("invalid detach keys") } != nil, "\(t.screen())")
    }

    @Test func withoutATerminalStdinIsStreamedToItsEnd() throws {
        guard TestEngine.require() else { return }
        let name = TestEngine.uniqueName("pipe")
        try Self.start(name)
        defer { TestEngine.removeContainers([name]) }
        let code = "let c = docker.containers.get(args[0]); let r = c.exec([\"sh\", \"-c\", \"tr a-z A-Z; echo err >&2; exit 4\"], interactive: true); print(json(r)); exit(0)"
        let (stdout, stderr) = try Self.piped("hello\\nworld\\n", into: code, name)
        #expect(stdout == "HELLO\nWORLD\n{\"exit_code\":4,\"detached\":false}\n", "stdout: \(stdout) stderr: \(stderr)")
        #expect(stderr == "err\n")
    }

    /// `run(..., interactive: true)` without a terminal: `docker run -i`.
    @Test func runInteractiveWithStdinAPipe() throws {
        guard TestEngine.require() else { return }
        let code = "print(json(run(env.DSH_TEST_IMAGE, \"tr a-z A-Z; echo e >&2; exit 2\", interactive: true)))"
        let (stdout, stderr) = try Self.piped("piped\\n", into: code)
        #expect(stdout == "PIPED\n{\"exit_code\":2,\"detached\":false}\n", "stdout: \(stdout) stderr: \(stderr)")
        #expect(stderr == "e\n")
    }
}
