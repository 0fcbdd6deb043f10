// MemberLoopFastPathTests.swift: the evaluator's fast paths for member updates, method
// calls and `for i in range(...)` against their generic paths: same steps counted
// (the step budget trips at the same place), host objects and a host's own `range`.
import Testing
@testable import DshCore

@Suite struct MemberLoopFastPathTests {
    /// Runs `source` with a step budget of `steps`; the error message, or "ok".
    private func outcome(_ source: String, steps: Int) -> String {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.maxSteps = steps
        do {
            _ = try interp.evaluate(source)
            return "ok"
        } catch let e as DshError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    /// Each pair: a form that takes a fast path and one that takes the generic path,
    /// doing the same calls and iterations. Under every small budget both stop (or
    /// finish) alike.
    @Test func fastPathsCountStepsAsTheGenericPaths() {
        let pairs: [(String, String)] = [
            ("for i in range(5) {}", "let r = range\nfor i in r(5) {}"),
            ("for i in range(1, 9, 3) { }", "let r = range\nfor i in r(1, 9, 3) { }"),
            ("for i in range(6, 0, -2) { if i == 2 { break } }", "let r = range\nfor i in r(6, 0, -2) { if i == 2 { break } }"),
            ("let o = {f: x => x}\no.f(1)\no.f(2)", "let o = {f: x => x}\nlet f = o.f\nf(1)\nf(2)"),
            ("let o = {n: 0}\nfor i in range(4) { o.n += i }", "let o = {n: 0}\nlet r = range\nfor i in r(4) { o.n = o.n + i }"),
            ("let o = {f: (a, b) => a}\nlet k = 1\no.f(k, 2)\no.f(k, 2)", "let o = {f: (a, b) => a}\nlet k = 1\nlet f = o.f\nf(k, 2)\nf(k, 2)"),
            ("fn mk() {\nlet o = {n: 0, f: x => x}\nreturn () => {\no.n += 1\no.f(o.n)\n}\n}\nlet c = mk()\nfor i in range(3) { c() }",
             "fn mk() {\nlet o = {n: 0, f: x => x}\nreturn () => {\no.n = o.n + 1\nlet f = o.f\nf(o.n)\n}\n}\nlet c = mk()\nlet r = range\nfor i in r(3) { c() }"),
        ]
        for (fast, generic) in pairs {
            for budget in 1...12 {
                #expect(outcome(fast, steps: budget) == outcome(generic, steps: budget), "\(fast) with \(budget) steps")
            }
        }
        #expect(outcome("for i in range(5) {}", steps: 3) == "step budget of 3 exceeded")
    }

    /// A step limit stops a long counted loop and a long loop of method calls.
    @Test func stepLimitInsideTheFastLoops() {
        #expect(outcome("for i in range(100_000_000) {}", steps: 10_000) == "step budget of 10000 exceeded")
        #expect(outcome("let o = {n: 0, f: () => nil}\nfor i in range(100_000_000) { o.n += 1\no.f() }", steps: 10_000)
                == "step budget of 10000 exceeded")
    }

    /// A host's own `range` (defined over the built-in) is what `for` calls.
    @Test func hostDefinedRangeIsCalled() throws {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        interp.define("range") { args, _ in .list([.string("host"), args[0] ?? .null]) }
        _ = try interp.evaluate("for x in range(3) { print(x) }")
        #expect(out.text == "host\n3\n")
    }

    /// Member updates and method calls on a host object take the generic path.
    @Test func hostObjectMembersAndMethods() throws {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        let counter = CounterObject()
        interp.define("counter", .object(counter))
        _ = try interp.evaluate("counter.count += 5\ncounter.add(2)\nprint(counter.count)")
        #expect(out.text == "7\n")
        #expect(counter.count == 7)
        #expect(throws: DshError.self) { try interp.evaluate("counter.other += 1") }
    }
}
