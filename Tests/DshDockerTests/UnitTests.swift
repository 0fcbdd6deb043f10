// UnitTests.swift: the bindings' parts that need no engine: the endpoint table against
// the official API spec, the embedded stdlib against its file, read-only mode refusing
// before any request, query and filter encoding, tar contexts, progress rendering.
import DockerEngine
import DshCore
@testable import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file, or nil.
func readText(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The package root (this file is Tests/DshDockerTests/UnitTests.swift).
let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// `(METHOD, /path/{x})` pairs of the `paths:` section of an OpenAPI YAML file: path
/// lines at two spaces of indentation, method lines at four.
func specEndpoints(_ yaml: String) -> Set<String> {
    var out = Set<String>()
    var inPaths = false
    var path: String? = nil
    for raw in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(raw)
        if line.hasPrefix("paths:") { inPaths = true; continue }
        guard inPaths else { continue }
        if let first = line.first, first != " ", first != "#" { break }  // the next top-level key
        if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
            path = String(line.dropFirst(2).dropLast())
        } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
            let key = line.dropFirst(4).split(separator: ":").first.map(String.init) ?? ""
            if ["get", "post", "put", "delete", "head", "patch"].contains(key) {
                out.insert("\(key.uppercased()) \(normalize(path))")
            }
        }
    }
    return out
}

/// `/containers/{id}/json` → `/containers/{}/json`.
func normalize(_ template: String) -> String {
    var out = ""
    var inBrace = false
    for ch in template {
        if ch == "{" { inBrace = true; out += "{}"; continue }
        if ch == "}" { inBrace = false; continue }
        if !inBrace { out.append(ch) }
    }
    return out
}

@Suite struct EndpointTableTests {
    @Test func everyEndpointIsItsOperationInTheVendoredSpecs() throws {
        let spec = APISpec.shared
        for endpoint in Endpoints.all {
            let op = try #require(spec.operations[endpoint.operation], "\(endpoint): no operation \(endpoint.operation)")
            #expect(op.method == endpoint.method && normalize(op.path) == normalize(endpoint.template),
                    "\(endpoint) is not \(endpoint.operation) (\(op.method) \(op.path))")
        }
        #expect(Set(Endpoints.all.map(\.description)).count == Endpoints.all.count, "duplicate endpoints in the table")
    }

    @Test func theSpecParserSeesMethodsAndPaths() {
        let yaml = """
        swagger: "2.0"
        paths:
          /containers/{id}/start:
            post:
              summary: "x"
              parameters:
                - name: "get"
          /_ping:
            get:
              summary: "p"
            head:
              summary: "h"
        definitions:
          /nope:
            get: {}
        """
        #expect(specEndpoints(yaml) == ["POST /containers/{}/start", "GET /_ping", "HEAD /_ping"])
    }

    @Test func pathsEscapeParametersButKeepImageNames() {
        #expect(Endpoints.containerStart.path(["a b/c"]) == "/containers/a%20b%2Fc/start")
        #expect(Endpoints.imagePush.path(["127.0.0.1:5000/dsh/x"]) == "/images/127.0.0.1:5000/dsh/x/push")
    }
}

@Suite struct StdlibTests {
    @Test func embeddedSourceMatchesTheFile() throws {
        let file = try #require(readText(packageRoot + "/stdlib/containers.dsh"))
        #expect(StdlibSource.containers + "\n" == file, "Sources/DshDocker/StdlibSource.swift is out of date with stdlib/containers.dsh")
    }

    @Test func runAndWaitHealthyAreGlobals() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        DockerBindings.install(into: interp, client: { try DockerClient(host: "unix:///nonexistent/docker.sock") })
        #expect(interp.globalNames.contains("run"))
        #expect(interp.globalNames.contains("wait_healthy"))
        #expect(interp.globalNames.contains("docker"))
        #expect(interp.globalNames.contains("tar"))
        #expect(interp.globalNames.contains("progress"))
        // A script may still declare its own `run`.
        #expect(try interp.evaluate("fn run(x) { return x * 2 }\nrun(21)").displayString == "42")
    }
}

/// Runs code on its own thread against a client whose socket does not exist; `events`
/// counts trace events (requests attempted).
func offlineRun(_ code: String, readOnly: Bool) async throws -> (output: String, error: String?, requests: Int) {
    try await onThread {
        final class Counter: @unchecked Sendable {
            var n = 0
            let lock = NSLockLike()
        }
        let counter = Counter()
        let hook: DockerTraceHook = { _ in counter.lock.with { counter.n += 1 } }
        let sink = TextSink.capture()
        let interp = Interpreter(output: sink, errorOutput: sink)
        DockerBindings.install(into: interp, client: { try DockerClient(host: "unix:///nonexistent/dsh.sock", traceHook: hook) },
                               readOnly: readOnly, trace: hook)
        var message: String? = nil
        do { _ = try interp.evaluate(code) } catch let e as DshError { message = e.message }
        interp.output.flush()
        return (sink.text, message, counter.lock.with { counter.n })
    }
}

/// A pthread mutex (tests avoid Foundation).
final class NSLockLike: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    func with<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}

@Suite struct ReadOnlyOfflineTests {
    @Test func refusesWritesBeforeAnyRequest() async throws {
        let cases: [(String, String)] = [
            ("docker.containers.create(\"busybox\", cmd: [\"true\"])", "read-only: POST /containers/create is not allowed"),
            ("docker.request(\"DELETE\", \"/containers/x\")", "read-only: DELETE /containers/x is not allowed"),
            ("docker.images.pull(\"busybox\")", "read-only: POST /images/create is not allowed"),
            ("docker.swarm.leave(force: true)", "read-only: POST /swarm/leave is not allowed"),
            ("docker.connect(\"unix:///nonexistent/other.sock\").volumes.create(name: \"v\")", "read-only: POST /volumes/create is not allowed"),
        ]
        for (code, expected) in cases {
            let r = try await offlineRun(code, readOnly: true)
            #expect(r.error == expected, "\(code)")
            #expect(r.requests == 0, "\(code) sent \(r.requests) request(s)")
        }
    }

    @Test func readsAreAllowedAndFailOnlyForTheMissingDaemon() async throws {
        let r = try await offlineRun("docker.containers.list()", readOnly: true)
        #expect(r.error != nil)
        #expect(!(r.error ?? "").hasPrefix("read-only"))
        #expect(r.requests >= 1)
    }

    @Test func errorsCarryRequestAndStatusMembers() async throws {
        let r = try await offlineRun("try { docker.request(\"POST\", \"/containers/x/start\") } catch e { print(e.request, e.status, e.message) }", readOnly: true)
        #expect(r.output == "POST /containers/x/start nil read-only: POST /containers/x/start is not allowed\n")
    }

    @Test func installingNeverConnects() async throws {
        let r = try await offlineRun("print(1 + 1)", readOnly: false)
        #expect(r.output == "2\n")
        #expect(r.requests == 0)
    }
}

@Suite struct QueryEncodingTests {
    @Test func filtersBecomeMapsOfStringLists() throws {
        let m = MapRef()
        m["label"] = .string("a=b")
        m["status"] = .list([.string("running"), .string("exited")])
        m["dangling"] = .map(["true": .bool(true)])
        m["exited"] = .int(0)
        #expect(try Query.filters(.map(m)) == #"{"label":["a=b"],"status":["running","exited"],"dangling":{"true":true},"exited":["0"]}"#)
    }

    @Test func namedArgumentsBecomeQueryParameters() throws {
        let args = Arguments([], named: [("all", .bool(true)), ("limit", .int(3)), ("t", .list([.string("a:1"), .string("b:2")]))])
        let q = try ArgReader(args, "list").query()
        #expect(q.map { "\($0.0)=\($0.1)" } == ["all=true", "limit=3", "t=a:1", "t=b:2"])
    }

    @Test func imageReferencesSplitAtTheTagNotThePort() {
        #expect(ImageMethods.splitTag("127.0.0.1:5000/x/y:2")! == ("127.0.0.1:5000/x/y", "2"))
        #expect(ImageMethods.splitTag("127.0.0.1:5000/x/y") == nil)
        #expect(ImageMethods.splitTag("busybox@sha256:abc") == nil)
        #expect(ImageMethods.splitTag("busybox:1.36")! == ("busybox", "1.36"))
    }

    @Test func base64OfSecrets() {
        #expect(base64(Array("hello".utf8)) == "aGVsbG8=")
        #expect(base64(Array("hi".utf8)) == "aGk=")
        #expect(base64(Array("abc".utf8)) == "YWJj")
        #expect(base64([]) == "")
    }
}

@Suite struct ContainerSpecTests {
    @Test func friendlyArgumentsMakeTheAPIBody() throws {
        let args = Arguments([.string("img")], named: [
            ("cmd", .string("echo hi")), ("env", .map(["A": .string("1")])), ("network", .string("none")),
            ("name", .string("n1")), ("memory", .string("64m")), ("labels", .map(["x": .int(1)])),
            ("HostConfig", .map(["Init": .bool(true)])), ("user", .null),
        ])
        let spec = try ContainerSpec(args)
        let json = try JSON.encode(.map(spec.body))
        #expect(json.contains(#""HostConfig":{"NetworkMode":"none","Memory":67108864,"Init":true}"#))
        #expect(json.contains(#""Cmd":["/bin/sh","-c","echo hi"]"#))
        #expect(json.contains(#""Labels":{"x":"1"}"#))
        #expect(spec.query.map { "\($0.0)=\($0.1)" } == ["name=n1"])
        #expect(json.contains(#""Memory":67108864"#))
        #expect(json.contains(#""Env":["A=1"]"#))
        #expect(!json.contains("User"))
    }

    @Test func unknownArgumentsAreErrors() {
        #expect(throws: DshError.self) { try ContainerSpec(Arguments([.string("img")], named: [("nope", .int(1))])) }
        #expect(throws: DshError.self) { try ContainerSpec(Arguments([], named: [("cmd", .string("x"))])) }
    }
}

@Suite struct ProgressTests {
    func render(_ messages: [String], terminal: Bool) throws -> String {
        var out = ""
        let r = ProgressRenderer(isTerminal: terminal, width: 100) { out += $0 }
        for m in messages { r.render(try JSON.decode(m)) }
        return out
    }

    @Test func plainLinesOncePerStatusChange() throws {
        let out = try render([
            #"{"status":"Pulling from x","id":"latest"}"#,
            #"{"status":"Downloading","id":"abc","progressDetail":{"current":10,"total":100}}"#,
            #"{"status":"Downloading","id":"abc","progressDetail":{"current":50,"total":100}}"#,
            #"{"status":"Pull complete","id":"abc"}"#,
            #"{"stream":"Step 1/2 : FROM x\n"}"#,
            #"{"aux":{"ID":"sha256:1"}}"#,
            #"{"status":"Digest: sha256:2"}"#,
        ], terminal: false)
        #expect(out == "latest: Pulling from x\nabc: Downloading\nabc: Pull complete\nStep 1/2 : FROM x\nDigest: sha256:2\n")
    }

    @Test func terminalRewritesALayerLineInPlace() throws {
        let out = try render([
            #"{"status":"Downloading","id":"l1","progressDetail":{"current":1,"total":4}}"#,
            #"{"status":"Downloading","id":"l2","progressDetail":{"current":1,"total":4}}"#,
            #"{"status":"Pull complete","id":"l1"}"#,
        ], terminal: true)
        // l1 is two lines up when it is rewritten: up 2, erase the line, write, down 2.
        #expect(out.contains("\u{1B}[2A\u{1B}[2K\rl1: Pull complete\r\u{1B}[2B"))
        #expect(out.hasPrefix("l1: Downloading ["))
    }

    func runProgress(_ code: String) async throws -> (String, String?) {
        try await onThread {
            let sink = TextSink.capture()
            let interp = Interpreter(output: sink, errorOutput: sink)
            DockerBindings.install(into: interp, client: { try DockerClient(host: "unix:///nonexistent/dsh.sock") })
            var message: String? = nil
            do { _ = try interp.evaluate(code) } catch let e as DshError { message = e.message }
            interp.output.flush()
            return (sink.text, message)
        }
    }

    @Test func returnsTheLastAuxAndRaisesOnAnErrorItem() async throws {
        let (out, error) = try await runProgress("""
            let aux = progress([{stream: "Step 1/1 : FROM x\\n"}, {aux: {ID: "sha256:abc"}}, {status: "done"}])
            print(aux.ID)
            progress([{status: "Pulling", id: "a"}, {errorDetail: {message: "manifest unknown"}, error: "manifest unknown"}])
            print("not reached")
            """)
        #expect(out == "Step 1/1 : FROM x\ndone\nsha256:abc\na: Pulling\n")
        #expect(error == "manifest unknown")
    }
}
