// StringFastPathTests.swift: the concatenation node's `str(x)` path against a call of
// the same built-in under another name: same steps counted (the step budget trips at
// the same place), and a host's own `str` is what a chain calls.
import Testing
@testable import DshCore

@Suite struct StringFastPathTests {
    /// Runs `source` with a step budget of `steps`; the error message, or what it printed.
    private func outcome(_ source: String, steps: Int) -> String {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        interp.maxSteps = steps
        do {
            _ = try interp.evaluate(source)
            return out.text
        } catch let e as DshError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    /// `"a" + str(x)` counts the call's step as `"a" + f(x)` with `f` the built-in does.
    @Test func strInAChainCountsStepsAsTheCall() {
        let pairs: [(String, String)] = [
            ("var s = \"\"\nfor i in range(4) { s += \"i\" + str(i) + \",\" }\nprint(s)",
             "let f = str\nvar s = \"\"\nfor i in range(4) { s += \"i\" + f(i) + \",\" }\nprint(s)"),
            ("print(\"<\" + str(str(1)) + str([2]) + \">\")", "let f = str\nprint(\"<\" + f(f(1)) + f([2]) + \">\")"),
        ]
        for (fast, generic) in pairs {
            for budget in 1...16 {
                #expect(outcome(fast, steps: budget) == outcome(generic, steps: budget), "\(fast) with \(budget) steps")
            }
        }
        #expect(outcome(pairs[0].0, steps: 1000) == "i0,i1,i2,i3,\n")
        #expect(outcome("for i in range(100_000_000) { let s = \"a\" + str(i) }", steps: 10_000)
                == "step budget of 10000 exceeded")
    }

    /// A host's own `str` (a native without the built-in's one-argument form) is called.
    @Test func hostDefinedStrIsCalled() throws {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        interp.define("str") { args, _ in .string("host:\(args[0]?.displayString ?? "")") }
        _ = try interp.evaluate("print(\"a\" + str(3) + \"b\")")
        #expect(out.text == "ahost:3b\n")
    }
}
