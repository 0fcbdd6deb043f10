// ContainerTests.swift: dsh scripts against the real engine: the container lifecycle,
// output (logs, output, exec, attach with stdin and end-of-file), files, errors as dsh
// values, cancellation of followed logs, and the stdlib's `run`.
import DockerEngine
import DshCore
import DshDocker
import Testing

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct ContainerTests {
    let image = lit(Engine.image)

    @Test func lifecycle() async throws {
        let name = Engine.name("life")
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(name)), labels: {test: "dsh"})
            defer { c.remove(force: true) }
            print(c.name, c.State.Status, c.Config.Labels.test, c.HostConfig.NetworkMode)
            print(c.start() == c)
            print(c.reload().State.Status)
            c.pause()
            print(c.reload().State.Status)
            c.unpause()
            print(c.reload().State.Status)
            print(len(docker.containers.list(filters: {name: [\(lit(name))]})))
            print(docker.containers.list(filters: {label: "test=dsh", name: \(lit(name))})[0].Names[0])
            c.rename(\(lit(name + "-2")))
            print(docker.containers.get(\(lit(name + "-2"))).Id == c.Id)
            print(type(c.top().Processes))
            c.kill(signal: "KILL")
            print(c.wait().StatusCode)
            c.restart(t: 1)
            print(c.reload().State.Running)
            c.stop(t: 0)
            print(json(c.wait(condition: "not-running")))
            c.remove(force: true)
            try { c.inspect() } catch e { print(e.status) }
            """)
        #expect(r.output == """
            \(name) created dsh none
            true
            running
            paused
            running
            1
            /\(name)
            true
            list
            137
            true
            {"StatusCode":137}
            404

            """)
    }

    @Test func execCollectsExactOutputAndHalfClosesStdin() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(Engine.name("exec"))))
            defer { c.remove(force: true) }
            c.start()
            assert(c.exec(["cat"], stdin: "hi\\n").stdout == "hi\\n")
            print(json(c.exec(["cat"], stdin: ["a", "b"])))
            print(json(c.exec(["wc", "-c"], stdin: bytes("xyz"))))
            print(json(c.exec("echo out; echo err >&2; exit 3")))
            print(json(c.exec(["sh", "-c", "echo $A $PWD $(id -u)"], env: {A: "x"}, workdir: "/tmp", user: "1000")))
            print(json(c.exec(["cat"], stdin: ["l1", "l2"] | map(l => upper(l)) | take(2))))
            for item in c.exec(["sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 0.3; printf three"], stream: true) { print(json(item)) }
            print(json(c.exec(["sh", "-c", "printf 'no newline'"]).stdout))
            print(json(c.exec(["tty"], tty: true).stdout))
            """)
        #expect(r.output == """
            {"exit_code":0,"stdout":"a\\nb\\n","stderr":""}
            {"exit_code":0,"stdout":"3\\n","stderr":""}
            {"exit_code":3,"stdout":"out\\n","stderr":"err\\n"}
            {"exit_code":0,"stdout":"x /tmp 1000\\n","stderr":""}
            {"exit_code":0,"stdout":"L1\\nL2\\n","stderr":""}
            {"stream":"stdout","text":"one"}
            {"stream":"stderr","text":"two"}
            {"stream":"stdout","text":"three"}
            "no newline"
            "/dev/pts/0\\r\\n"

            """)
    }

    @Test func logsAndOutput() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sh", "-c", "echo a; sleep 0.3; echo b >&2; sleep 0.3; printf c"], network: "none", name: \(lit(Engine.name("logs"))))
            defer { c.remove(force: true) }
            c.start()
            c.wait()
            for l in c.logs() { print(json(l)) }
            print(json(c.output()))
            print(json(c.logs(stderr: false) | map(l => l.text) | collect()))
            print(json(c.logs(tail: "1") | collect()))
            let t = c.logs(timestamps: true) | first()
            print(t.text, t.time =~ "^[0-9]{4}-[0-9]{2}-[0-9]{2}T")
            let raw = c.logs(raw: true, stderr: false) | collect()
            print(type(raw[0]), len(raw) >= 1)
            """)
        #expect(r.output == """
            {"stream":"stdout","text":"a"}
            {"stream":"stderr","text":"b"}
            {"stream":"stdout","text":"c"}
            {"stdout":"a\\nc","stderr":"b\\n"}
            ["a","c"]
            [{"stream":"stdout","text":"c"}]
            a true
            bytes true

            """)
    }

    @Test func followedLogsStopAtOnceAndCloseTheConnection() async throws {
        // The client goes through a proxy that counts its open connections.
        let proxy = try CountingProxy.inFrontOfTheTestEngine()
        defer { proxy.stop() }
        let name = Engine.name("follow")
        let r = try await onThread {
            let sink = TextSink.capture()
            let interp = Interpreter(output: sink, errorOutput: sink)
            let proxied = "unix://" + proxy.path
            DockerBindings.install(into: interp, client: { try DockerClient(host: proxied) })
            interp.timeLimit = .seconds(60)
            defer { _ = try? interp.evaluate("docker.containers.get(\(lit(name))).remove(force: true)") }
            _ = try interp.evaluate("""
                let c = docker.containers.create(\(lit(Engine.image)), cmd: ["sh", "-c", "while true; do echo tick; sleep 0.1; done"], network: "none", name: \(lit(name)))
                c.start()
                # A follow of nothing new (tail 0 of a silent stream): only a close ends it.
                let s = c.logs(follow: true, stdout: false, tail: "0")   # open: the response head has arrived
                """)
            let during = proxy.openConnections
            let start = ContinuousClock.now
            let v = try interp.evaluate("c.logs(follow: true) | take(3) | map(l => l.text) | collect()")
            let elapsed = ContinuousClock.now - start
            _ = try interp.evaluate("s | take(0) | collect()")  // closes the silent follow
            var after = proxy.openConnections
            var waited = 0
            while after >= during && waited < 100 { usleep(10_000); waited += 1; after = proxy.openConnections }
            return (v.displayString, elapsed, during, after)
        }
        #expect(r.0 == #"["tick", "tick", "tick"]"#)
        #expect(r.1 < .seconds(1), "take(3) of a followed log took \(r.1)")
        // During: the first follow (plus maybe an idle kept-alive connection); after both
        // follows were abandoned, the first follow's connection is gone and the second's
        // never stayed.
        #expect(r.2 >= 1)
        #expect(r.3 == r.2 - 1, "open connections: \(r.2) while following, \(r.3) after abandoning the follows")
    }

    @Test func cancellingTheInterpreterStopsABlockingWait() async throws {
        let name = Engine.name("cancel")
        let r = try await onThread {
            let sink = TextSink.capture()
            let interp = try makeInterpreter(output: sink)
            defer { _ = try? interp.evaluate("docker.containers.get(\(lit(name))).remove(force: true)") }
            _ = try interp.evaluate("let c = docker.containers.create(\(lit(Engine.image)), cmd: [\"sleep\", \"60\"], network: \"none\", name: \(lit(name))); c.start()")
            let canceller = ThreadBody { usleep(300_000); interp.cancel() }
            Thread.detach(canceller)
            let start = ContinuousClock.now
            var kind: DshError.Kind? = nil
            do { _ = try interp.evaluate("c.wait()") } catch let e as DshError { kind = e.kind }
            return (kind, ContinuousClock.now - start)
        }
        #expect(r.0 == .interrupted)
        #expect(r.1 < .seconds(2))
    }

    @Test func attachWritesStdinThenEndOfFile() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sh", "-c", "cat; sleep 0.3; echo done >&2"], stdin: true, network: "none", name: \(lit(Engine.name("attach"))))
            defer { c.remove(force: true) }
            let s = c.attach(stdin: "x\\ny\\n")
            c.start()
            for l in s { print(json(l)) }
            print(c.wait().StatusCode)
            """)
        #expect(r.output == """
            {"stream":"stdout","text":"x"}
            {"stream":"stdout","text":"y"}
            {"stream":"stderr","text":"done"}
            0

            """)
    }

    @Test func filesArchivesExportChangesStatsUpdateCommit() async throws {
        let tag = Engine.name("commit") + ":1"
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(Engine.name("files"))))
            defer { c.remove(force: true) }
            c.start()
            c.put_archive("/tmp", tar({"hello.txt": "hello\\n", "bin/run.sh": {data: "echo ran", mode: 493}}))
            print(c.exec(["cat", "/tmp/hello.txt"]).stdout == "hello\\n", trim(c.exec(["sh", "/tmp/bin/run.sh"]).stdout))
            print(trim(c.exec(["stat", "-c", "%a", "/tmp/bin/run.sh"]).stdout))
            let archive = c.get_archive("/tmp/hello.txt")
            print(type(archive), len(archive) >= 1024, decode(archive[0:9]))
            let exported = c.export() | take(1) | collect()
            print(type(exported[0]))
            print(any(c.changes(), ch => ch.Path == "/tmp"))
            let st = c.stats(stream: false)
            print(type(st.memory_stats), type(st.read))
            let s2 = c.stats() | take(2) | collect()
            print(len(s2))
            print(type(c.update(memory: "64m", MemorySwap: -1)))
            print(c.reload().HostConfig.Memory)
            let img = c.commit(\(lit(tag)), comment: "from dsh")
            defer { img.remove(force: true) }
            print(img.Comment, \(lit(tag)) in img.RepoTags)
            """)
        #expect(r.output == """
            true ran
            755
            bytes true hello.txt
            bytes
            true
            map string
            2
            map
            67108864
            from dsh true

            """)
    }

    @Test func daemonErrorsAreDshErrorsWithMembers() async throws {
        let r = try await dsh("""
            try { docker.containers.get("dsh-no-such-container") } catch e {
                print(e.status, e.request)
                print(e.message)
            }
            let c = docker.containers.create(\(image), cmd: ["true"], network: "none", name: \(lit(Engine.name("err"))))
            defer { c.remove(force: true) }
            try { docker.containers.create(\(image), name: c.name) } catch e { print(e.status) }
            """)
        #expect(r.output == """
            404 GET /containers/dsh-no-such-container/json
            No such container: dsh-no-such-container
            409

            """)
        let f = try await dshFailure("docker.containers.get(\"dsh-no-such-container\")")
        #expect(f.message == "No such container: dsh-no-such-container")
        #expect(f.report.hasPrefix("<test>:1:"))
    }

    @Test func runCollectsOutputAndRemovesTheContainer() async throws {
        let label = Engine.name("run")
        let r = try await dsh("""
            let r = run(\(image), ["sh", "-c", "echo hi; printf err >&2; exit 4"], labels: {\(lit(label)): "1"})
            print(json(r))
            print(json(run(\(image), "cat; cat", stdin: "in\\n")))
            print(run(\(image), ["ip", "link"]).stdout | split("\\n") | filter(l => contains(l, "eth0")) | len)
            print(len(docker.containers.list(all: true, filters: {label: [\(lit(label))]})))
            try { run("dsh-no-such-image:none", ["true"], pull: "never") } catch e { print(e.status) }
            """)
        #expect(r.output == """
            {"exit_code":4,"stdout":"hi\\n","stderr":"err"}
            {"exit_code":0,"stdout":"in\\n","stderr":""}
            0
            0
            404

            """)
    }

    @Test func waitHealthy() async throws {
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sh", "-c", "sleep 1; touch /ok; sleep 60"], network: "none",
                name: \(lit(Engine.name("health"))), healthcheck: {test: "test -f /ok", interval: "200ms", retries: 50})
            defer { c.remove(force: true) }
            c.start()
            print(wait_healthy(c, timeout: 20).reload().State.Health.Status)
            let d = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(Engine.name("nohealth"))))
            defer { d.remove(force: true) }
            d.start()
            try { wait_healthy(d, timeout: 1) } catch e { print(e.message) }
            """)
        #expect(r.output.hasPrefix("healthy\nwait_healthy: container dsh-bt-nohealth-"))
        #expect(r.output.hasSuffix(" has no health check\n"))
    }
}

extension String {
    /// Replaces every `target` with `replacement`.
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }

}

/// Starting detached threads.
enum Thread {
    static func detach(_ body: ThreadBody) {
        EvaluationThread.start(stackSize: 8 << 20) { body.run() }
    }
}

/// A closure handed to a new thread.
final class ThreadBody: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

#if canImport(Glibc)
import Glibc
#endif
