// ScriptSignalTests.swift: Ctrl-C (SIGINT) and SIGTERM sent to a `dsh` script while
// `sh(...)` runs: the script stops and the command's whole process group is gone; and a
// signal sent at any moment of dsh's start-up is never lost.
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ScriptSignalTests {
    /// The dsh binary beside this test bundle (or DSH_BINARY, or .build/debug/dsh).
    func binary() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["DSH_BINARY"] { candidates.append(env) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("dsh").path)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/dsh").path)
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "no dsh binary in \(candidates)")
    }

    /// Starts `dsh -c code`, its output discarded.
    func startDsh(_ code: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary())
        p.arguments = ["-c", code]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @Test("SIGINT and SIGTERM to a script kill the running command's process group", arguments: [SIGINT, SIGTERM])
    func signalKillsGroup(_ signal: Int32) throws {
        let n = Int.random(in: 100_000...999_999)
        let p = try startDsh("sh(\"sleep \(n) & sleep \(n + 1)\")")
        var started = false
        for _ in 0..<100 where !started {
            started = !processesMatching("sleep \(n + 1)", wait: false).isEmpty
            if !started { usleep(50_000) }
        }
        #expect(started, "the command never started")
        kill(p.processIdentifier, signal)
        // Bounded: a dsh that missed the signal fails the test instead of hanging the suite.
        var waited = 0
        while p.isRunning && waited < 300 { usleep(100_000); waited += 1 }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            Issue.record("dsh did not end within 30 s of signal \(signal)")
        }
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + signal)
        #expect(processesMatching("sleep \(n)").isEmpty)
        #expect(processesMatching("sleep \(n + 1)").isEmpty)
    }

    /// A stop signal sent at any moment of dsh's start-up ends it: killed by it before the
    /// handlers exist, 128 + signal once they do; never lost. (It was: between setting
    /// SIG_IGN and libdispatch arming the signal source on its manager thread, a signal
    /// was discarded and the script ran on.) The delays walk a staircase around the moment
    /// the handlers are installed, where the race was: later after a kill, earlier after a
    /// handled stop, the step halving at each turn down to 1 ms. A lost signal shows as a
    /// dsh still running 5 s later (then killed, with its command's process group).
    @Test func aSignalDuringStartUpIsNeverLost() throws {
        let seconds = Int.random(in: 100_000...999_999)
        let binary = try binary()
        var delay = 0, step = 32_000
        var killed = 0, handled = 0
        var lastTurn: Bool?
        // (The old race lost about one signal in 30 near the turn: 100 tries catch it
        // with a probability of 95%, in some 15 s when nothing is lost.)
        for i in 0..<100 {
            let signal = i % 4 == 3 ? SIGTERM : SIGINT
            // posix_spawn, not Process: its run() returns only after dsh's start-up.
            let pid = try spawnDsh(binary, "sh(\"sleep \(seconds)\")")
            usleep(useconds_t(delay))
            kill(pid, signal)
            var status: Int32 = 0
            var ended = false
            for _ in 0..<50 where !ended {
                ended = waitpid(pid, &status, WNOHANG) == pid
                if !ended { usleep(100_000) }
            }
            if !ended {
                let children = childProcesses(of: pid)
                kill(pid, SIGKILL)
                for child in children { kill(-child, SIGKILL) }  // sh leads its own group
                waitpid(pid, &status, 0)
                Issue.record("signal \(signal) sent \(delay / 1000) ms after start was lost: dsh ran on")
                continue
            }
            let byTheSignal = status & 0x7f != 0
            if byTheSignal {
                #expect(status & 0x7f == signal)
                killed += 1
            } else {
                #expect((status >> 8) & 0xff == 128 + signal, "after \(delay / 1000) ms")
                handled += 1
            }
            if let lastTurn, lastTurn != byTheSignal { step = max(1000, step / 2) }
            lastTurn = byTheSignal
            delay = byTheSignal ? delay + step : max(0, delay - step)
        }
        // Both sides of the installation were reached, so the moment in between was probed.
        #expect(killed > 0 && handled > 0, "killed \(killed), handled \(handled)")
        #expect(processesMatching("sleep \(seconds)").isEmpty)
    }

    /// Starts `binary -c code` with posix_spawn, output discarded, with real signal
    /// dispositions (the test's thread blocks most signals: dsh must not inherit that).
    func spawnDsh(_ binary: String, _ code: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), defaults = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([binary, "-c", code] as [String]).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, &attr, argv, environ)
        guard rc == 0 else { throw SpawnFailure(description: "cannot start \(binary): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// The children of `pid` (of all its threads), from /proc.
    func childProcesses(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [pid_t] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }
}

/// A dsh that could not be started.
struct SpawnFailure: Error, CustomStringConvertible {
    let description: String
}
