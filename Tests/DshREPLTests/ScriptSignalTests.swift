// ScriptSignalTests.swift: real signals sent to a real `dsh` process running a script
// against the real engine: the script's cleanup runs (its container is proven removed)
// and it exits as shells do (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A `dsh` process started with real signal dispositions, its output in a file.
private struct DshProcess {
    let pid: pid_t
    let outputPath: String

    /// Starts `dsh argv...` with `extra` environment variables; stdout and stderr go to a file.
    static func start(_ argv: [String], environment extra: [String: String] = [:]) throws -> DshProcess {
        let outputPath = "/tmp/dsh-signal-\(getpid())-\(UUID().uuidString)"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = TerminalSession.realSignals([SIGHUP, SIGINT, SIGTERM, SIGPIPE])
        defer { posix_spawnattr_destroy(&attr) }
        let binary = try TerminalSession.binaryPath()
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        var cargs = ([binary] + argv).map { strdup($0) }
        cargs.append(nil)
        var cenv = env.map { strdup("\($0.key)=\($0.value)") }
        cenv.append(nil)
        defer {
            for a in cargs { free(a) }
            for e in cenv { free(e) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, &attr, cargs, cenv)
        guard rc == 0 else { throw TerminalError.setup("cannot run \(binary): \(rc)") }
        return DshProcess(pid: pid, outputPath: outputPath)
    }

    /// Waits for the process; returns its exit status (128 + n when killed by signal n).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// What it printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
}

/// Polls `condition` every 100 ms for up to `seconds`; whether it became true.
private func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(100_000)
    }
    return try condition()
}

/// The number of containers (running or not) carrying `label`.
private func containers(labelled label: String, runningOnly: Bool = false) throws -> Int {
    let r = try TestEngine.dsh("print(len(docker.containers.list(all: \(!runningOnly), filters: {label: [args[0]]})))", [label])
    guard r.status == 0, let n = Int(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw TerminalError.setup("listing containers failed (\(r.status)): \(r.output)")
    }
    return n
}

/// Removes whatever a failed test left behind.
private func removeLabelled(_ label: String) {
    _ = try? TestEngine.dsh("for c in docker.containers.list(all: true, filters: {label: [args[0]]}) { c.remove(force: true) }", [label])
}

@Suite(.enabled(if: TestEngine.enabled, TestEngine.skipReason), .serialized)
struct ScriptSignalTests {
    /// A script running `run(image, ["sleep", "30"])`, stopped by `signal` once its container runs.
    private func stopRun(_ signal: Int32, viaFile: Bool) throws -> (status: Int32, output: String, left: Int) {
        let label = TestEngine.uniqueName("sig")
        defer { removeLabelled(label) }
        let script = "run(env.DSH_TEST_IMAGE, [\"sleep\", \"30\"], labels: {[args[0]]: \"1\"})\nprint(\"not reached\")\n"
        let argv: [String]
        var scriptPath: String?
        if viaFile {
            let path = "/tmp/dsh-signal-\(getpid())-\(label).dsh"
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            scriptPath = path
            argv = [path, label]
        } else {
            argv = ["-c", script, label]
        }
        defer { if let scriptPath { unlink(scriptPath) } }
        let process = try DshProcess.start(argv)
        defer { unlink(process.outputPath) }
        let running = try eventually { try containers(labelled: label, runningOnly: true) == 1 }
        guard running else {
            kill(process.pid, SIGKILL)
            _ = process.wait()
            throw TerminalError.setup("the script's container never ran: \(process.output)")
        }
        kill(process.pid, signal)
        let status = process.wait()
        return (status, process.output, try containers(labelled: label))
    }

    @Test func ctrlCOnACommandLineScriptRemovesItsContainer() throws {
        guard TestEngine.require() else { return }
        let r = try stopRun(SIGINT, viaFile: false)
        #expect(r.status == 130)
        #expect(r.output.contains("error: interrupted"), "\(r.output)")
        #expect(!r.output.contains("not reached"))
        #expect(r.left == 0, "the stopped script left its container behind")
    }

    @Test func sigtermOnAScriptFileRemovesItsContainer() throws {
        guard TestEngine.require() else { return }
        let r = try stopRun(SIGTERM, viaFile: true)
        #expect(r.status == 143)
        #expect(r.output.contains("error: interrupted by SIGTERM"), "\(r.output)")
        #expect(r.left == 0, "the stopped script left its container behind")
    }

    @Test func sighupOnAScriptFileRemovesItsContainer() throws {
        guard TestEngine.require() else { return }
        let r = try stopRun(SIGHUP, viaFile: true)
        #expect(r.status == 129)
        #expect(r.output.contains("error: interrupted by SIGHUP"), "\(r.output)")
        #expect(r.left == 0, "the stopped script left its container behind")
    }

    @Test func aSecondCtrlCDuringCleanupEndsTheProcessAtOnce() throws {
        let mark = "/tmp/dsh-signal-\(getpid())-\(UUID().uuidString).mark"
        defer { unlink(mark) }
        // The first Ctrl-C stops the loop; the defer marks that cleanup began, then
        // sleeps; the second Ctrl-C must end the process before the defer finishes.
        let script = """
            defer {
                write_file(args[0], "cleaning")
                sleep(30)
                print("cleanup finished")
            }
            write_file(args[0], "started")
            while true { sleep(0.05) }
            """
        let process = try DshProcess.start(["-c", script, mark])
        defer { unlink(process.outputPath) }
        let started = eventually { (try? String(contentsOfFile: mark, encoding: .utf8)) == "started" }
        #expect(started)
        kill(process.pid, SIGINT)
        let cleaning = eventually { (try? String(contentsOfFile: mark, encoding: .utf8)) == "cleaning" }
        #expect(cleaning, "the defer did not run after the first Ctrl-C: \(process.output)")
        kill(process.pid, SIGINT)
        let status = process.wait()
        #expect(status == 130)
        #expect(process.output.contains("SIGINT again"), "\(process.output)")
        #expect(!process.output.contains("cleanup finished"))
    }
}

/// Runs `dsh argv...` to its end; its exit status and combined output.
private func runDsh(_ argv: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = try DshProcess.start(argv, environment: environment)
    defer { unlink(process.outputPath) }
    let status = process.wait()
    return (status, process.output)
}

/// The limits the `dsh` command sets: `--max-steps`, `--timeout`, `--max-memory`,
/// `--read-only` and `DSH_READ_ONLY`, with bad values refused.
@Suite struct CommandLineLimitTests {
    @Test func maxStepsAndTimeoutStopAScript() throws {
        let steps = try runDsh(["--max-steps", "1000", "-c", "while true { }"])
        #expect(steps.status == 1)
        #expect(steps.output.contains("error: step budget of 1000 exceeded"), "\(steps.output)")
        let time = try runDsh(["--timeout", "300ms", "-c", "defer { print(\"cleaned\") }\nsleep(30)"])
        #expect(time.status == 1)
        #expect(time.output.contains("error: time limit of 0.3 seconds exceeded"), "\(time.output)")
        #expect(time.output.hasPrefix("cleaned\n"), "\(time.output)")
        // The script's own arguments are not dsh's options.
        let path = "/tmp/dsh-limits-\(getpid()).dsh"
        try "print(args)".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let args = try runDsh(["--timeout", "1.5", "--max-steps", "100000", path, "--timeout", "1"])
        #expect(args.status == 0)
        #expect(args.output == "[\"--timeout\", \"1\"]\n")
    }

    @Test func maxMemoryStopsAScriptThatKeepsWhatItBuilds() throws {
        let grow = "defer { print(\"cleaned\") }\nvar xs = []\nwhile true { xs += [\"x\" * 100] }"
        // Both command-line parsers: the plain one, and swift-argument-parser's (which a
        // repeated option sends the command line to; the last value wins).
        for argv in [["--max-memory", "4M", "-c", grow], ["--max-memory", "1G", "--max-memory", "4M", "-c", grow]] {
            let r = try runDsh(argv)
            #expect(r.status == 1, "\(argv): \(r.output)")
            #expect(r.output.hasPrefix("cleaned\n"), "\(argv): \(r.output)")
            // At the append or at the `*` that passed the limit: both are on line 3.
            #expect(r.output.contains("\n<command line>:3:"), "\(argv): \(r.output)")
            #expect(r.output.contains(": error: memory limit of 4 MiB exceeded\n"), "\(argv): \(r.output)")
        }
        // Building and dropping far more than the limit is fine.
        let churn = try runDsh(["--max-memory", "2M", "-c", "var n = 0\nfor i in range(20000) { n += len(\"y\" * 1000) }\nprint(n)"])
        #expect(churn.status == 0, "\(churn.output)")
        #expect(churn.output == "20000000\n")
    }

    @Test func badLimitsAreRefused() throws {
        for (argv, message) in [
            (["--timeout", "2x", "-c", "1"], "--timeout must be a positive duration"),
            (["--timeout", "0", "-c", "1"], "--timeout must be a positive duration"),
            (["--max-steps", "0", "-c", "1"], "--max-steps must be a positive whole number"),
            (["--max-steps", "many", "-c", "1"], "--max-steps must be a positive whole number"),
            (["--max-memory", "lots", "-c", "1"], "--max-memory must be a size such as 64M"),
            (["--max-memory", "0", "-c", "1"], "--max-memory must be a size such as 64M"),
        ] {
            let r = try runDsh(argv)
            #expect(r.status == 64, "\(argv): \(r.output)")
            #expect(r.output.contains(message), "\(argv): \(r.output)")
        }
    }

    @Test func readOnlyFromTheEnvironmentIsCheckedStrictly() throws {
        let bad = try runDsh(["-c", "print(1)"], environment: ["DSH_READ_ONLY": "maybe"])
        #expect(bad.status == 2)
        #expect(bad.output == "dsh: DSH_READ_ONLY must be 1, true, yes (on) or 0, false, no, empty (off), not 'maybe'\n")
        // Refused before anything is sent, so no engine is needed (nothing listens here).
        let unreachable = ["DOCKER_HOST": "unix:///tmp/dsh-no-daemon-\(getpid()).sock"]
        for on in ["1", "true", "YES"] {
            let r = try runDsh(["-c", "docker.networks.create(\"n\")"], environment: unreachable.merging(["DSH_READ_ONLY": on]) { $1 })
            #expect(r.status == 1)
            #expect(r.output.contains("read-only: POST /networks/create is not allowed"), "DSH_READ_ONLY=\(on): \(r.output)")
        }
        for off in ["0", "false", "no", ""] {
            let r = try runDsh(["-c", "docker.networks.create(\"n\")"], environment: unreachable.merging(["DSH_READ_ONLY": off]) { $1 })
            #expect(r.status == 1)
            #expect(!r.output.contains("read-only"), "DSH_READ_ONLY=\(off): \(r.output)")
        }
        let flag = try runDsh(["--read-only", "-c", "docker.networks.create(\"n\")"], environment: unreachable)
        #expect(flag.output.contains("read-only: POST /networks/create is not allowed"), "\(flag.output)")
    }
}
