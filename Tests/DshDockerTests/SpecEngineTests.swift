// SpecEngineTests.swift: the spec checks against the real engine (API 1.41): every
// example of a silently accepted argument now fails before anything is sent, with the
// closest valid name, and leaves the engine as it was; parameters newer than 1.41 are
// refused with the version that brought them; the operations bound in this wave.
import DockerEngine
import DshCore
@testable import DshDocker
import Synchronization
import Testing

/// Records every request a client sends (method and path).
final class RequestLog: Sendable {
    private let events = Mutex<[String]>([])
    /// Each event as `METHOD /path?query`, without the `/v1.NN` prefix the trace shows.
    var hook: DockerTraceHook {
        { [self] e in
            var path = Substring(e.path)
            if path.hasPrefix("/v1."), let slash = path.dropFirst().firstIndex(of: "/") { path = path[slash...] }
            events.withLock { $0.append("\(e.method) \(path)") }
        }
    }
    var all: [String] { events.withLock { $0 } }
    func count(_ prefix: String) -> Int { all.filter { $0.hasPrefix(prefix) }.count }
}

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct SpecEngineTests {
    let image = lit(Engine.image)

    /// `prune(filter: ...)` (singular) used to prune every stopped container.
    @Test func aPruneTypoRemovesNothing() async throws {
        let name = Engine.name("prune")
        let log = RequestLog()
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["true"], network: "none", name: \(lit(name)), labels: {app: "keep"})
            defer { c.remove(force: true) }
            var message = ""
            try { docker.containers.prune(filter: {label: ["app=old"]}) } catch e { message = e.message }
            print(message)
            print(docker.containers.get(\(lit(name))).State.Status)
            """, trace: log.hook)
        #expect(r.output.contains("docker.containers.prune: unknown argument `filter`; did you mean `filters`?"), "\(r.output)")
        #expect(r.output.hasSuffix("created\n"), "the stopped container is still there: \(r.output)")
        #expect(log.count("POST /containers/prune") == 0, "\(log.all)")
        #expect(log.count("POST /containers/create") == 1, "the log sees the requests that were sent: \(log.all)")
    }

    @Test func everySilentlyAcceptedExampleNowFailsBeforeSending() async throws {
        let log = RequestLog()
        let cases: [(String, String)] = [
            ("docker.containers.list(al: true)", "docker.containers.list: unknown argument `al`; did you mean `all`?"),
            ("docker.images.build(tar({Dockerfile: \"FROM scratch\"}), tga: \"x\")", "docker.images.build: unknown argument `tga`; did you mean `tag`"),
            ("docker.images.build(tar({Dockerfile: \"FROM scratch\"}), nocahce: true)", "unknown argument `nocahce`; did you mean `nocache`?"),
            ("docker.containers.create(\(image), Enviroment: [\"A=1\"])", "unknown field `Enviroment` (the request body has no `Enviroment`); did you mean `Env`?"),
            ("docker.containers.create(\(image), HostConfig: {Memroy: 1})", "unknown field `HostConfig.Memroy` (HostConfig has no `Memroy`); did you mean `Memory`?"),
            ("docker.swarm.update(lables: {a: \"b\"})", "docker.swarm.update: unknown argument `lables`; did you mean `labels`?"),
            ("docker.containers.create(\(image), HostConfig: {Memory: \"1g\"})", "`HostConfig.Memory` must be an int, not string"),
            ("docker.containers.list(all: \"yes\")", "docker.containers.list: `all` must be true or false, not string"),
        ]
        for (code, expected) in cases {
            let before = log.all.filter { !$0.hasSuffix("/_ping") && !$0.hasPrefix("GET ") }.count
            let f = try await dshFailure(code, trace: log.hook)
            #expect(f.message.contains(expected), "\(code): \(f.message)")
            let after = log.all.filter { !$0.hasSuffix("/_ping") && !$0.hasPrefix("GET ") }.count
            #expect(after == before, "\(code) sent a request that changes something: \(log.all)")
        }
        #expect(log.count("POST /build") == 0 && log.count("POST /containers/create") == 0 && log.count("POST /swarm/update") == 0)
        _ = try await dsh("docker.containers.list(all: true)", trace: log.hook)
        #expect(log.count("GET /containers/json?all=true") == 1, "the log sees the requests that were sent: \(log.all)")
    }

    /// `signal` came in API 1.42, `platform` of an image inspect in 1.49: the local
    /// daemon speaks 1.41, so both are refused, naming the versions, and nothing is sent.
    @Test func parametersNewerThanTheDaemonAreRefused() async throws {
        let name = Engine.name("gate")
        let log = RequestLog()
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(name)))
            defer { c.remove(force: true) }
            c.start()
            try { c.stop(t: 3, signal: "SIGKILL") } catch e { print(e.message) }
            print(c.reload().State.Status)
            try { docker.images.get(\(image), platform: "linux/amd64") } catch e { print(e.message) }
            try { docker.images.list(shared_size: true) } catch e { print(e.message) }
            """, trace: log.hook)
        let lines = r.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(r.output)")
        #expect(lines.first == "container.stop: `signal` came in API 1.42; the daemon speaks 1.41")
        #expect(lines.dropFirst().first == "running", "nothing was sent: the container still runs")
        #expect(lines.dropFirst(2).first == "docker.images.get: `platform` came in API 1.49; the daemon speaks 1.41")
        #expect(lines.dropFirst(3).first == "docker.images.list: `shared_size` came in API 1.42; the daemon speaks 1.41")
        #expect(log.count("POST /containers/\(name)/stop") == 0 && !log.all.contains { $0.contains("/stop") }, "\(log.all)")
    }

    @Test func getTakesTheInspectParametersAndStatReadsAPath() async throws {
        let name = Engine.name("size")
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(name)))
            defer { c.remove(force: true) }
            print(docker.containers.get(\(lit(name)), size: true).SizeRootFs > 0)
            print(docker.containers.get(\(lit(name))).SizeRootFs)
            c.start()
            let s = c.stat("/etc")
            print(s.name, s.size > 0, type(s.mode), type(s.mtime))
            let n = docker.networks.get("none", verbose: true)
            print(n.Name)
            """)
        #expect(r.output == "true\nnil\netc true int string\nnone\n")
    }

    @Test func buildSendsExtrahostsAsTheListFormAndTakesAuth() async throws {
        let tag = Engine.name("xh") + ":1"
        let r = try await dsh("""
            let ctx = tar({Dockerfile: "FROM \(Engine.image)\\nLABEL dsh.test=\(tag)\\nRUN true\\n"})
            defer { try { docker.images.get(\(lit(tag))).remove(force: true) } catch e { } }
            for m in docker.images.build(ctx, t: \(lit(tag)), extrahosts: {h: "10.1.2.3"}, networkmode: "none", auth: {username: "u", password: "p"}) { }
            print(\(lit(tag)) in docker.images.get(\(lit(tag))).RepoTags)
            """)
        #expect(r.output == "true\n")
    }

    @Test func execObjectsAndDetachedExecs() async throws {
        let name = Engine.name("exec")
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sleep", "60"], network: "none", name: \(lit(name)))
            defer { c.remove(force: true) }
            c.start()
            let e = c.exec(["sh", "-c", "echo hi > /tmp/x"], detach: true)
            var tries = 0
            while e.inspect().Running && tries < 100 { sleep(0.05); tries += 1 }
            print(e.inspect().ExitCode, c.exec(["cat", "/tmp/x"]).stdout)
            let later = c.create_exec(["echo", "later"])
            print(later.start().stdout)
            """)
        #expect(r.output == "0 hi\n\nlater\n\n")
    }

    @Test func pluginsListInspectMissingAndPrivileges() async throws {
        let registry = Engine.registry ?? "127.0.0.1:1"
        let log = RequestLog()
        let r = try await dsh("""
            print(type(docker.plugins.list()))
            try { docker.plugins.get("dsh-no-such-plugin") } catch e { print(e.status) }
            print(type(docker.plugins.privileges("\(registry)/dsh-no-such-plugin:latest")))
            """, trace: log.hook)
        #expect(r.output == "list\n404\nlist\n", "\(r.output)")
        #expect(log.all.contains("GET /plugins/dsh-no-such-plugin/json") && log.all.contains { $0.hasPrefix("GET /plugins/privileges?remote=") }, "\(log.all)")
    }

    @Test func requestFullAndBuilderPrune() async throws {
        let r = try await dsh("""
            let p = docker.request("GET", "/_ping", full: true)
            print(p.status, p.body, p.headers["Api-Version"] ?? p.headers["API-Version"])
            let h = docker.request("HEAD", "/_ping", full: true)
            print(h.status, h.body)
            print(type(docker.builder.prune(filters: {until: ["876000h"]}).SpaceReclaimed))
            """)
        #expect(r.output == "200 OK 1.41\n200 nil\nint\n", "\(r.output)")
    }
}
