// RunTests.swift: the stdlib's complete `run()` against the real engine: a missing image
// pulled from the local registry (progress on standard error), `pull: "never"`,
// `detach` with `rm`, and the options mapped to the API body (volumes, restart, name,
// user, workdir, env).
import DockerEngine
import DshCore
import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct RunTests {
    let image = lit(Engine.image)

    @Test func pullsAMissingImageFromTheRegistry() async throws {
        let registry = try #require(Engine.registry, "DSH_TEST_REGISTRY is not set")
        let ref = "\(registry)/\(Engine.name("run")):1"
        let r = try await dsh("""
            docker.images.get(\(image)).tag(\(lit(ref)))
            progress(docker.images.push(\(lit(ref))), quiet: true)
            docker.images.get(\(lit(ref))).remove()
            try { run(\(lit(ref)), ["echo", "never"], pull: "never") } catch e { print("never:", e.status) }
            let r = run(\(lit(ref)), ["echo", "pulled"])
            print(json(r))
            print(len(docker.images.list(filters: {reference: [\(lit(ref))]})))
            try { run(\(lit(registry + "/dsh-no-such-repo:1")), ["true"]) } catch e { print("missing:", len(e.message) > 0) }
            try { run(\(image), ["true"], pull: "sometimes") } catch e { print(e.message) }
            docker.images.get(\(lit(ref))).remove()
            """)
        // The pull's progress (plain lines: not a terminal) goes to standard error, which
        // this test's sink shares with standard output.
        let lines = r.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "never: 404", "\(r.output)")
        #expect(lines.contains("Status: Downloaded newer image for \(ref)"), "\(r.output)")
        #expect(Array(lines.suffix(4)) == [
            "{\"exit_code\":0,\"stdout\":\"pulled\\n\",\"stderr\":\"\"}", "1", "missing: true",
            "run: pull must be \"missing\", \"always\" or \"never\", not \"sometimes\"",
        ], "\(r.output)")
    }

    @Test func detachAndOptionsMapToTheAPIBody() async throws {
        let name = Engine.name("rund")
        let dir = try TestDir()
        try writeFile(dir.path + "/in.txt", "from the host\n")
        chmod(dir.path, 0o755)  // readable by the container's user 1234
        let r = try await dsh("""
            let c = run(\(image), ["sh", "-c", "cat /data/in.txt; echo $MODE; id -u; pwd; sleep 30"], detach: true,
                name: \(lit(name)), volumes: {\(lit(dir.path)): "/data:ro"}, restart: "on-failure:3",
                user: "1234", workdir: "/tmp", env: {MODE: "test"})
            defer { c.remove(force: true) }
            let i = c.inspect()
            print(i.name, i.HostConfig.Binds[0] == \(lit(dir.path + ":/data:ro")), json(i.HostConfig.RestartPolicy))
            print(i.Config.User, i.Config.WorkingDir, i.Config.Env[0], i.State.Running, i.HostConfig.AutoRemove)
            sleep(0.5)
            print(json(c.logs() | map(l => l.text) | collect))
            let gone = run(\(image), ["true"], detach: true, rm: true)
            let code = gone.wait().StatusCode
            var removed = false
            for _ in range(50) {
                try { gone.inspect() } catch e { removed = e.status == 404; break }
                sleep(0.1)
            }
            print(code, removed)
            """)
        #expect(r.output == """
            \(name) true {"Name":"on-failure","MaximumRetryCount":3}
            1234 /tmp MODE=test true false
            ["from the host","test","1234","/tmp"]
            0 true

            """)
    }
}
