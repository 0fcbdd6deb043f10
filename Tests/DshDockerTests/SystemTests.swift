// SystemTests.swift: the `docker` object against the real engine: system calls,
// events, the `request` escape hatch, `connect` over mutual TLS, read-only mode (reads
// work, writes refused before any request), traces, networks and volumes.
import DockerEngine
import DshCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Collects trace events.
final class TraceLog: @unchecked Sendable {
    private let lock = NSLockLike()
    private var lines: [String] = []
    var hook: DockerTraceHook { { [self] e in lock.with { lines.append(e.description) } } }
    var all: [String] { lock.with { lines } }
}

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct SystemTests {
    let image = lit(Engine.image)

    @Test func systemCalls() async throws {
        let r = try await dsh("""
            print(docker.ping(), docker.system.ping())
            print(docker.version().ApiVersion == docker.system.version().ApiVersion, type(docker.info().Containers))
            print(type(docker.system.df().Images), starts_with(docker.host, "unix://"))
            print(str(docker), docker.read_only)
            """)
        #expect(r.output == "OK OK\ntrue int\nlist true\n<docker \(Engine.environment["DOCKER_HOST"]!)> false\n", "\(r.output)")
    }

    @Test func eventsAreBoundedByUntilAndFiltered() async throws {
        let label = Engine.name("ev")
        let r = try await dsh("""
            let since = now()
            let c = docker.containers.create(\(image), cmd: ["true"], network: "none", labels: {\(lit(label)): "1"})
            c.start()
            c.wait()
            c.remove()
            let evs = docker.events(since: since, until: now() + 0.5, filters: {label: [\(lit(label))], type: "container"}) | map(e => e.Action) | collect()
            print(json(evs))
            let s = docker.system.events(since: since, filters: {label: [\(lit(label))]}) | take(1) | collect()
            print(s[0].Type, s[0].Actor.ID == c.Id)
            """)
        #expect(r.output == "[\"create\",\"start\",\"die\",\"destroy\"]\ncontainer true\n", "\(r.output)")
    }

    @Test func requestEscapeHatch() async throws {
        let name = Engine.name("req")
        let r = try await dsh("""
            print(docker.request("GET", "/_ping"))
            let list = docker.request("GET", "/containers/json", query: {all: true, filters: {name: [\(lit(name))]}})
            print(type(list), len(list))
            let created = docker.request("POST", "/containers/create?name=\(name)", body: {Image: \(image), Cmd: ["true"], HostConfig: {NetworkMode: "none"}})
            print(type(created.Id), len(docker.request("GET", "/containers/json?all=1&filters=" + json({name: [\(lit(name))]}))))
            print(docker.request("DELETE", "/containers/" + created.Id))
            try { docker.request("GET", "/containers/" + created.Id + "/json") } catch e { print(e.status, e.request) }
            let evs = docker.request("GET", "/events", query: {since: 0, until: now(), filters: {container: [created.Id]}}, stream: true) | map(e => e.Action) | collect()
            print(json(evs))
            """)
        let lines = r.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "OK")
        #expect(lines[1] == "list 0")
        #expect(lines[2] == "string 1")
        #expect(lines[3] == "nil")
        #expect(lines[4].hasPrefix("404 GET /containers/"))
        #expect(lines[5] == "[\"create\",\"destroy\"]", "\(r.output)")
    }

    @Test func connectOverMutualTLS() async throws {
        let host = try #require(Engine.environment["DSH_TEST_TLS_HOST"], "DSH_TEST_TLS_HOST is not set")
        let certs = try #require(Engine.environment["DSH_TEST_TLS_CERTS"], "DSH_TEST_TLS_CERTS is not set")
        let r = try await dsh("""
            let other = docker.connect(\(lit(host)), tls: {ca: \(lit(certs + "/ca.pem")), cert: \(lit(certs + "/cert.pem")), key: \(lit(certs + "/key.pem"))})
            print(other.ping(), other.host, other.images.get(\(image)).Id == docker.images.get(\(image)).Id)
            let dir = docker.connect(\(lit(host)), tls: {dir: \(lit(certs))})
            print(dir.version().ApiVersion == docker.version().ApiVersion)
            try { docker.connect(\(lit(host))).ping() } catch e { print("plain HTTP refused") }
            """)
        #expect(r.output == "OK \(host) true\ntrue\nplain HTTP refused\n", "\(r.output)")
    }

    @Test func readOnlyAllowsReadsAndRefusesWritesBeforeSending() async throws {
        let trace = TraceLog()
        let r = try await dsh("""
            print(len(docker.images.list()) >= 1, docker.ping())
            let i = docker.images.get(\(image))
            print(len(i.history()) >= 1)
            for call in [() => docker.containers.create(\(image), cmd: ["true"]), () => i.tag("x:y"), () => i.remove(force: true),
                         () => docker.images.build(tar({"Dockerfile": "FROM scratch"})), () => docker.volumes.prune(),
                         () => docker.request("POST", "/containers/prune")] {
                try { call() } catch e { print(e.message) }
            }
            """, readOnly: true, trace: trace.hook)
        #expect(r.output == """
            true OK
            true
            read-only: POST /containers/create is not allowed
            read-only: POST /images/\(Engine.image)/tag is not allowed
            read-only: DELETE /images/\(Engine.image) is not allowed
            read-only: POST /build is not allowed
            read-only: POST /volumes/prune is not allowed
            read-only: POST /containers/prune is not allowed

            """, "\(r.output)")
        #expect(trace.all.allSatisfy { $0.hasPrefix("GET ") || $0.hasPrefix("HEAD ") }, "\(trace.all)")
    }

    @Test func traceHasRequestLinesAndNoCredentials() async throws {
        let trace = TraceLog()
        let registry = Engine.registry ?? "127.0.0.1:5000"
        _ = try await dsh("""
            docker.containers.list(all: true)
            try { docker.images.pull(\(lit(registry + "/dsh-no-such-repo:1")), auth: {username: "u", password: "hunter2secret"}) | collect() } catch e { }
            try { docker.request("GET", "/containers/json", query: {password: "hunter2secret"}) } catch e { }
            """, trace: trace.hook)
        let lines = trace.all
        // Paths as sent, with the version prefix.
        #expect(lines.contains { $0.hasPrefix("GET /v1.") && $0.contains("/containers/json?all=true -> 200") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("POST /v1.") && $0.contains("/images/create?fromImage=") }, "\(lines)")
        #expect(!lines.joined().contains("hunter2secret"), "\(lines)")
        #expect(lines.contains { $0.contains("password=%2A%2A%2A") || $0.contains("password=***") }, "\(lines)")
    }

    @Test func networksAndVolumes() async throws {
        let tag = Engine.name("nv")
        let r = try await dsh("""
            let n = docker.networks.create(name: \(lit(tag)), driver: "bridge", internal: true, labels: {\(lit(tag)): "1"}, options: {"com.docker.network.bridge.name": "dshbr\(tag.suffix(6))"})
            defer { n.remove() }
            print(n.name, n.Internal, n.Labels[\(lit(tag))])
            print(len(docker.networks.list(filters: {label: [\(lit(tag))]})))
            # connect/disconnect: a second internal (isolated) network; the container
            # starts on the first one, as containers cannot join networks from "none".
            let n2 = docker.networks.create(name: \(lit(tag + "-2")), internal: true, options: {"com.docker.network.bridge.name": "dshbs\(tag.suffix(6))"})
            defer { n2.remove() }
            let c = docker.containers.create(\(image), cmd: ["sleep", "30"], network: \(lit(tag)), name: \(lit(tag)))
            defer { c.remove(force: true) }
            c.start()
            n2.connect(c, aliases: ["web"])
            print(json(keys(c.reload().NetworkSettings.Networks) | sort))
            print(json(c.NetworkSettings.Networks[\(lit(tag + "-2"))].Aliases | filter(a => a == "web")))
            n2.disconnect(c, force: true)
            print(json(keys(c.reload().NetworkSettings.Networks)))
            let v = docker.volumes.create(name: \(lit(tag)), labels: {\(lit(tag)): "1"})
            print(v.name, v.Driver, v.Labels[\(lit(tag))])
            print(docker.volumes.list(filters: {label: [\(lit(tag))]}) | map(x => x.Name) | collect())
            print(docker.volumes.get(\(lit(tag))).Mountpoint != nil)
            v.remove()
            try { docker.volumes.get(\(lit(tag))) } catch e { print(e.status) }
            let p = docker.volumes.create(name: \(lit(tag + "-p")), labels: {\(lit(tag)): "prune"})
            print(docker.volumes.prune(filters: {label: [\(lit(tag + "=prune"))]}).VolumesDeleted)
            let pn = docker.containers.prune(filters: {label: [\(lit(tag + "=none"))]})
            print(pn.ContainersDeleted)
            """)
        #expect(r.output == """
            \(tag) true 1
            1
            ["\(tag)","\(tag)-2"]
            ["web"]
            ["\(tag)"]
            \(tag) local 1
            ["\(tag)"]
            true
            404
            ["\(tag)-p"]
            nil

            """, "\(r.output)")
    }
}
