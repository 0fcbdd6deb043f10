// ProcessTests.swift: `sh` and `command` against real host programs: output, exit
// codes, stdin, environment, streams, and that every way of stopping a script kills
// the whole process group (checked with ps).
import DshCore
import DshHost
import Testing

@Suite("Host processes")
struct ProcessTests {
    @Test("sh returns exit code, stdout and stderr exactly")
    func shOutput() async throws {
        let r = await runHost(#"sh("printf 'a\\nb'; printf err >&2")"#)
        #expect(r.error == nil)
        #expect(r.value.sourceString == #"{exit_code: 0, stdout: "a\nb", stderr: "err"}"#)
    }

    @Test("a non-zero exit raises an error with exit_code, stdout, stderr and command; check: false returns it")
    func exitCodes() async throws {
        let r = await runHost(#"""
            var got = nil
            try { sh("echo out; echo bad thing >&2; exit 3") } catch e { got = e }
            [got.exit_code, got.stdout, got.stderr, got.command, got.message, sh("exit 7", check: false).exit_code]
            """#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == #"[3, "out\n", "bad thing\n", "echo out; echo bad thing >&2; exit 3", "sh: 'echo out; echo bad thing >&2; exit 3' exited with status 3: bad thing", 7]"#)
    }

    @Test("stdin: text, bytes, a list of lines and a stream reach the process, then end-of-file")
    func stdinPiping() async throws {
        let r = await runHost(#"""
            [command(["cat"], stdin: "hi\n").stdout,
             command(["wc", "-c"], stdin: bytes([1, 2, 3])).stdout | trim,
             command(["cat"], stdin: ["a", "b"]).stdout,
             command(["sort", "-r"], stdin: range(3) | map(str)).stdout,
             sh("cat | tr a-z A-Z", stdin: "shout").stdout]
            """#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == #"["hi\n", "3", "a\nb\n", "2\n1\n0\n", "SHOUT"]"#)
    }

    @Test("command passes arguments as they are: no splitting, globbing or expansion")
    func noShellInCommand() async throws {
        let r = await runHost(#"command(["printf", "%s|", "a b", "$HOME", "*", "'q'", ""]).stdout"#)
        #expect(r.value.text == "a b|$HOME|*|'q'||")
        let s = await runHost(#"sh('printf "%s|" "$@"', "x y", "*").stdout"#)
        #expect(s.value.text == "x y|*|")
    }

    @Test("env: adds variables, clear_env: starts empty, cwd: sets the directory, and env.X reaches children")
    func environmentAndDirectory() async throws {
        let r = await runHost(#"""
            env.DSH_FROM_SCRIPT = "yes"
            [sh('echo "$A-$DSH_FROM_SCRIPT"', env: {A: 1}).stdout,
             command(["/usr/bin/env"], clear_env: true, env: {ONLY: "this"}).stdout,
             sh("pwd", cwd: "/usr").stdout]
            """#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == #"["1-yes\n", "ONLY=this\n", "/usr\n"]"#)
    }

    @Test("stream: true yields {stream, text} lines like container logs")
    func streamLines() async throws {
        let r = await runHost(#"""
            sh("echo one; echo two >&2; printf three", stream: true) | collect | sort_by(x => x.text)
            """#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == #"[{stream: "stdout", text: "one"}, {stream: "stdout", text: "three"}, {stream: "stderr", text: "two"}]"#)
        let failing = await runHost(#"for l in sh("echo a; exit 4", stream: true) { print(l.text) }"#)
        #expect(failing.stdout == "a\n")
        #expect(failing.error?.message == "sh: 'echo a; exit 4' exited with status 4")
    }

    @Test("a missing program, a bad cwd and bad arguments are clear errors")
    func errors() async throws {
        let r = await runHost(#"command(["dsh-no-such-program-xyz"])"#)
        #expect(r.error?.message == "command: cannot run 'dsh-no-such-program-xyz': command not found (ENOENT)")
        let c = await runHost(#"sh("true", cwd: "/nonexistent-dir")"#)
        #expect(c.error?.message == "sh: cwd /nonexistent-dir: No such file or directory (ENOENT)")
        let a = await runHost(#"command("ls -l")"#)
        #expect(a.error?.message.hasPrefix("command: argv must be a list of strings") == true)
        let o = await runHost(#"sh("true", chek: true)"#)
        #expect(o.error?.message.hasPrefix("sh: unknown named argument 'chek'") == true)
    }

    @Test("timeout: kills the process group and raises an error with timed_out")
    func timeoutKills() async throws {
        let m = uniqueMarker()
        let r = await runHost(#"var got = nil; try { sh("sleep 300 # \#(m)", timeout: 0.2) } catch e { got = [e.timed_out, e.message] }; got"#)
        #expect(r.value.sourceString == #"[true, "sh: 'sleep 300 # \#(m)' did not finish within 0.2 s (killed)"]"#)
        #expect(processesMatching(m).isEmpty)
    }

    @Test("a cancel (Ctrl-C) kills the whole process group, grandchildren included")
    func cancelKillsGroup() async throws {
        let m = uniqueMarker()
        let r = await runHost(#"sh("sleep 301 & sleep 302; echo \#(m)")"#, cancelAfter: 0.5)
        #expect(r.error?.kind == .interrupted)
        #expect(processesMatching(m).isEmpty)
        #expect(processesMatching("sleep 301").isEmpty)
    }

    @Test("the wall-clock limit kills a running command")
    func timeLimitKills() async throws {
        let m = uniqueMarker()
        let r = await runHost(#"sh("sleep 303 # \#(m)")"#) { $0.timeLimit = .milliseconds(300) }
        #expect(r.error?.kind == .interrupted)
        #expect(processesMatching(m).isEmpty)
    }

    @Test("break, take and the step budget close a process stream and kill it")
    func streamStopsKill() async throws {
        let m1 = uniqueMarker(), m2 = uniqueMarker(), m3 = uniqueMarker()
        let b = await runHost(#"for l in sh("echo first; sleep 304 # \#(m1)", stream: true) { print(l.text); sleep(0.5); break }"#)
        #expect(b.error == nil)
        #expect(b.stdout == "first\n")
        #expect(processesMatching(m1).isEmpty)
        let t = await runHost(#"sh("while true; do echo y; done # \#(m2)", stream: true) | take(3) | map(l => l.text) | collect"#)
        #expect(t.value.sourceString == #"["y", "y", "y"]"#)
        #expect(processesMatching(m2).isEmpty)
        let s = await runHost(#"for l in sh("while true; do echo z; done # \#(m3)", stream: true) { }"#) { $0.maxSteps = 2_000 }
        #expect(s.error?.kind == .interrupted)
        #expect(processesMatching(m3).isEmpty)
    }

    @Test("break kills a background child that outlived the shell and holds the output open")
    func breakKillsBackgroundChild() async throws {
        let n = Int.random(in: 100_000...999_999)
        let r = await runHost(#"for l in sh("echo hi; sleep \#(n) &", stream: true) { print(l.text); sleep(0.5); break }"#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.stdout == "hi\n")
        #expect(processesMatching("sleep \(n)").isEmpty)
    }

    @Test("with_timeout kills a command inside it and the error is catchable")
    func withTimeoutKills() async throws {
        let m = uniqueMarker()
        let r = await runHost(#"var got = nil; try { with_timeout(0.3, () => sh("sleep 305 # \#(m)")) } catch e { got = e.timed_out }; got"#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == "true")
        #expect(processesMatching(m).isEmpty)
    }

    @Test("big input and output flow at once (no pipe deadlock), also into a stream")
    func bigInputAndOutput() async throws {
        let r = await runHost(#"""
            [len(command(["cat"], stdin: repeat("x", 5000000)).stdout),
             command(["cat"], stdin: range(20000) | map(str), stream: true) | count]
            """#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == "[5000000, 20000]")
    }

    @Test("a process that stops reading its stdin ends the input, not dsh (EPIPE, no SIGPIPE)")
    func stdinReaderGoesAway() async throws {
        let r = await runHost(#"[command(["head", "-c", "1"], stdin: repeat("x", 5000000)).stdout, sh("true", stdin: range(10000000) | map(str)).exit_code]"#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == #"["x", 0]"#)
    }

    @Test("bytes: true returns the output as bytes, unchanged")
    func bytesOutput() async throws {
        let r = await runHost(#"let r = sh("printf '\\377\\000a'", bytes: true); [type(r.stdout), len(r.stdout), r.stdout[0], r.stdout[1]]"#)
        #expect(r.error == nil, "\(r.error?.report ?? "")")
        #expect(r.value.sourceString == "[\"bytes\", 3, 255, 0]")
    }

    @Test("with_timeout's deadline is catchable, but the evaluation's own time limit is not")
    func deadlinesNest() async throws {
        let inner = await runHost(#"""
            var got = []
            try { with_timeout(5, () => with_timeout(0.05, () => sleep(30))) } catch e { got += [e.message] }
            got
            """#)
        #expect(inner.value.sourceString == #"["with_timeout: did not finish within 0.05 s"]"#)
        let outer = await runHost(#"try { with_timeout(30, () => sleep(30)) } catch e { print("caught", e.message) }"#) {
            $0.timeLimit = .milliseconds(200)
        }
        #expect(outer.error?.kind == .interrupted)
        #expect(outer.stdout == "")
    }

    @Test("read-only and pure sandboxes have no processes and no file changes")
    func capabilities() async throws {
        let ro = await runHost(#"[type(list_dir), type(parse_yaml)]; sh("true")"#, capabilities: .readOnly)
        #expect(ro.error?.message.contains("sh") == true)
        #expect(ro.error?.kind == .resolve)
        let rm = await runHost(#"rm("/tmp/x")"#, capabilities: .readOnly)
        #expect(rm.error?.kind == .resolve)
        let pure = await runHost(#"yaml([1])"#, capabilities: .none)
        #expect(pure.value.text == "- 1\n")
        let pureLs = await runHost(#"list_dir("/")"#, capabilities: .none)
        #expect(pureLs.error?.kind == .resolve)
        #expect(Set(HostBindings.functions.filter { $0.needs == .processes }.map(\.name)) == ["sh", "command"])
    }
}
