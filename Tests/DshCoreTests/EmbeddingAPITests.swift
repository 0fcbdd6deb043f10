// EmbeddingAPITests.swift: the host-facing API of issue #16: capability sets and the
// module loader, compile once and run many, the async evaluate with a Sendable result,
// the output callback, and cancelling through a Sendable handle.
import Synchronization
import Testing
@testable import DshCore

/// Strings recorded from any thread.
private final class Recorder: Sendable {
    private let items = Mutex<[String]>([])
    var all: [String] { items.withLock { $0 } }
    func add(_ s: String) { items.withLock { $0.append(s) } }
}

/// The error `source` raises in `interp`, or nil.
private func failure(_ interp: Interpreter, _ source: String) -> DshError? {
    do {
        _ = try interp.evaluate(source)
        return nil
    } catch {
        return error as? DshError
    }
}

@Suite struct CapabilityTests {
    @Test func pureInterpretersReachNothingOutside() {
        let interp = Interpreter(output: .capture(), errorOutput: .capture(), capabilities: .pure)
        for name in ["read_file", "write_file", "glob", "exists", "env"] {
            #expect(interp.global(name) == nil, "\(name) is defined in a pure interpreter")
            #expect(failure(interp, "\(name)")?.kind == .resolve)
        }
        let e = failure(interp, "import \"/etc/passwd\"")
        #expect(e?.message == "import \"/etc/passwd\" is not allowed: this interpreter may not read modules from files")
        #expect(failure(interp, "import \"containers\"")?.kind == .resolve)
        // The language itself is all there.
        #expect((try? interp.evaluate("[1, 2, 3] | map(x => x * 2) | sum"))?.asInt == 12)
    }

    @Test func readOnlyFilesReadButDoNotWrite() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture(), capabilities: .readOnlyFiles)
        #expect(interp.global("read_file") != nil)
        #expect(interp.global("exists") != nil)
        #expect(interp.global("glob") != nil)
        #expect(interp.global("write_file") == nil)
        #expect(interp.global("env") == nil)
        #expect(try interp.evaluate("exists(\"/\")").asBool == true)
        #expect(failure(interp, "write_file(\"/tmp/x\", \"y\")")?.message.contains("write_file") == true)
    }

    @Test func everySystemBuiltinNeedsACapability() {
        // Every built-in the full set defines and the pure set lacks is tagged.
        let full = Interpreter(output: .capture(), errorOutput: .capture())
        let pure = Interpreter(output: .capture(), errorOutput: .capture(), capabilities: .pure)
        let missing = Set(full.globalNames).subtracting(pure.globalNames)
        #expect(missing == Set(Builtins.names.filter { Capabilities.builtinRequirements[$0] != nil }).union(["env"]))
        for name in ["read_file", "write_file", "glob", "exists"] {
            #expect(Capabilities.builtinRequirements[name] != nil)
        }
    }

    @Test func aModuleLoaderServesAndDeniesModules() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture(), capabilities: .pure)
        let asked = Recorder()
        interp.moduleLoader = { name in
            asked.add(name)
            switch name {
            case "rules": return .text("fn limit(x) { return min(x, 10) }\nlet answer = 42", name: "rules")
            case "bad": return .text("let = 1", name: "bad")
            default: return .denied("only 'rules' may be imported")
            }
        }
        #expect(try interp.evaluate("import \"rules\"\nrules.limit(50) + rules.answer").asInt == 52)
        let denied = failure(interp, "import \"secret\"")
        #expect(denied?.message == "import \"secret\" is not allowed: only 'rules' may be imported")
        let bad = failure(interp, "import \"bad\"")
        #expect(bad?.kind == .syntax)
        #expect(bad?.report.hasPrefix("bad:1:") == true, "\(bad?.report ?? "")")
        #expect(asked.all == ["rules", "secret", "bad"])
    }
}

@Suite struct EmbeddingAPITests {
    @Test func compileOnceRunMany() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.define("limit", .int(3))
        _ = try interp.evaluate("var hits = 0")
        let program = try interp.compile("hits += 1\nhits * limit", name: "rule")
        #expect(try program.run().asInt == 3)
        #expect(try program.run().asInt == 6)
        interp.define("limit", .int(10))
        #expect(try program.run().asInt == 30)
        // Limits apply to each run.
        let loop = try interp.compile("while true { }")
        interp.maxSteps = 1000
        #expect(throws: DshError.self) { try loop.run() }
        interp.maxSteps = nil
        #expect(try program.run().asInt == 40)
        // A compile error is reported at compile time.
        #expect(throws: DshError.self) { try interp.compile("let = ") }
    }

    @Test func asyncEvaluateReturnsSendableData() async throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let v = try await interp.evaluateAsync("{b: 1, a: [1.5, \"x\", nil], c: {z: true}}")
        guard case .map(let m) = v else {
            Issue.record("not a map: \(v)")
            return
        }
        #expect(Array(m.keys) == ["b", "a", "c"])  // map order kept
        #expect(m["a"] == .list([.float(1.5), .string("x"), .null]))
        #expect(m["c"] == .map(["z": .bool(true)]))
        await #expect(throws: DshError.self) { try await interp.evaluateAsync("nope()") }
        // The interpreter stays usable synchronously afterwards.
        #expect(try interp.evaluate("1 + 1").asInt == 2)
        // Back to a dsh value.
        #expect(Value(v).displayString == "{b: 1, a: [1.5, \"x\", nil], c: {z: true}}")
    }

    @Test func cancellingTheTaskCancelsTheEvaluation() async throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let started = AsyncStream<Void>.makeStream()
        interp.define("started") { _, _ in
            started.continuation.yield()
            return .null
        }
        let task = Task { try await interp.evaluateAsync("started()\nsleep(30)") }
        for await _ in started.stream { break }
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("the evaluation was not cancelled")
        } catch let e as DshError {
            #expect(e.kind == .interrupted)
            #expect(e.message == "the task was cancelled")
        }
    }

    @Test func aCycleBecomesOpaqueNotAnEndlessCopy() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let v = try interp.evaluate("let m = {a: 1}\nm.self = m\nm").sendable
        #expect(v == .map(["a": .int(1), "self": .opaque(type: "map", display: "{...}")]))
    }

    @Test func outputCallbackGetsEachWriteInOrder() throws {
        let lines = Recorder()
        let interp = Interpreter(output: .handler { text in lines.add(text) })
        _ = try interp.evaluate("print(\"one\")\nprint(\"two\", 2)")
        #expect(lines.all.joined() == "one\ntwo 2\n")
        #expect(lines.all.first == "one\n")
    }

    @Test func errorsCarryABacktrace() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let source = """
            fn inner(x) {
                return len(x)
            }
            fn outer(x) {
                let y = x
                return inner(y)
            }
            [1] | map(v => outer(v))
            """
        do {
            _ = try interp.evaluate(source, name: "bt.dsh")
            Issue.record("no error")
        } catch let e as DshError {
            #expect(e.backtrace.map(\.function) == ["inner", "outer", "<lambda>", "<script>"])
            #expect(e.backtrace.map { $0.span.map { "\($0.line):\($0.column)" } ?? "-" } == ["2:12", "6:12", "8:16", "8:7"])
            #expect(e.backtraceReport == """
                  at inner (bt.dsh:2:12)
                  at outer (bt.dsh:6:12)
                  at <lambda> (bt.dsh:8:16)
                  at <script> (bt.dsh:8:7)
                """)
        }
        // A deep recursion keeps the innermost and outermost frames only.
        do {
            _ = try interp.evaluate("fn down(n) { if n == 0 { return len(1) }\nreturn down(n - 1) }\ndown(500)")
            Issue.record("no error")
        } catch let e as DshError {
            #expect(e.backtrace.count == 64)
            #expect(e.elidedFrames == 501 + 1 - 64)
            #expect(e.backtrace.first?.function == "down")
            #expect(e.backtrace.last?.function == "<script>")
            #expect(e.backtraceReport.contains("  ... 438 more\n"))
        }
    }
}
