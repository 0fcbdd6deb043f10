// ParallelEngineTests.swift: `parallel` and `merge` against the real engine, through a
// proxy that counts open connections: the first error closes the other workers' requests,
// closing a merged stream closes its sources' requests; and the CLI's contexts.
import DockerEngine
import DshCore
import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct ParallelEngineTests {

    @Test func theFirstErrorClosesTheOtherWorkersRequests() async throws {
        let proxy = try CountingProxy.inFrontOfTheTestEngine()
        defer { proxy.stop() }
        let name = Engine.name("par")
        let r = try await onThread { () -> (String, Int, Int, String) in
            let sink = TextSink.capture()
            let interp = proxy.interpreter(sink)
            defer { _ = try? interp.evaluate("docker.containers.get(\(lit(name))).remove(force: true)") }
            _ = try interp.evaluate("""
                let c = docker.containers.create(\(lit(Engine.image)), cmd: ["sleep", "300"], network: "none", name: \(lit(name)))
                c.start()
                """)
            let before = proxy.settle(atMost: 0)
            // Items 1-3 wait for the container to exit (a request that stays open); item 0
            // fails once the three requests are open.
            // (The three waits hold three connections: the kept-alive one of the
            // requests above, when reused, is one of them.)
            let v = try interp.evaluate("""
                var seen = 0
                var outcome = "finished"
                try {
                    parallel([0, 1, 2, 3], (i) => {
                        if i > 0 { return c.wait() }
                        var n = 0
                        while open_connections() < 3 && n < 500 { sleep(0.02); n += 1 }
                        seen = open_connections()
                        throw "enough"
                    }, limit: 4)
                } catch e {
                    outcome = e.message
                }
                outcome
                """)
            let seen = try interp.evaluate("seen").asInt ?? -1
            let after = proxy.settle(atMost: before)
            return (v.displayString, seen, after, "\(before)")
        }
        #expect(r.0 == "parallel: item 0 (0) failed: enough")
        let before = Int(r.3)!
        #expect(r.1 >= 3, "the three waits were open while item 0 failed")
        #expect(r.2 <= before, "the waits' connections were closed (open after: \(r.2))")
    }

    @Test func requestsOverlapAndResultsKeepTheirOrder() async throws {
        let r = try await dsh("""
            let ids = parallel(range(4), i => docker.containers.create(env.DSH_TEST_IMAGE, cmd: ["true"], network: "none").Id)
            defer { parallel(ids, id => docker.containers.get(id).remove(force: true)) }
            let names = parallel(ids, id => docker.containers.get(id).Id)
            print(names == ids)
            print(len(unique(ids)))
            """)
        #expect(r.output == "true\n4\n")
    }

    @Test func mergeTagsTheItemsOfTwoFollowedLogsAndClosesBoth() async throws {
        let proxy = try CountingProxy.inFrontOfTheTestEngine()
        defer { proxy.stop() }
        let a = Engine.name("merge-a")
        let b = Engine.name("merge-b")
        let r = try await onThread { () -> (String, Int, Int, Int) in
            let sink = TextSink.capture()
            let interp = proxy.interpreter(sink)
            defer { _ = try? interp.evaluate("for n in [\(lit(a)), \(lit(b))] { docker.containers.get(n).remove(force: true) }") }
            _ = try interp.evaluate("""
                fn ticker(name, word) {
                    let c = docker.containers.create(\(lit(Engine.image)), cmd: ["sh", "-c", "while true; do echo " + word + "; sleep 0.05; done"],
                        network: "none", name: name)
                    c.start()
                    return c
                }
                let ca = ticker(\(lit(a)), "alpha")
                let cb = ticker(\(lit(b)), "beta")
                """)
            let before = proxy.settle(atMost: 0)
            let v = try interp.evaluate("""
                let m = merge(ca.logs(follow: true), web: cb.logs(follow: true))
                var got = {}
                var during = 0
                for e in m {
                    got["${e.source}:${e.item.text}"] = true
                    during = open_connections()
                    if len(got) == 2 { break }
                }
                keys(got) | sort
                """)
            let during = try interp.evaluate("during").asInt ?? -1
            let after = proxy.settle(atMost: before)
            return (v.displayString, before, during, after)
        }
        #expect(r.0 == #"["0:alpha", "web:beta"]"#)
        #expect(r.2 >= r.1 + 2, "both follows were open (before \(r.1), during \(r.2))")
        #expect(r.3 <= r.1, "closing the merged stream closed both follows (after: \(r.3))")
    }

    @Test func contextsListsTheStoredOnesAndConnectUsesThem() async throws {
        let host = try #require(Engine.environment["DOCKER_HOST"])
        let dir = "/tmp/dsh-contexts-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        defer { _ = try? FileManagerless.removeTree(dir) }
        // A context "engine" at the test engine, and one whose socket does not exist.
        try FileManagerless.writeContext(dir, name: "engine", host: host, description: "the test engine")
        try FileManagerless.writeContext(dir, name: "gone", host: "unix://\(dir)/none.sock", description: "")
        var env = Engine.environment
        env["DOCKER_CONFIG"] = dir
        env["DOCKER_HOST"] = nil
        env["DOCKER_CONTEXT"] = "engine"
        let contexts = try DockerContexts.list(environment: env)
        #expect(contexts.map(\.name) == ["default", "engine", "gone"])
        #expect(contexts.map(\.current) == [false, true, false])
        #expect(contexts[1].host == host && contexts[1].description == "the test engine")
        let config = try DockerContexts.configuration(name: "engine", environment: env)
        #expect(config.endpoint.description == host)
        #expect(throws: DockerError.self) { try DockerContexts.configuration(name: "missing", environment: env) }
    }
}

/// Small file helpers for the contexts test (no Foundation).
enum FileManagerless {
    static func writeContext(_ configDir: String, name: String, host: String, description: String) throws {
        let digest = SHA256.hex(name)
        let dir = "\(configDir)/contexts/meta/\(digest)"
        try run(["mkdir", "-p", dir])
        let json = #"{"Name":"\#(name)","Metadata":{"Description":"\#(description)"},"Endpoints":{"docker":{"Host":"\#(host)","SkipTLSVerify":false}}}"#
        guard let f = fopen("\(dir)/meta.json", "w") else { throw DshError.runtime("cannot write \(dir)/meta.json") }
        fputs(json, f)
        fclose(f)
    }

    static func removeTree(_ path: String) throws { try run(["rm", "-rf", path]) }

    private static func run(_ argv: [String]) throws {
        var pid = pid_t()
        var cargs = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        guard posix_spawnp(&pid, argv[0], nil, nil, &cargs, environ) == 0 else { throw DshError.runtime("cannot run \(argv[0])") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
