// main.swift: a host that embeds dsh in Swift 6 mode: output ordering, async evaluate,
// cancelling from another thread, a sandbox, compile once, backtraces, stops that
// clean up, a memory limit, a host type named like one of dsh's, a followed Docker
// log and typed events, the Docker engine from a build without TLS. Each section prints
// what it shows; the test suite checks the output (it runs this against the test engine:
// DOCKER_HOST, DSH_TEST_IMAGE).
import Dispatch
import DockerEngine
import DshCore
import DshDocker
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// 1. Output: the script's print shares the host's stdout buffer, so the order holds
//    even when stdout is a pipe.
print("host: before")
let interp = Interpreter()
_ = try interp.evaluate("print(\"script: during\")")
print("host: after")

// 2. An output callback instead.
let lines = LineLog()
let quiet = Interpreter(output: .handler { lines.add($0) })
_ = try quiet.evaluate("print(\"to the callback\")")
print("callback got: \(lines.all)")

// 3. Async evaluate on the main actor: the result is Sendable data, map order kept.
let value = try await interp.evaluateAsync("{zeta: 1, alpha: [true, nil], mid: \"x\"}")
if case .map(let m) = value { print("async keys: \(Array(m.keys))") }

// 4. Cancel from another thread with the Sendable handle; defers still clean up.
let handle = interp.cancelHandle
DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) {
    handle.cancel(reason: "cancelled by the host")
}
do {
    _ = try await interp.evaluateAsync("""
        defer { print("script: cleaned up") }
        while true { sleep(0.01) }
        """)
} catch let e as DshError {
    print("stopped: \(e.kind) \(e.message)")
}

// 5. A sandbox: no files, no env, imports only from the host.
let sandbox = Interpreter(capabilities: .pure)
sandbox.moduleLoader = { name in
    name == "policy" ? .text("fn allowed(n) { return n <= 3 }", name: "policy") : .denied("not on the list")
}
print("policy: \(try sandbox.evaluate("import \"policy\"\npolicy.allowed(2)").displayString)")
for attempt in ["write_file(\"/tmp/owned\", \"x\")", "import \"/etc/passwd\"", "env.HOME"] {
    do {
        _ = try sandbox.evaluate(attempt)
        print("sandbox allowed: \(attempt)")
    } catch let e as DshError {
        print("sandbox refused: \(e.message)")
    }
}

// 6. Compile once, run many.
sandbox.define("n", .int(0))
let rule = try sandbox.compile("policy.allowed(n)", name: "rule")
var verdicts: [String] = []
for n in 1...5 {
    sandbox.define("n", .int(n))
    verdicts.append(try rule.run().displayString)
}
print("verdicts: \(verdicts.joined(separator: " "))")

// 7. A backtrace.
do {
    _ = try sandbox.evaluate("fn check(x) { return x.missing.deeper }\nfn run_all() { return check({}) }\nrun_all()", name: "job.dsh")
} catch let e as DshError {
    print(e.report.split(separator: "\n").first.map(String.init) ?? "")
    print(e.backtraceReport)
}

// 8. EvaluationThread.run returns a value (a big stack for deep recursion).
let depth = try EvaluationThread.run {
    try interp.evaluate("fn d(n) { if n == 0 { return 0 }\nreturn 1 + d(n - 1) }\nd(20000)").asInt ?? -1
}
print("recursion depth: \(depth)")

// 9. Codable both ways, and typed arguments for a native function.
struct Replica: Codable { var name: String; var cpus: Double; var ports: [Int] }
interp.define("replica", try interp.value(from: Replica(name: "web-1", cpus: 0.5, ports: [80, 443])))
interp.define("resize") { args, _ in
    let (replica, cpus) = try args.unpack("resize", ("replica", Replica.self), ("cpus", Double.self))
    return try DshCore.Value(encoding: Replica(name: replica.name, cpus: cpus, ports: replica.ports))
}
let resized = try interp.evaluate("resize(replica, cpus: replica.cpus * 4)").decode(Replica.self)
print("codable: \(resized.name) \(resized.cpus) \(resized.ports)")

// 10. A dsh stream iterated from Swift, on demand; breaking closes it.
var tick = 0
interp.define("ticks", .stream(ClosureStream(label: "ticks") { _ in tick += 1; return .int(tick) }))
var squares: [String] = []
for try await item in interp.items(of: try interp.evaluate("ticks | map(t => t * t)")) {
    squares.append("\(item)")
    if squares.count == 4 { break }
}
print("stream: \(squares.joined(separator: " ")) (pulled \(tick))")

// 11. The Docker engine over its unix socket (DOCKER_HOST), from a build of dsh without
//     TLS: Package.swift depends on dsh with `traits: []`, so swift-nio-ssl and BoringSSL
//     are never built, and a TLS endpoint is refused with a clear error.
let scripted = Interpreter()
DockerBindings.install(into: scripted, readOnly: true)
print("engine ping: \(try await scripted.evaluateAsync("docker.ping()"))")
print("TLS in this build: \(DockerClient.supportsTLS)")
do {
    _ = try DockerClient(host: "tcp://127.0.0.1:2376", tls: DockerTLSOptions(verify: false))
} catch let e as DockerError {
    print("TLS endpoint: \(e.message)")
}

// 12. A memory limit: the script's live values may not pass 8 MiB; the host goes on.
let bounded = Interpreter(limits: InterpreterLimits(memory: 8 << 20))
do {
    _ = try bounded.evaluate("fn hoard() { var rows = []\nwhile true { rows += [\"row\"] } }\nhoard()", name: "hoard.dsh")
} catch let e as DshError {
    print(e.report.split(separator: "\n").first.map(String.init) ?? "")   // hoard.dsh:2:14: error: memory limit of 8 MiB exceeded
}
print("after the limit: \(try bounded.evaluate("len(range(10) | collect)").displayString)")

// 13. The host's own `Value` (declared at the bottom) hides dsh's: write `DshCore.Value`.
// snippet: example-clash
let sample = Value(metric: "cpu", amount: 0.25)
interp.define("sample", .map(["metric": .string(sample.metric), "amount": .float(sample.amount)]))
let scaled: DshCore.Value = try interp.evaluate("sample.amount * 4")
print("own Value: \(sample.metric) \(scaled.displayString)")
// end snippet

// 14. A followed Docker log iterated from Swift: stop after 3 lines (leaving the loop
//     closes the request), remove the container whatever happened; then the typed
//     events of its life.
// snippet: example-docker
let environment = ProcessEnvironment.current()
let docker = try DockerClient(environment: environment)
let since = String(time(nil) - 1)
let id = try await docker.createContainer(config: [
    "Image": .string(environment["DSH_TEST_IMAGE"] ?? "busybox"),
    "Cmd": ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.05; done"],
    "HostConfig": ["NetworkMode": "none"],
])
var logLines: [String] = []
var failure: (any Error)?
do {
    try await docker.startContainer(id)
    for try await line in try await docker.containerLogs(id, follow: true).lines(tty: false) {
        logLines.append(line.text)
        if logLines.count == 3 { break }          // closes the followed request
    }
} catch {
    failure = error
}
try await docker.removeContainer(id, force: true)
if let failure { throw failure }
print("docker log: \(logLines.joined(separator: ", "))")
var actions: [String] = []
let window = try await docker.typedEvents(since: since, until: String(time(nil) + 10),
                                          filters: ["container": [id], "type": ["container"]])
for try await event in window {
    actions.append(event.action)
    if event.action == "destroy" { break }        // the last one: done before the window ends
}
print("docker events: \(actions.joined(separator: " "))")
// end snippet

/// The host's own metric sample: its name clashes with `DshCore.Value`.
struct Value {
    var metric: String
    var amount: Double
}

/// Lines the callback received (it may be called from the evaluation's thread).
final class LineLog: @unchecked Sendable {
    private let lock = DispatchQueue(label: "lines")
    private var items: [String] = []
    var all: [String] { lock.sync { items } }
    func add(_ s: String) { lock.sync { items.append(s) } }
}
