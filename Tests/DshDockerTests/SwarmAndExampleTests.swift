// SwarmAndExampleTests.swift: swarm mode (services, tasks, nodes, secrets, configs) and
// the example scripts, run one after the other because a swarm is engine-wide state
// (swarm_rollout.dsh makes its own swarm); the swarm tests go through SwarmGate, which
// keeps them apart from StackDeployTests' and leaves the swarm after each.
import DockerEngine
import DshCore
import Testing

@Suite(.serialized, .enabled(if: Engine.enabled, Engine.skipReason))
struct SwarmAndExampleTests {
    let image = lit(Engine.image)

    @Test func swarmServicesTasksNodesSecretsConfigs() async throws {
        let tag = Engine.name("sw")
        // (what the script left is read before the gate cleans up after it)
        let (r, after) = try await SwarmGate.exclusive { (try await dsh("""
            if docker.info().Swarm.LocalNodeState != "inactive" { throw error("the engine is already in a swarm") }
            let had_gwbridge = len(docker.networks.list(filters: {name: ["docker_gwbridge"]})) > 0
            let node_id = docker.swarm.init(listen_addr: "127.0.0.1:2377", advertise_addr: "127.0.0.1")
            defer {
                docker.swarm.leave(force: true)
                # swarm init makes docker_gwbridge and leave keeps it: remove what we made.
                if !had_gwbridge { docker.networks.get("docker_gwbridge").remove() }
            }
            let sw = docker.swarm.inspect()
            print(type(sw.JoinTokens.Worker), docker.info().Swarm.LocalNodeState)
            # The endpoints a single node cannot really exercise still reach the daemon:
            try { docker.swarm.join(remote_addrs: "127.0.0.1:2377", join_token: sw.JoinTokens.Worker) } catch e { print("join:", e.status >= 400, contains(e.message, "already part of a swarm")) }
            try { docker.swarm.unlock("SWMKEY-1-notreallyakey") } catch e { print("unlock:", e.status >= 400, e.request) }
            print(json(docker.swarm.unlock_key()))
            docker.swarm.update(rotate_worker_token: true)
            print(docker.swarm.inspect().JoinTokens.Worker != sw.JoinTokens.Worker)
            let nodes = docker.nodes.list()
            print(len(nodes), nodes[0].ID == node_id, nodes[0].Spec.Role)
            let nd = docker.nodes.get(node_id).update(labels: {\(lit(tag)): "1"})
            print(nd.Spec.Labels[\(lit(tag))], nd.Spec.Availability)

            let sec = docker.secrets.create(name: \(lit(tag + "-secret")), data: "s3cret", labels: {a: 1})
            print(sec.name, sec.Spec.Labels.a, len(docker.secrets.list(filters: {name: [\(lit(tag + "-secret"))]})))
            let cfg = docker.configs.create(name: \(lit(tag + "-config")), data: bytes("conf"))
            print(cfg.name, cfg.Spec.Data, docker.configs.get(cfg.ID).update(labels: {b: "2"}).Spec.Labels.b)

            let svc = docker.services.create(name: \(lit(tag)), image: \(image), cmd: ["sh", "-c", "echo up; cat /run/secrets/s; echo; sleep 600"],
                replicas: 1, labels: {\(lit(tag)): "svc"},
                TaskTemplate: {ContainerSpec: {Secrets: [{SecretID: sec.ID, SecretName: sec.name, File: {Name: "s", UID: "0", GID: "0", Mode: 292}}]}})
            # (no defer: leaving the swarm removes everything it holds)
            print(svc.name, svc.Spec.Labels[\(lit(tag))], len(docker.services.list(filters: {label: [\(lit(tag))]})))
            var running = []
            let deadline = now() + 60
            while len(running) < 1 && now() < deadline {
                running = svc.tasks() | filter(t => t.Status.State == "running") | collect()
                sleep(0.2)
            }
            print(len(running), docker.tasks.get(running[0].ID).ServiceID == svc.ID)
            var lines = []
            while len(lines) < 2 && now() < deadline {
                lines = svc.logs() | map(l => l.text) | collect()
                sleep(0.2)
            }
            print(json(lines))
            print(json(running[0].logs() | map(l => l.text) | take(1) | collect()))
            print(json(docker.tasks.list(filters: {service: [svc.ID]}) | map(t => t.ServiceID == svc.ID) | unique))
            print(svc.scale(2).Spec.Mode.Replicated.Replicas)
            print(svc.update(labels: {\(lit(tag)): "updated"}).Spec.Labels[\(lit(tag))], svc.Version.Index > 0)
            svc.remove()
            # Wait until the service's task containers are gone before leaving the swarm.
            while len(docker.containers.list(all: true, filters: {label: ["com.docker.swarm.service.id=" + svc.ID]})) > 0 && now() < deadline + 30 {
                sleep(0.2)
            }
            sec.remove()
            cfg.remove()
            try { docker.secrets.get(sec.ID) } catch e { print(e.status) }
            """), try await dsh("print(docker.info().Swarm.LocalNodeState, len(docker.containers.list(all: true, filters: {name: [\(lit(tag))]})))")) }
        #expect(r.output == """
            string active
            join: true true
            unlock: true POST /swarm/unlock
            {"UnlockKey":""}
            true
            1 true manager
            1 active
            \(tag)-secret 1 1
            \(tag)-config Y29uZg== 2
            \(tag) svc 1
            1 true
            ["up","s3cret"]
            ["up"]
            [true]
            2
            updated true
            404

            """, "\(r.output)")
        #expect(after.output == "inactive 0\n")
    }

    @Test func biggestImages() async throws {
        let (status, out) = try await runExample("biggest_images.dsh", ["3"])
        #expect(status == 0, "\(out)")
        let lines = out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("image") == true, "\(out)")
        #expect(lines.count >= 2 && lines.count <= 4, "\(out)")
        #expect(out.contains("MB") || out.contains("kB"), "\(out)")
    }

    @Test func buildInline() async throws {
        let (status, out) = try await runExample("build_inline.dsh")
        #expect(status == 0, "\(out)")
        #expect(out.contains("Step 1/4 : FROM \(Engine.image)"), "\(out)")
        #expect(out.contains("hello from an inline build context\n35 /greeting.txt"), "\(out)")
        let left = try await dsh("docker.images.list(filters: {reference: [\"dsh-example/inline\"]}) | count").value
        #expect(left == "0")
    }

    @Test func tailLabelled() async throws {
        let (status, out) = try await runExample("tail_labelled.dsh")
        #expect(status == 0, "\(out)")
        for name in ["alpha", "beta"] {
            #expect(out.contains("stdout: \(name) line 3\nstdout: \(name) line 4\nstdout: \(name) line 5\n"), "\(out)")
        }
        #expect(out.contains("2 container(s) labelled dsh.example=tail-"), "\(out)")
        let label = out.split(separator: "\n").last!.split(separator: " ").last!
        let left = try await dsh("docker.containers.list(all: true, filters: {label: [\(lit(String(label)))]}) | count").value
        #expect(left == "0")
    }

    @Test func reactToDie() async throws {
        let (status, out) = try await runExample("react_to_die.dsh", ["2", "30"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("exit=1 last line: bye from 0"), "\(out)")
        #expect(out.contains("exit=2 last line: bye from 1"), "\(out)")
        #expect(out.hasSuffix("saw 2 die event(s)\n"), "\(out)")
    }

    @Test func swarmRollout() async throws {
        // What the script left (checked before the gate cleans up after it).
        let (status, out, state) = try await SwarmGate.exclusive {
            let (status, out) = try await runExample("swarm_rollout.dsh")
            return (status, out, try await dsh("print(docker.info().Swarm.LocalNodeState, len(docker.containers.list(all: true, filters: {name: [\"dsh-rollout-\"]})), len(docker.networks.list(filters: {name: [\"docker_gwbridge\"]})))").output)
        }
        #expect(status == 0, "\(out)")
        #expect(out.contains("2 tasks running version 1"), "\(out)")
        #expect(out.contains("rolled out: [\"VERSION=2\"] on 2 task(s)"), "\(out)")
        #expect(state == "inactive 0 0\n")
    }
}

/// Runs an example file with the bindings; returns its exit status and output.
func runExample(_ file: String, _ args: [String] = []) async throws -> (Int32, String) {
    let path = packageRoot + "/scripts/examples/" + file
    return try await onThread {
        let sink = TextSink.capture()
        let interp = try makeInterpreter(output: sink)
        interp.arguments = args
        interp.timeLimit = .seconds(180)
        let text = try #require(readText(path), "cannot read \(path)")
        let status = interp.runScript(SourceFile(name: path, text: text, path: path))
        return (status, sink.text)
    }
}
