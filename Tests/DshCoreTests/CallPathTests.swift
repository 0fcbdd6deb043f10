// CallPathTests.swift: the direct call paths (a closure called from a built-in's
// callback, a callee read in place) keep every check of the general one: an error's
// span and backtrace, the step budget, cancellation, the call depth.
import Testing
@testable import DshCore

@Suite struct CallPathTests {
    /// `e`'s backtrace as `name line:col` per frame, innermost first.
    private func frames(_ e: DshError) -> [String] {
        e.backtrace.map { f in f.function + (f.span.map { " \($0.line):\($0.column)" } ?? "") }
    }

    @Test func anErrorInABuiltinsCallbackKeepsItsSpanAndBacktrace() throws {
        // Each built-in calls the lambda on line 4, which calls `boom` (line 2); the
        // script's frame points at the call that ran the lambda (for a lazy `map`, the
        // `collect` that pulled the item).
        let uses = [
            ("[1, 2] | map(x => boom(x)) | collect", 27, 18),
            ("range(2) | map(x => boom(x)) | collect", 29, 40),
            ("[1, 2] | filter(x => boom(x)) | collect", 30, 18),
            ("each([1, 2], x => boom(x))", 27, 9),
            ("sort([2, 1], key: x => boom(x))", 32, 9),
        ]
        for (use, lambdaColumn, scriptColumn) in uses {
            let interp = Interpreter(output: .capture(), errorOutput: .capture())
            let source = "fn boom(x) {\n    return x / 0\n}\nlet r = \(use)\n"
            do {
                _ = try interp.evaluate(source, name: "cb.dsh")
                Issue.record("no error for \(use)")
            } catch let e as DshError {
                #expect(e.message == "division by zero", "\(use)")
                #expect(e.span?.line == 2 && e.span?.column == 12, "\(use)")
                #expect(frames(e) == ["boom 2:12", "<lambda> 4:\(lambdaColumn)", "<script> 4:\(scriptColumn)"], "\(use)")
            }
        }
    }

    @Test func theStepBudgetStopsAMapCallback() throws {
        for source in ["range(1_000_000) | map(x => x + 1) | collect",
                       "let xs = range(20_000) | collect\nmap(xs, x => x)",
                       "range(1_000_000) | each(x => x)"] {
            let interp = Interpreter(output: .capture(), errorOutput: .capture())
            interp.maxSteps = 50_000
            let e = #expect(throws: DshError.self) { try interp.evaluate(source) }
            #expect(e?.kind == .interrupted, "\(source)")
            #expect(e?.message == "step budget of 50000 exceeded", "\(source)")
        }
    }

    @Test func aCancelInsideAMapCallbackStopsTheMap() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let calls = Counter()
        interp.define("stop", .function(NativeFunction("stop") { [unowned interp] _, _ in
            interp.cancel(reason: "stopped in a callback")
            return .null
        }))
        interp.define("count", .function(NativeFunction("count") { _, _ in
            calls.value += 1
            return .null
        }))
        let e = #expect(throws: DshError.self) {
            try interp.evaluate("range(1_000_000) | map(x => { count()\nif x == 10 { stop() }\nreturn x }) | collect")
        }
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "stopped in a callback")
        // Stopped within the next check (a step counts each call and each item).
        #expect(calls.value < 10 + 1024)
        // The next evaluation starts afresh.
        #expect(try interp.evaluate("[1, 2] | map(x => x * 3) | collect").displayString == "[3, 6]")
    }

    @Test func theCallDepthLimitHoldsThroughCallbacksAndLocals() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.maxCallDepth = 200
        for source in ["fn f(n) { return [n] | map(x => f(x + 1)) | collect }\nf(0)",
                       "fn g(n) { let h = g\nreturn h(n + 1) }\ng(0)",
                       "fn k(n) { return sort([n, n], key: x => k(x + 1)) }\nk(0)"] {
            let e = #expect(throws: DshError.self) { try interp.evaluate(source) }
            #expect(e?.message == "stack overflow: too many nested calls", "\(source)")
        }
        #expect(try interp.evaluate("fn d(n) { if n == 0 { return 0 }\nreturn d(n - 1) + 1 }\nd(150)").asInt == 150)
    }
}

/// A count shared with a native function.
private final class Counter: @unchecked Sendable {
    var value = 0
}
