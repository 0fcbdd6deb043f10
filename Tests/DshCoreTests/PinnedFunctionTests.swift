// PinnedFunctionTests.swift: a top-level function is kept by its interpreter, so that a
// call of it need not retain it: declaring it again while it runs leaves the running
// one valid, and the replaced ones are let go once nothing runs.
import Testing
@testable import DshCore

@Suite struct PinnedFunctionTests {
    @Test func declaringAFunctionAgainWhileItRunsKeepsTheRunningOne() throws {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        interp.define("declare_again", .function(NativeFunction("declare_again") { [unowned interp] _, _ in
            _ = try interp.evaluate("fn g() { return \"new\" }")
            return .null
        }))
        _ = try interp.evaluate("""
            fn g() {
                declare_again()
                let filler = [1, 2, 3]
                return "old ${len(filler)}"
            }
            print(g())
            print(g())
            """)
        #expect(out.text == "old 3\nnew\n")
    }

    @Test func replacedFunctionsAreLetGoOnceNothingRuns() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        for i in 0..<200 {
            _ = try interp.evaluate("fn f() { return \(i) }\nf()")
        }
        #expect(try interp.evaluate("f()").asInt == 199)
        #expect(interp.pinnedCount > 0)
        #expect(interp.pinnedCount <= 40)
    }
}
