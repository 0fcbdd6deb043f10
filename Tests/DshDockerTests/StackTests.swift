// StackTests.swift: declarative stacks (stdlib/stacks.dsh): checking a stack map, the
// embedded source, SHA-256, and against the real engine plan / up / down / ps / logs /
// restart, a Compose file giving the same plan, and a failure in the middle of `up`.
import DockerEngine
import DshCore
@testable import DshDocker
import DshHost
import Testing

@Suite struct StackUnitTests {
    @Test func embeddedSourceMatchesTheFile() throws {
        let file = try #require(readText(packageRoot + "/stdlib/stacks.dsh"))
        #expect(StdlibSource.stacks + "\n" == file, "run scripts/embed-stacks: Sources/DshDocker/StacksSource.swift is out of date")
    }

    /// A bad stack is refused before any request, naming the service and the field.
    @Test func badStacksGiveErrorsNamingServiceAndField() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        DockerBindings.install(into: interp, client: { try DockerClient(host: "unix:///nonexistent/docker.sock") })
        let cases: [(String, String)] = [
            ("{name: \"x\", services: {db: {imag: \"a\"}}}", "stack x: service db: unknown field 'imag' (did you mean 'image'?)"),
            ("{name: \"x\", services: {db: {image: \"a\", depends_on: [\"web\"]}}}", "stack x: service db: depends_on: no service 'web' in the stack"),
            ("{name: \"x\", services: {a: {image: \"a\", depends_on: [\"b\"]}, b: {image: \"b\", depends_on: {a: \"healthy\"}}}}",
             "stack x: dependency cycle: a -> b -> a"),
            ("{name: \"x\", services: {a: {image: \"a\", depends_on: {b: \"healty\"}}, b: {image: \"b\"}}}",
             "stack x: service a: depends_on: b: unknown condition \"healty\" (did you mean 'healthy'?)"),
            ("{name: \"x\", services: {a: {image: \"a\", volumes: [\"dat:/d\"]}}, volumes: {data: {}}}",
             "stack x: service a: volumes: volume 'dat' is not declared in the stack's volumes (did you mean 'data'?)"),
            ("{name: \"x\", services: {a: {image: \"a\", replicas: \"2\"}}}", "stack x: service a: replicas: expected int, got string"),
            ("{name: \"x\", services: {a: {build: {context: \".\", file: \"D\"}}}}", "stack x: service a: build: unknown field 'file'"),
            ("{name: \"x\", services: {a: {image: \"a\", restart: \"sometimes\"}}}", "stack x: service a: restart: expected \"no\""),
            ("{name: \"x\", services: {a: {}}}", "stack x: service a: needs 'image' or 'build'"),
            ("{name: \"Shop\", services: {a: {image: \"a\"}}}", "stack: 'name' must be a string of lower-case letters"),
            ("{name: \"x\", servces: {}}", "stack: unknown field 'servces' (did you mean 'services'?)"),
            ("{name: \"x\", services: {a: {image: \"a\", update_config: {order: \"start-frist\"}}}}",
             "stack x: service a: update_config: order: expected \"stop-first\" or \"start-first\", got \"start-frist\" (did you mean 'start-first'?)"),
            ("{name: \"x\", services: {a: {image: \"a\", update_config: {delay: \"soon\"}}}}",
             "stack x: service a: update_config: delay: cannot read duration 'soon'"),
            ("{name: \"x\", services: {a: {image: \"a\", update_config: {paralelism: 2}}}}",
             "stack x: service a: update_config: unknown field 'paralelism' (did you mean 'parallelism'?)"),
            ("{name: \"x\", services: {a: {image: \"a\", restart_policy: {condition: \"always\"}}}}",
             "stack x: service a: restart_policy: condition: expected \"none\" or \"on-failure\" or \"any\", got \"always\""),
            ("{name: \"x\", services: {a: {image: \"a\", restart_policy: {max_attempts: -1}}}}",
             "stack x: service a: restart_policy: max_attempts: expected an int >= 0, got -1"),
            ("{name: \"x\", services: {a: {image: \"a\", ports: [{published: 80}]}}}", "stack x: service a: ports: target: expected int, got "),
            ("{name: \"x\", services: {a: {image: \"a\", ports: [{target: 80, mode: \"hots\"}]}}}",
             "stack x: service a: ports: mode: expected \"ingress\" or \"host\", got \"hots\" (did you mean 'host'?)"),
            ("{name: \"x\", services: {a: {image: \"a\"}}}, mode: \"swam\"",
             "plan: mode: expected \"containers\" or \"swarm\", got \"swam\" (did you mean 'swarm'?)"),
        ]
        for (stack, message) in cases {
            do {
                _ = try interp.evaluate(SourceFile(name: "<t>", text: "plan(\(stack))"))
                Issue.record("no error for \(stack)")
            } catch let e as DshError {
                #expect(e.message.hasPrefix(message), "\(stack): \(e.message)")
            }
        }
    }
}

/// Runs dsh `code` with the Docker bindings and the host's (files, YAML).
func dshWithHost(_ code: String) async throws -> String {
    try await onThread {
        let sink = TextSink.capture()
        let interp = try makeInterpreter(output: sink)
        HostBindings.install(into: interp)
        interp.timeLimit = .seconds(240)
        do {
            _ = try interp.evaluate(SourceFile(name: "<stack test>", text: code))
            interp.output.flush()
            return sink.text
        } catch let e as DshError {
            throw ScriptFailure(report: e.report, message: e.message, output: sink.text)
        }
    }
}

/// The test stack as a dsh function `mk(mode)`: "db" healthy by a `test -f` health check,
/// "migrate" a one-shot, "app" built from an inline context; all on an internal network.
private func stackSource(_ name: String) -> String {
    let image = lit(Engine.image)
    return """
        let name = \(lit(name))
        fn mk(mode) {
            return {name: name, services: {
                db: {image: \(image), command: "touch /tmp/ok; echo db ready; exec sleep 600",
                     healthcheck: {test: "test -f /tmp/ok", interval: "1s"}, volumes: ["data:/data"], networks: ["back"]},
                migrate: {image: \(image), command: ["echo", "migrated"], depends_on: {db: "healthy"}, networks: ["back"]},
                app: {build: tar({"Dockerfile": "FROM \(Engine.image)\\nCMD [\\"sh\\", \\"-c\\", \\"echo app $MODE; exec sleep 600\\"]\\n"}),
                      env: {MODE: mode}, depends_on: {db: "service_healthy", migrate: "service_completed_successfully"},
                      networks: ["back"]}},
                networks: {back: {internal: true}}, volumes: {data: {}}}
        }
        fn leftovers() {
            let f = {label: ["com.docker.compose.project=${name}"]}
            return len(docker.containers.list(all: true, filters: f)) + len(docker.networks.list(filters: f)) + len(docker.volumes.list(filters: f))
        }
        fn cleanup() {
            down(name, volumes: true)
            try { docker.images.get("${name}-app").remove(force: true) } catch e { }
        }
        fn changes(p) { return json(map(filter(p, x => x.action != "keep"), x => [x.action, x.kind, x.name])) }

        """
}

@Suite(.enabled(if: Engine.enabled, Engine.skipReason), .serialized)
struct StackEngineTests {
    @Test func planUpAgainChangeOrphansDown() async throws {
        let name = Engine.name("stack")
        let out = try await dshWithHost(stackSource(name) + """
            defer { cleanup() }
            print("plan0", changes(plan(mk("a"))))
            let u1 = up(mk("a"), quiet: true)
            print("up1", json(map(u1, x => x.action)))
            print("ps1", json(map(ps(name), c => [c.name, c.state])))
            print("up2", json(unique(map(up(mk("a"), quiet: true), x => x.action))))
            let p3 = plan(mk("b"))
            print("plan3", changes(p3))
            print("reason3", first(p3, x => x.action == "recreate").reason)
            print("up3", changes(up(mk("b"), quiet: true)))
            print("env3", docker.containers.get("${name}-app-1").inspect().Config.Env[0])
            let labels3 = docker.containers.get("${name}-app-1").inspect().Config.Labels
            print("hash3", labels3["com.docker.compose.config-hash"])
            print("config3", labels3["dsh.stack.config"])
            let st = mk("b")
            st.services = {db: st.services.db, app: st.services.app}
            st.services.app.depends_on = ["db"]
            st.services.app.replicas = 2
            let p4 = up(st, quiet: true)
            print("up4", json(map(filter(p4, x => x.action != "keep"), x => [x.action, x.name, x.reason])))
            print("ps4", json(map(ps(name), c => c.name)))
            let lines = logs(name)
            print("logs", "db-1 | db ready" in lines, "app-1 | app b" in lines, "app-2 | app b" in lines)
            print("restart", json(restart(name, "db")))
            print("down", json(map(down(st, volumes: true), x => [x.kind, x.name])))
            print("left", leftovers())
            """)
        let lines = out.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "<no \(key) in \(out)>" }
        #expect(line("plan0") == "plan0 " + #"[["create","network","\#(name)_back"],["create","volume","\#(name)_data"],["create","container","\#(name)-db-1"],["create","container","\#(name)-migrate-1"],["create","image","\#(name)-app"],["create","container","\#(name)-app-1"]]"#)
        #expect(line("up1") == #"up1 ["create","create","create","create","create","create"]"#, "\(out)")
        #expect(line("ps1") == "ps1 " + #"[["\#(name)-app-1","running"],["\#(name)-db-1","running"],["\#(name)-migrate-1","exited"]]"#)
        #expect(line("up2") == #"up2 ["keep"]"#)
        #expect(line("plan3") == "plan3 " + #"[["recreate","container","\#(name)-app-1"]]"#)
        #expect(line("reason3") == #"reason3 env: {"MODE":"a"} -> {"MODE":"b"}"#)
        #expect(line("up3") == "up3 " + #"[["recreate","container","\#(name)-app-1"]]"#)
        #expect(line("env3") == "env3 MODE=b")
        // The config hash is the sha256 of the canonical JSON (keys sorted) kept beside it.
        let config = String(line("config3").dropFirst("config3 ".count))
        #expect(line("hash3") == "hash3 " + DockerEngine.SHA256.hex(config))
        #expect(config.hasPrefix(#"{"command":null,"entrypoint":null,"env":{"MODE":"b"},"healthcheck":null,"image":"\#(name)-app","image_id":"sha256:"#), "\(config)")
        #expect(line("up4") == "up4 " + #"[["create","\#(name)-app-2","missing"],["remove","\#(name)-migrate-1","orphan: service migrate is not in the stack"]]"#)
        #expect(line("ps4") == "ps4 " + #"["\#(name)-app-1","\#(name)-app-2","\#(name)-db-1"]"#)
        #expect(line("logs") == "logs true true true")
        #expect(line("restart") == "restart " + #"["\#(name)-db-1"]"#)
        #expect(line("down") == "down " + #"[["container","\#(name)-app-1"],["container","\#(name)-app-2"],["container","\#(name)-db-1"],["network","\#(name)_back"],["volume","\#(name)_data"]]"#)
        #expect(line("left") == "left 0")
    }

    /// A failing one-shot stops `up` with an error naming the services; what was made
    /// keeps its labels, so `down` removes it, and a fixed stack picks up from there.
    @Test func failureInTheMiddleStopsNamingTheServiceAndDownCleansUp() async throws {
        let name = Engine.name("stackf")
        let out = try await dshWithHost(stackSource(name) + """
            defer { cleanup() }
            let st = mk("a")
            st.services.migrate.command = ["sh", "-c", "exit 3"]
            try { up(st, quiet: true, timeout: 30) } catch e { print("error", e.message) }
            print("after", json(map(ps(name), c => [c.name, c.state])))
            print("follow", json(collect(take(logs(name, service: "db", follow: true), 1))))
            try { logs(name, service: "web", follow: true) } catch e { print("none", e.message) }
            print("rerun", changes(up(mk("a"), quiet: true)))
            down(name, volumes: true)
            print("left", leftovers())
            """)
        let lines = out.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "<no \(key) in \(out)>" }
        #expect(line("error") == "error up \(name): service app: dependency \(name)-migrate-1 did not complete successfully (exit code 3)")
        #expect(line("after") == "after " + #"[["\#(name)-db-1","running"],["\#(name)-migrate-1","exited"]]"#)
        #expect(line("follow") == #"follow ["db-1 | db ready"]"#)
        #expect(line("none") == "none logs: stack \(name) has no container for service web to follow")
        #expect(line("rerun") == "rerun " + #"[["recreate","container","\#(name)-migrate-1"],["create","container","\#(name)-app-1"]]"#)
        #expect(line("left") == "left 0")
    }

    /// A missing image is pulled (here from the test registry) and the plan says so; a
    /// dependency that never turns healthy stops `up` after `timeout` seconds.
    @Test func pullsMissingImagesAndTimesOutOnUnhealthyDependencies() async throws {
        let registry = try #require(Engine.registry, "DSH_TEST_REGISTRY is not set")
        let name = Engine.name("stackp")
        let ref = "\(registry)/\(name):1"
        let out = try await dshWithHost("""
            let name = \(lit(name))
            let ref = \(lit(ref))
            docker.images.get(\(lit(Engine.image))).tag(ref)
            progress(docker.images.push(ref), quiet: true)
            docker.images.get(ref).remove()
            defer {
                down(name)
                try { docker.images.get(ref).remove(force: true) } catch e { }
            }
            let st = {name: name, services: {
                db: {image: ref, command: "exec sleep 600", healthcheck: {test: "test -f /nope", interval: "1s"}, network_mode: "none"},
                web: {image: ref, command: "exec sleep 600", depends_on: {db: "healthy"}, network_mode: "none"}}}
            print("plan", json(map(filter(plan(st), x => x.kind == "image"), x => [x.action, x.name, x.reason])))
            try { up(st, quiet: true, timeout: 3) } catch e { print("error", e.message) }
            print("pulled", docker.images.get(ref).Id != nil)
            print("ps", json(map(ps(name), c => c.name)))
            """)
        let lines = out.split(separator: "\n").map(String.init)
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "<no \(key) in \(out)>" }
        #expect(line("plan") == "plan " + #"[["create","\#(ref)","pull: not present"]]"#)
        #expect(line("error") == "error up \(name): service web: dependency \(name)-db-1 is not healthy after 3 s (state: running, health: starting)"
            || line("error") == "error up \(name): service web: dependency \(name)-db-1 is not healthy after 3 s (state: running, health: unhealthy)", "\(out)")
        #expect(line("pulled") == "pulled true")
        #expect(line("ps") == "ps " + #"["\#(name)-db-1"]"#)
    }

    /// The same stack written as a Compose file (with `${VAR:-default}`, `.env`, list and
    /// map forms) gives the same plan as the dsh map.
    @Test func composeFileGivesTheSamePlan() async throws {
        let name = Engine.name("stackc")
        let dir = try TestDir()
        try writeFile(dir.path + "/Dockerfile", "FROM \(Engine.image)\nCMD [\"sleep\", \"600\"]\n")
        try writeFile(dir.path + "/.env", "DB_CMD=\"touch /tmp/ok; exec sleep 600\"\n")
        try writeFile(dir.path + "/compose.yaml", """
            name: \(name)
            services:
              db:
                image: ${DSH_STACK_IMAGE:-\(Engine.image)}
                command: ${DB_CMD}
                healthcheck:
                  test: ["CMD-SHELL", "test -f /tmp/ok"]
                  interval: 1s
                volumes: ["data:/data"]
                networks: [back]
                x-extra: 1
              app:
                build: .
                environment:
                  - MODE=a
                  - PRICE=$$5
                depends_on:
                  db:
                    condition: service_healthy
                networks:
                  back: {}
                deploy:
                  replicas: 2
                restart: unless-stopped
            networks:
              back:
                internal: true
            volumes:
              data:

            """)
        let out = try await dshWithHost("""
            let dir = \(lit(dir.path))
            let from_file = compose(path_join(dir, "compose.yaml"))
            let by_hand = {name: \(lit(name)), services: {
                db: {image: \(lit(Engine.image)), command: "touch /tmp/ok; exec sleep 600",
                     healthcheck: {test: ["CMD-SHELL", "test -f /tmp/ok"], interval: "1s"}, volumes: ["data:/data"], networks: ["back"]},
                app: {build: dir, env: {MODE: "a", PRICE: "$5"}, depends_on: {db: "healthy"}, networks: ["back"],
                      replicas: 2, restart: "unless-stopped"}},
                networks: {back: {internal: true}}, volumes: {data: {}}}
            print("same", json(plan(from_file)) == json(plan(by_hand)), len(plan(by_hand)))
            print("env", json(from_file.services.app.env))
            """)
        #expect(out.contains("warning: compose: \(dir.path)/compose.yaml: service db: ignoring unsupported keys: x-extra"), "\(out)")
        #expect(out.contains("same true 6"), "\(out)")
        #expect(out.contains(#"env {"MODE":"a","PRICE":"$5"}"#), "\(out)")
    }

    /// `logs(follow: true)` over three containers of two services gives their lines as they
    /// come, each prefixed; `take` closes the merged stream, which closes every follow request.
    @Test func followMergesEveryContainerAndClosesTheRequests() async throws {
        let proxy = try CountingProxy.inFrontOfTheTestEngine()
        defer { proxy.stop() }
        let name = Engine.name("stackl")
        let r = try await onThread { () -> (String, Int, Int, Int) in
            let sink = TextSink.capture()
            let interp = proxy.interpreter(sink)
            interp.timeLimit = .seconds(120)
            defer { _ = try? interp.evaluate("down(\(lit(name)))") }
            _ = try interp.evaluate("""
                fn ticker(word, replicas) {
                    return {image: \(lit(Engine.image)), replicas: replicas, network_mode: "none",
                        command: "i=0; while true; do i=$((i+1)); echo " + word + " $i; sleep 0.05; done"}
                }
                let st = {name: \(lit(name)), services: {tick: ticker("tick", 1), tock: ticker("tock", 2)}}
                up(st, quiet: true)
                """)
            let before = proxy.settle(atMost: 0)
            let v = try interp.evaluate("""
                let seen = {}
                var during = 0
                for line in take(logs(st, follow: true, tail: "0"), 90) {
                    let m = match(line, "^(tick-1|tock-1|tock-2) [|] (tick|tock) [0-9]+$")
                    seen[m?.groups[0] ?? "unexpected: ${line}"] = true
                    during = max([during, open_connections()])
                }
                json(sort(keys(seen)))
                """)
            let during = try interp.evaluate("during").asInt ?? -1
            let after = proxy.settle(atMost: before)
            return (v.displayString, before, during, after)
        }
        #expect(r.0 == #"["tick-1","tock-1","tock-2"]"#)
        #expect(r.2 >= r.1 + 3, "the three follows were open (before \(r.1), during \(r.2))")
        #expect(r.3 <= r.1, "closing the stream closed the follows (after: \(r.3))")
    }

    /// scripts/examples/stack.dsh runs to the end and leaves nothing behind.
    @Test func exampleScript() async throws {
        let path = packageRoot + "/scripts/examples/stack.dsh"
        let (status, out) = try await onThread {
            let sink = TextSink.capture()
            let interp = try makeInterpreter(output: sink)
            interp.timeLimit = .seconds(180)
            let text = try #require(readText(path), "cannot read \(path)")
            let status = interp.runScript(SourceFile(name: path, text: text, path: path))
            return (status, sink.text)
        }
        #expect(status == 0, "\(out)")
        #expect(out.contains("== up again\n== a new greeting\naction"), "\(out)")
        #expect(out.contains(#"recreate   container   dsh-example-shop-app-2   app       env: {"GREETING":"hello"} -> {"GREETING":"bonjour"}"#), "\(out)")
        #expect(out.contains("app-2 | bonjour\n"), "\(out)")
        let left = try await dsh("""
            let f = {label: ["com.docker.compose.project=dsh-example-shop"]}
            print(len(docker.containers.list(all: true, filters: f)), len(docker.networks.list(filters: f)), len(docker.volumes.list(filters: f)))
            """)
        #expect(left.output == "0 0 0\n")
    }
}
