// StackDeployTests.swift: `deploy` of a stack on a single-node swarm (plan on an empty
// swarm, deploy, a second deploy doing nothing, a changed env updating one service, an
// orphan removed, replicas scaled, ps and logs of the tasks, down leaving nothing with the
// namespace label), refused stacks, the same plan from a Compose file, and
// scripts/examples/stack_deploy.dsh.
import DockerEngine
import DshCore
import Testing

/// The dsh lines that make this engine a single-node swarm on 127.0.0.1 (SwarmGate leaves it).
private let swarmInit = """
    docker.swarm.init(listen_addr: "127.0.0.1:2377", advertise_addr: "127.0.0.1")

    """

/// The line of `out` that starts with `key` and a space.
private func line(_ key: String, _ out: String) -> String {
    out.split(separator: "\n").map(String.init).first { $0.hasPrefix(key + " ") } ?? "<no \(key) in \(out)>"
}

@Suite(.serialized, .enabled(if: Engine.enabled, Engine.skipReason))
struct StackDeployTests {
    @Test func planDeployAgainChangeOrphanScaleDown() async throws {
        let name = Engine.name("deploy")
        let image = lit(Engine.image)
        let out = try await SwarmGate.exclusive { try await dshWithHost("""
            let name = \(lit(name))
            fn mk(mode, replicas) {
                return {name: name, services: {
                    web: {image: \(image), command: "echo web $MODE; exec sleep 600", env: {MODE: mode}, replicas: replicas,
                          ports: ["18080:80"], volumes: ["data:/data"], networks: ["back"],
                          healthcheck: {test: "true", interval: "1s"},
                          update_config: {parallelism: 2, delay: "100ms", failure_action: "rollback", order: "start-first"},
                          restart_policy: {condition: "on-failure", max_attempts: 3}},
                    worker: {image: \(image), command: ["sleep", "600"], networks: ["back"], labels: {tier: "worker"},
                             ports: [{target: 81, published: 18081, mode: "host"}], restart: "unless-stopped"},
                    app: {build: tar({"Dockerfile": "FROM \(Engine.image)\\nCMD [\\"sleep\\", \\"600\\"]\\n"}), networks: ["back"]}},
                    networks: {back: {}}, volumes: {data: {}}}
            }
            fn changes(p) { return json(map(filter(p, x => x.action != "keep"), x => [x.action, x.kind, x.name])) }
            fn tasks(p) { return json(map(p, t => [t.service, t.number, t.state])) }
            try { plan(mk("a", 1), mode: "swarm") } catch e { print("nomanager", e.message) }
            try { plan(mk("a", 1), mode: "swam") } catch e { print("badmode", e.message) }
            \(swarmInit)
            defer {
                down(name, volumes: true)
                try { docker.images.get("${name}-app").remove(force: true) } catch e { }
            }
            print("plan0", changes(plan(mk("a", 1), mode: "swarm")))
            print("deploy1", changes(deploy(mk("a", 1), quiet: true)))
            print("ps1", tasks(ps(name)))
            let w = docker.services.get("${name}_web").Spec
            print("update", json([w.UpdateConfig.Parallelism, w.UpdateConfig.Delay, w.UpdateConfig.FailureAction, w.UpdateConfig.Order]))
            print("restart", json([w.TaskTemplate.RestartPolicy.Condition, w.TaskTemplate.RestartPolicy.MaxAttempts]))
            print("ports", json(map(w.EndpointSpec.Ports, p => [p.PublishedPort, p.TargetPort, p.PublishMode])))
            print("labels", w.Labels["com.docker.stack.namespace"] == name, w.Labels["com.docker.compose.project"] == name,
                w.Labels["com.docker.compose.service"], w.TaskTemplate.ContainerSpec.Labels["com.docker.stack.namespace"] == name)
            print("aliases", json(w.TaskTemplate.Networks[0].Aliases))
            print("mount", w.TaskTemplate.ContainerSpec.Mounts[0].Type, w.TaskTemplate.ContainerSpec.Mounts[0].Source == "${name}_data")
            # (the daemon answers "Healthcheck" for the API's "HealthCheck")
            print("health", json([w.TaskTemplate.ContainerSpec.Healthcheck.Test, w.TaskTemplate.ContainerSpec.Healthcheck.Interval]))
            let k = docker.services.get("${name}_worker").Spec
            print("worker", k.EndpointSpec.Ports[0].PublishMode, k.TaskTemplate.RestartPolicy.Condition, k.Labels.tier)
            let net = docker.networks.get("${name}_back")
            print("net", net.Driver, net.Attachable, net.Labels["com.docker.stack.namespace"] == name)
            print("deploy2", json(unique(map(deploy(mk("a", 1), quiet: true), x => x.action))))
            let versions = {}
            for s in ["web", "worker", "app"] {
                versions[s] = docker.services.get("${name}_${s}").Version.Index
            }
            let p3 = plan(mk("b", 1), mode: "swarm")
            print("plan3", changes(p3))
            print("reason3", first(p3, x => x.action == "update").reason)
            print("deploy3", changes(deploy(mk("b", 1), quiet: true)))
            print("versions3", json(map(["web", "worker", "app"], s => docker.services.get("${name}_${s}").Version.Index > versions[s])))
            print("logs3", "web.1 | web b" in logs(name, service: "web"))
            print("env3", json(docker.tasks.list(filters: {service: ["${name}_web"], "desired-state": ["running"]}) | map(t => t.Spec.ContainerSpec.Env) | unique))
            let st = mk("b", 3)
            st.services = {web: st.services.web, app: st.services.app}
            print("deploy4", json(map(filter(deploy(st, quiet: true), x => x.action != "keep"), x => [x.action, x.name, x.reason])))
            print("ps4", tasks(ps(name)))
            print("follow4", json(sort(collect(take(logs(name, service: "web", follow: true), 3)))))
            docker.secrets.create(name: "${name}_token", data: "x", labels: {"com.docker.stack.namespace": name})
            print("down", json(map(down(name, volumes: true), x => [x.kind, x.name])))
            let f = {label: ["com.docker.stack.namespace=${name}"]}
            print("left", len(docker.services.list(filters: f)), len(docker.networks.list(filters: f)), len(docker.secrets.list(filters: f)),
                len(docker.configs.list(filters: f)), len(docker.volumes.list(filters: f)), len(docker.containers.list(all: true, filters: f)))
            """) }.replacing(name, with: "N")
        #expect(line("nomanager", out) == "nomanager plan N: the engine is not a swarm manager (docker.swarm.init() makes it one; up runs a stack as containers)")
        #expect(line("badmode", out) == #"badmode plan: mode: expected "containers" or "swarm", got "swam" (did you mean 'swarm'?)"#)
        #expect(line("plan0", out) == #"plan0 [["create","network","N_back"],["create","service","N_web"],["create","service","N_worker"],["create","image","N-app"],["create","service","N_app"]]"#)
        #expect(line("deploy1", out) == #"deploy1 [["create","image","N-app"],["create","network","N_back"],["create","service","N_web"],["create","service","N_worker"],["create","service","N_app"]]"#)
        #expect(line("ps1", out) == #"ps1 [["app",1,"running"],["web",1,"running"],["worker",1,"running"]]"#)
        #expect(line("update", out) == #"update [2,100000000,"rollback","start-first"]"#)
        #expect(line("restart", out) == #"restart ["on-failure",3]"#)
        #expect(line("ports", out) == #"ports [[18080,80,"ingress"]]"#)
        #expect(line("labels", out) == "labels true true web true")
        #expect(line("aliases", out) == #"aliases ["web"]"#)
        #expect(line("mount", out) == "mount volume true")
        #expect(line("health", out) == #"health [["CMD-SHELL","true"],1000000000]"#)
        #expect(line("worker", out) == "worker host any worker")
        #expect(line("net", out) == "net overlay true true")
        #expect(line("deploy2", out) == #"deploy2 ["keep"]"#)
        #expect(line("plan3", out) == #"plan3 [["update","service","N_web"]]"#)
        #expect(line("reason3", out) == #"reason3 env: {"MODE":"a"} -> {"MODE":"b"}"#)
        #expect(line("deploy3", out) == #"deploy3 [["update","service","N_web"]]"#)
        #expect(line("versions3", out) == "versions3 [true,false,false]")
        #expect(line("logs3", out) == "logs3 true")
        #expect(line("env3", out) == #"env3 [["MODE=b"]]"#)
        #expect(line("deploy4", out) == #"deploy4 [["update","N_web","replicas: 1 -> 3"],["remove","N_worker","orphan: service worker is not in the stack"]]"#)
        #expect(line("ps4", out) == #"ps4 [["app",1,"running"],["web",1,"running"],["web",2,"running"],["web",3,"running"]]"#)
        #expect(line("follow4", out) == #"follow4 ["web.1 | web b","web.2 | web b","web.3 | web b"]"#)
        #expect(line("down", out) == #"down [["service","N_app"],["service","N_web"],["network","N_back"],["secret","N_token"],["volume","N_data"]]"#)
        #expect(line("left", out) == "left 0 0 0 0 0 0")
    }

    /// What a swarm cannot run is refused before anything is created, naming the service
    /// and the field; a service whose tasks never run stops `deploy` after `timeout`
    /// seconds with the last task's error; `depends_on` is ignored with a warning.
    @Test func refusesWhatASwarmCannotRunAndNamesTheServiceThatDoesNotConverge() async throws {
        let registry = try #require(Engine.registry, "DSH_TEST_REGISTRY is not set")
        let name = Engine.name("deployf")
        let out = try await SwarmGate.exclusive { try await dshWithHost("""
            let name = \(lit(name))
            \(swarmInit)
            defer { down(name) }
            fn with(change) {
                return {name: name, services: {a: {image: \(lit(Engine.image)), command: ["sleep", "600"]} + change}}
            }
            for change in [{network_mode: "none"}, {ports: ["127.0.0.1:8080:80"]}, {ports: ["8000-8001:80-81"]},
                           {ports: [{target: 80, host_ip: "127.0.0.1"}]}, {volumes: ["./data:/data"]}] {
                try { deploy(with(change)) } catch e { print("error", e.message) }
            }
            let f = {label: ["com.docker.stack.namespace=${name}"]}
            print("nothing", len(docker.services.list(filters: f)), len(docker.networks.list(filters: f)))
            let st = {name: name, services: {
                a: {image: \(lit(registry)) + "/" + name + "-missing:1", depends_on: ["b"]},
                b: {image: \(lit(Engine.image)), command: ["sleep", "600"]}}}
            try { deploy(st, timeout: 8) } catch e { print("timeout", e.message) }
            print("ps", json(map(filter(ps(name), t => t.state == "running"), t => t.service)))
            """) }.replacing(name, with: "N")
        let errors = out.split(separator: "\n").filter { $0.hasPrefix("error ") }
        #expect(errors == [
            "error deploy N: service a: network_mode is not supported on a swarm (use networks)",
            "error deploy N: service a: ports: '127.0.0.1:8080:80': a swarm port is \"published:target[/protocol]\" or \"target\" (no host address, no range)",
            "error deploy N: service a: ports: '8000-8001:80-81': a swarm port is \"published:target[/protocol]\" or \"target\" (no host address, no range)",
            "error deploy N: service a: ports: a swarm publishes on every address; host_ip is not supported",
            "error deploy N: service a: volumes: './data:/data': a bind mount on a swarm needs an absolute path",
        ], "\(out)")
        #expect(line("nothing", out) == "nothing 0 0")
        #expect(out.contains("warning: deploy N: service a: depends_on is ignored on a swarm (services start together, as with docker stack deploy)"), "\(out)")
        #expect(line("timeout", out).hasPrefix("timeout deploy N: service a: 0/1 task(s) running after 8 s (last task: "), "\(out)")
        #expect(line("ps", out) == #"ps ["b"]"#)
    }

    /// The same stack written as a Compose file (deploy.replicas, update_config,
    /// restart_policy, long-syntax ports) gives the same swarm plan, and once the dsh map is
    /// deployed the file's plan keeps everything.
    @Test func composeFileGivesTheSameSwarmPlan() async throws {
        let name = Engine.name("deployc")
        let dir = try TestDir()
        try writeFile(dir.path + "/compose.yaml", """
            name: \(name)
            services:
              web:
                image: ${DSH_DEPLOY_IMAGE:-\(Engine.image)}
                command: echo web; exec sleep 600
                environment: [MODE=a]
                ports:
                  - "18082:80"
                  - target: 81
                    published: 18083
                    mode: host
                networks: [back]
                deploy:
                  replicas: 1
                  update_config: {parallelism: 2, delay: 100ms, order: start-first}
                  restart_policy: {condition: on-failure, max_attempts: 3}
                  resources: {limits: {cpus: "0.5"}}
            networks:
              back:
                attachable: true

            """)
        let path = dir.path
        let out = try await SwarmGate.exclusive { try await dshWithHost("""
            \(swarmInit)
            let from_file = compose(path_join(\(lit(path)), "compose.yaml"))
            let by_hand = {name: \(lit(name)), services: {
                web: {image: \(lit(Engine.image)), command: "echo web; exec sleep 600", env: {MODE: "a"},
                      ports: ["18082:80", {target: 81, published: 18083, mode: "host"}], networks: ["back"], replicas: 1,
                      update_config: {parallelism: 2, delay: "100ms", order: "start-first"},
                      restart_policy: {condition: "on-failure", max_attempts: 3}}},
                networks: {back: {attachable: true}}}
            defer { down(by_hand) }
            let p = plan(by_hand, mode: "swarm")
            print("same", json(plan(from_file, mode: "swarm")) == json(p), len(p))
            deploy(by_hand, quiet: true)
            print("after", json(map(plan(from_file, mode: "swarm"), x => [x.action, x.kind])))
            """) }
        #expect(out.contains("warning: compose: \(dir.path)/compose.yaml: service web: deploy: ignoring unsupported keys: resources"), "\(out)")
        #expect(out.contains("same true 2"), "\(out)")
        #expect(out.contains(#"after [["keep","network"],["keep","service"]]"#), "\(out)")
    }

    /// scripts/examples/stack_deploy.dsh runs to the end on its own swarm and leaves nothing behind.
    @Test func exampleScript() async throws {
        let (status, out, left) = try await SwarmGate.exclusive {
            let (status, out) = try await runExample("stack_deploy.dsh")
            let left = try await dsh("""
                print(docker.info().Swarm.LocalNodeState, len(docker.networks.list(filters: {name: ["docker_gwbridge"]})),
                    len(docker.containers.list(all: true, filters: {label: ["com.docker.stack.namespace=dsh-swarm-shop"]})))
                """).output
            return (status, out, left)
        }
        #expect(status == 0, "\(out)")
        #expect(out.contains("== deploy again\n(nothing to do)\n"), "\(out)")
        #expect(out.contains(#"update   service   dsh-swarm-shop_app   app       env: {"GREETING":"hello"} -> {"GREETING":"bonjour"}"#), "\(out)")
        #expect(out.contains(#"update   service   dsh-swarm-shop_app   app       replicas: 2 -> 3"#), "\(out)")
        #expect(left == "inactive 0 0\n", "\(out)")
    }
}
