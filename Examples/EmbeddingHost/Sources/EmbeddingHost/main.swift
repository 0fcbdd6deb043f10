// main.swift: a host that embeds dsh in Swift 6 mode: output ordering, async evaluate,
// cancelling from another thread, a sandbox, compile once, backtraces, stops that
// clean up. Each section prints what it shows; the test suite checks the output.
import Dispatch
import DshCore

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

/// Lines the callback received (it may be called from the evaluation's thread).
final class LineLog: @unchecked Sendable {
    private let lock = DispatchQueue(label: "lines")
    private var items: [String] = []
    var all: [String] { lock.sync { items } }
    func add(_ s: String) { lock.sync { items.append(s) } }
}
