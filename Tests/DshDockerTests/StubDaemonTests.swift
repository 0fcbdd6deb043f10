// StubDaemonTests.swift: what a daemon on the stub sees: negotiation with a daemon that
// claims API 1.56 (or sends no API-Version), request shapes of the operations the local
// engine cannot show (plugins, links, swarm service updates, registry pushes), and
// `docker.request(..., full: true)`.
import DockerEngine
import DshCore
@testable import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A stub answering `_ping` with `API-Version: version` (none when nil) and the rest
/// through `routes` (method + path without version and query → reply).
func makeStub(version: String? = "1.56", _ routes: @escaping @Sendable (StubRequest) -> StubReply? = { _ in nil }) throws -> StubDaemon {
    try StubDaemon { r in
        if r.path == "/_ping" {
            return StubReply(headers: version.map { [("API-Version", $0), ("Content-Type", "text/plain")] } ?? [("Content-Type", "text/plain")], body: "OK")
        }
        if let reply = routes(r) { return reply }
        if r.path == "/version" { return StubReply(body: #"{"ApiVersion":"\#(version ?? "1.56")","Version":"stub"}"#) }
        if r.path == "/containers/json" || r.path == "/images/json" { return StubReply(body: "[]") }
        return StubReply(status: 404, body: #"{"message":"stub: no route for \#(r.method) \#(r.path)"}"#)
    }
}

extension Result where Failure == ScriptFailure {
    var failureMessage: String? { if case .failure(let f) = self { return f.message }; return nil }
}

@Suite struct StubDaemonTests {
    @Test func aDaemonClaiming156IsSpokenToAt156() async throws {
        let stub = try makeStub()
        defer { stub.stop() }
        let r = try await dshOnStub(stub, "docker.containers.list(); len(docker.images.list(shared_size: true, manifests: true))")
        #expect(try r.get() == "0")
        let list = try #require(stub.requests.first { $0.path == "/images/json" })
        #expect(list.target.hasPrefix("/v1.56/images/json"), "\(list.target)")
        #expect(list.query.contains { $0 == ("shared-size", "true") } && list.query.contains { $0 == ("manifests", "true") }, "\(list.query)")
        #expect(stub.requests.first { $0.path == "/containers/json" }?.target.hasPrefix("/v1.56/") == true)
    }

    @Test func aPingWithoutAPIVersionMeansTheClientsMaximumAsTheCLIDoes() async throws {
        let stub = try makeStub(version: nil)
        defer { stub.stop() }
        _ = try await dshOnStub(stub, "docker.containers.list()").get()
        let list = try #require(stub.requests.first { $0.path == "/containers/json" })
        #expect(list.target.hasPrefix("/v\(APIVersion.clientMaximum)/containers/json"), "\(list.target)")
    }

    @Test func aPinnedVersionAboveWhatDshKnowsIsRefusedBeforeAnyRequest() async throws {
        let stub = try makeStub()
        defer { stub.stop() }
        let r = try await dshOnStub(stub, "docker.containers.list()", apiVersion: "1.99")
        #expect(r.failureMessage?.contains("newer than the newest API dsh knows (1.56)") == true, "\(String(describing: r.failureMessage))")
        #expect(stub.requests.isEmpty)
        let pinned = try await dshOnStub(stub, "docker.containers.list(); 1", apiVersion: "1.44")
        #expect(try pinned.get() == "1")
        #expect(stub.requests.last?.target.hasPrefix("/v1.44/containers/json") == true)
    }

    @Test func aParameterNewerThanAPinnedVersionIsRefused() async throws {
        let stub = try makeStub()
        defer { stub.stop() }
        let r = try await dshOnStub(stub, "docker.images.list(identity: true)", apiVersion: "1.47")
        #expect(r.failureMessage?.contains("`identity` came in API 1.54; the daemon speaks 1.47") == true, "\(String(describing: r.failureMessage))")
        #expect(!stub.requests.contains { $0.path == "/images/json" })
    }

    @Test func removingALinkSendsTheLinkName() async throws {
        let stub = try makeStub { r in
            if r.method == "GET", r.path == "/containers/c2/mylink/json" { return StubReply(body: #"{"Id":"abc123","Name":"/c2/mylink"}"#) }
            if r.method == "DELETE" { return StubReply(status: 204) }
            return nil
        }
        defer { stub.stop() }
        _ = try await dshOnStub(stub, #"docker.containers.get("c2/mylink").remove(link: true)"#).get()
        let delete = try #require(stub.requests.first { $0.method == "DELETE" })
        #expect(delete.target.hasPrefix("/v1.56/containers/c2/mylink?"), "the link's name, its / unescaped: \(delete.target)")
        #expect(delete.query.contains { $0.0 == "link" && ($0.1 == "true" || $0.1 == "1") }, "\(delete.target)")
    }

    @Test func forceUpdateSetsTheCounterOrBumpsIt() async throws {
        let stub = try makeStub { r in
            if r.method == "GET", r.path == "/services/s1" {
                return StubReply(body: #"{"ID":"s1","Version":{"Index":7},"Spec":{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"x"},"ForceUpdate":3}}}"#)
            }
            if r.method == "POST", r.path == "/services/s1/update" { return StubReply(body: #"{"Warnings":[]}"#) }
            return nil
        }
        defer { stub.stop() }
        _ = try await dshOnStub(stub, #"let s = docker.services.get("s1"); s.update(force_update: 10); s.update(force_update: false); s.update(force_update: true)"#).get()
        let updates = stub.requests.filter { $0.method == "POST" }
        try #require(updates.count == 3)
        func force(_ r: StubRequest) -> Value? {
            guard case .map(let m)? = try? JSON.decode(r.body), case .map(let t)? = m["TaskTemplate"] else { return nil }
            return t["ForceUpdate"]
        }
        #expect(force(updates[0])?.displayString == "10" && force(updates[0]).map { $0.typeName } == "int")
        #expect(force(updates[1])?.displayString == "3", "false must not force")
        #expect(force(updates[2])?.displayString == "4", "true is the current value + 1")
        #expect(updates[0].query.contains { $0 == ("version", "7") })
    }

    @Test func anImagePushesTheReferenceItWasFetchedBy() async throws {
        let stub = try makeStub { r in
            if r.method == "GET", r.path == "/images/127.0.0.1:5055/x:v2/json" {
                return StubReply(body: #"{"Id":"sha256:abcdef0123456789","RepoTags":["a:1","127.0.0.1:5055/x:v2"]}"#)
            }
            if r.method == "POST", r.path.hasSuffix("/push") { return StubReply(body: "{\"status\":\"pushed\"}\n") }
            return nil
        }
        defer { stub.stop() }
        let r = try await dshOnStub(stub, """
            let img = docker.images.get("127.0.0.1:5055/x:v2")
            collect(img.push())
            collect(img.push("v3"))
            img.name
            """)
        #expect(try r.get() == "127.0.0.1:5055/x:v2")
        let pushes = stub.requests.filter { $0.path.hasSuffix("/push") }
        try #require(pushes.count == 2)
        #expect(pushes[0].path == "/images/127.0.0.1:5055/x/push" && pushes[0].query.contains { $0 == ("tag", "v2") }, "\(pushes[0].target)")
        #expect(pushes[1].path == "/images/127.0.0.1:5055/x/push" && pushes[1].query.contains { $0 == ("tag", "v3") }, "\(pushes[1].target)")
    }

    @Test func requestFullGivesStatusHeadersAndBodyAndHeadWorks() async throws {
        let stub = try makeStub { r in
            if r.path == "/things" { return StubReply(status: 201, headers: [("X-Thing", "yes")], body: #"{"a":1}"#) }
            return nil
        }
        defer { stub.stop() }
        let r = try await dshOnStub(stub, """
            let a = docker.request("POST", "/things", full: true)
            let h = docker.request("HEAD", "/_ping", full: true)
            "${a.status} ${a.headers["X-Thing"]} ${a.body.a} ${h.status} ${h.body} ${h.headers["API-Version"] ?? h.headers["Api-Version"]}"
            """)
        #expect(try r.get() == "201 yes 1 200 nil 1.56")
    }

    @Test func statReadsThePathStatHeader() async throws {
        let stat = #"{"name":"etc","size":4096,"mode":2147484141,"mtime":"2024-01-01T00:00:00Z","linkTarget":""}"#
        let stub = try makeStub { r in
            if r.method == "GET", r.path == "/containers/c1/json" { return StubReply(body: #"{"Id":"c1","Name":"/c1"}"#) }
            if r.method == "HEAD", r.path == "/containers/c1/archive" {
                return StubReply(headers: [("X-Docker-Container-Path-Stat", Base64.encode(Array(stat.utf8)))])
            }
            return nil
        }
        defer { stub.stop() }
        let r = try await dshOnStub(stub, #"let s = docker.containers.get("c1").stat("/etc"); "${s.name} ${s.size} ${s.linkTarget == ""}""#)
        #expect(try r.get() == "etc 4096 true")
        #expect(stub.requests.contains { $0.method == "HEAD" && $0.query.contains { $0 == ("path", "/etc") } })
    }

    @Test func pluginRequestShapes() async throws {
        let plugin = #"{"Id":"p1","Name":"vieux/sshfs:latest","Enabled":false,"Settings":{"Env":[]}}"#
        let stub = try makeStub { r in
            switch (r.method, r.path) {
            case ("GET", "/plugins/privileges"): return StubReply(body: #"[{"Name":"network","Description":"","Value":["host"]}]"#)
            case ("POST", "/plugins/pull"), ("POST", "/plugins/vieux/sshfs:latest/upgrade"): return StubReply(body: "{\"status\":\"ok\"}\n")
            case ("GET", "/plugins/vieux/sshfs:latest/json"): return StubReply(body: plugin)
            case ("POST", "/plugins/vieux/sshfs:latest/enable"), ("POST", "/plugins/vieux/sshfs:latest/disable"),
                 ("POST", "/plugins/vieux/sshfs:latest/set"), ("DELETE", "/plugins/vieux/sshfs:latest"):
                return StubReply(status: 200, body: "")
            case ("POST", "/plugins/vieux/sshfs:latest/push"): return StubReply(body: "{\"status\":\"pushed\"}\n")
            default: return nil
            }
        }
        defer { stub.stop() }
        _ = try await dshOnStub(stub, """
            let p = docker.plugins.install("vieux/sshfs", name: "vieux/sshfs:latest", auth: {username: "u", password: "p"})
            p.enable(timeout: 5)
            p.disable(force: true)
            p.configure({DEBUG: 1})
            p.upgrade("vieux/sshfs:next", auth: {username: "u", password: "p"})
            collect(p.push(auth: {username: "u", password: "p"}))
            p.remove(force: true)
            """).get()
        let reqs = stub.requests.filter { $0.path != "/_ping" }
        let pull = try #require(reqs.first { $0.path == "/plugins/pull" })
        #expect(pull.query.contains { $0 == ("remote", "vieux/sshfs") } && pull.query.contains { $0 == ("name", "vieux/sshfs:latest") })
        #expect(pull.bodyText.contains(#""network""#), "the privileges are granted in the body: \(pull.bodyText)")
        #expect(pull.headers.contains { $0.0.lowercased() == "x-registry-auth" })
        #expect(reqs.contains { $0.path == "/plugins/privileges" && $0.query.contains { $0 == ("remote", "vieux/sshfs") } })
        #expect(reqs.contains { $0.path.hasSuffix("/enable") && $0.query.contains { $0 == ("timeout", "5") } })
        #expect(reqs.contains { $0.path.hasSuffix("/disable") && $0.query.contains { $0 == ("force", "true") } })
        let set = try #require(reqs.first { $0.path.hasSuffix("/set") })
        #expect(set.bodyText == #"["DEBUG=1"]"#)
        #expect(reqs.contains { $0.path.hasSuffix("/upgrade") && $0.query.contains { $0 == ("remote", "vieux/sshfs:next") } })
        #expect(reqs.contains { $0.method == "POST" && $0.path.hasSuffix("/push") })
        #expect(reqs.contains { $0.method == "DELETE" && $0.query.contains { $0 == ("force", "true") } })
    }

    @Test func searchDistributionLoginAndBuilderPruneShapes() async throws {
        let stub = try makeStub { r in
            switch (r.method, r.path) {
            case ("GET", "/images/search"): return StubReply(body: #"[{"name":"busybox","star_count":1}]"#)
            case ("GET", "/distribution/reg:5000/x:1/json"): return StubReply(body: #"{"Descriptor":{"digest":"sha256:1"},"Platforms":[]}"#)
            case ("POST", "/auth"): return StubReply(body: #"{"Status":"Login Succeeded"}"#)
            case ("POST", "/build/prune"): return StubReply(body: #"{"CachesDeleted":[],"SpaceReclaimed":0}"#)
            default: return nil
            }
        }
        defer { stub.stop() }
        let config = "/tmp/dsh-stub-config-\(getpid())-login"
        defer { unlink(config + "/config.json"); rmdir(config) }
        let r = try await dshOnStub(stub, """
            let s = docker.images.search("busybox", limit: 3)
            let d = docker.distribution("reg:5000/x:1")
            let l = docker.login("reg:5000", username: "u", password: "p")
            let b = docker.builder.prune(all: true, reserved_space: 1000)
            "${s[0].name} ${d.Descriptor.digest} ${l.Status} ${b.SpaceReclaimed}"
            """, configDirectory: config)
        #expect(try r.get() == "busybox sha256:1 Login Succeeded 0")
        // Stored as docker login stores it, and removed by logout.
        let stored = readText(config + "/config.json") ?? ""
        #expect(stored.contains(#""reg:5000":{"auth":"\#(Base64.encode(Array("u:p".utf8)))"}"#), "\(stored)")
        let out = try await dshOnStub(stub, #"[docker.logout("reg:5000"), docker.logout("reg:5000")]"#, configDirectory: config)
        #expect(try out.get() == "[true, false]")
        #expect(!(readText(config + "/config.json") ?? "").contains("reg:5000"))
        let reqs = stub.requests
        #expect(reqs.contains { $0.path == "/images/search" && $0.query.contains { $0 == ("term", "busybox") } && $0.query.contains { $0 == ("limit", "3") } })
        let auth = try #require(reqs.first { $0.path == "/auth" })
        #expect(auth.bodyText.contains(#""serveraddress":"reg:5000""#) && auth.bodyText.contains(#""username":"u""#), "\(auth.bodyText)")
        #expect(reqs.contains { $0.path == "/build/prune" && $0.query.contains { $0 == ("reserved-space", "1000") } })
        let gone = try await dshOnStub(stub, "docker.builder.prune(keep_storage: 1000)")
        #expect(gone.failureMessage == "docker.builder.prune: `keep_storage` is gone after API 1.51; the daemon speaks 1.56")
    }

    @Test func execObjectsInspectResizeAndStartDetached() async throws {
        let stub = try makeStub { r in
            switch (r.method, r.path) {
            case ("GET", "/containers/c1/json"): return StubReply(body: #"{"Id":"c1","Name":"/c1","Config":{"Tty":false}}"#)
            case ("POST", "/containers/c1/exec"): return StubReply(status: 201, body: #"{"Id":"e1"}"#)
            case ("POST", "/exec/e1/start"), ("POST", "/exec/e1/resize"): return StubReply(status: 200, body: "")
            case ("GET", "/exec/e1/json"): return StubReply(body: #"{"ID":"e1","Running":true}"#)
            default: return nil
            }
        }
        defer { stub.stop() }
        let r = try await dshOnStub(stub, """
            let e = docker.containers.get("c1").exec(["sleep", "5"], detach: true, tty: true)
            e.resize(h: 30, w: 100)
            "${e.id} ${e.inspect().Running}"
            """)
        #expect(try r.get() == "e1 true")
        let start = try #require(stub.requests.first { $0.path == "/exec/e1/start" })
        #expect(start.bodyText.contains(#""Detach":true"#))
        #expect(stub.requests.contains { $0.path == "/exec/e1/resize" && $0.query.contains { $0 == ("h", "30") } && $0.query.contains { $0 == ("w", "100") } })
    }

    /// `build(auth: ...)` used to be dropped silently: the credentials go in
    /// `X-Registry-Config`, and `extrahosts: {h: ip}` goes as the list form.
    @Test func buildSendsAuthAndExtrahosts() async throws {
        let stub = try makeStub { r in
            r.path == "/build" ? StubReply(body: "{\"stream\":\"done\"}\n") : nil
        }
        defer { stub.stop() }
        _ = try await dshOnStub(stub, """
            collect(docker.images.build(tar({Dockerfile: "FROM scratch"}), t: "x:1", extrahosts: {h: "10.1.2.3"},
                auth: {username: "u", password: "p", serveraddress: "reg:5000"}))
            """).get()
        let build = try #require(stub.requests.first { $0.path == "/build" })
        #expect(build.query.contains { $0 == ("extrahosts", "h:10.1.2.3") } && build.query.contains { $0 == ("t", "x:1") }, "\(build.target)")
        let header = try #require(build.headers.first { $0.0.lowercased() == "x-registry-config" }?.1)
        var b64 = header.replacingOccurrences("-", "+").replacingOccurrences("_", "/")
        while b64.count % 4 != 0 { b64 += "=" }
        let config = String(decoding: Base64.decode(b64) ?? [], as: UTF8.self)
        #expect(config.contains(#""reg:5000""#) && config.contains(#""username":"u""#), "\(config)")
    }
}

