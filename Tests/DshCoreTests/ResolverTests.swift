// ResolverTests.swift: names are bound before running; mistakes are reported first.
import Testing
@testable import DshCore

/// Evaluates `src` in a fresh interpreter; returns the error it raised.
private func error(_ src: String) -> DshError? {
    let interp = Interpreter(output: .capture(), errorOutput: .capture())
    do { _ = try interp.evaluate(src); return nil } catch { return error as? DshError }
}

@Suite struct ResolverTests {
    @Test func undefinedNameIsFoundBeforeRunning() {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        #expect(throws: DshError.self) { try interp.evaluate("print(\"ran\")\nprint(nope)") }
        #expect(out.text == "")
        let e = error("let total = 1\nprint(totl + 1)")
        #expect(e?.kind == .resolve)
        #expect(e?.message == "undefined name 'totl'")
        #expect(e?.hint == "did you mean 'total'?")
        #expect(e?.span?.line == 2 && e?.span?.column == 7)
    }

    @Test func hintsComeFromLocalsParametersAndBuiltins() {
        #expect(error("fn f(count2) { return count3 }")?.hint == "did you mean 'count2'?")
        #expect(error("print(lenn([1]))")?.hint == "did you mean 'len'?")
        #expect(error("print(qwertyuiop)")?.hint == nil)
    }

    @Test func assignmentToConstants() {
        #expect(error("let x = 1\nx = 2")?.message == "cannot assign to 'x': it is a constant (declared with let)")
        #expect(error("fn f() {}\nf = 2")?.message == "cannot assign to 'f': it is a constant (declared with fn)")
        #expect(error("len = 2")?.message == "cannot assign to 'len': it is a built-in")
        #expect(error("for i in [1] { i = 2 }")?.message == "cannot assign to 'i': it is a constant (declared with let)")
        #expect(error("let l = 1\nfn g() { l = 3 }")?.span?.line == 2)
        #expect(error("var v = 1\nv = 2\nfn h(p) { p = 1 }") == nil)
    }

    @Test func scopes() {
        #expect(error("if true { let inside = 1 }\nprint(inside)")?.message == "undefined name 'inside'")
        #expect(error("fn f() { print(later)\nlet later = 1 }")?.message == "undefined name 'later'")
        #expect(error("try { } catch e { }\nprint(e)")?.message == "undefined name 'e'")
        #expect(error("fn a() { return b() }\nfn b() { return 1 }") == nil)
        #expect(error("print(x)\nlet x = 1")?.hint == "'x' is declared on line 2, after this use")
    }

    @Test func misplacedControlFlow() {
        #expect(error("break")?.message == "'break' outside a loop")
        #expect(error("fn f() { continue }")?.message == "'continue' outside a loop")
        #expect(error("return 1")?.message == "'return' outside a function")
        #expect(error("while true { fn f() { break } }")?.message == "'break' outside a loop")
    }

    @Test func editDistance() {
        #expect(Resolver.editDistance("kitten", "sitting", limit: 5) == 3)
        #expect(Resolver.editDistance("", "abc", limit: 5) == 3)
        #expect(Resolver.editDistance("same", "same", limit: 1) == 0)
    }

    @Test func aFailedEntryLeavesGlobalsAsTheyWere() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        _ = try interp.evaluate("let a = 1")
        #expect(throws: DshError.self) { try interp.evaluate("let b = 2\nprint(undefined_thing)") }
        #expect(!interp.globalNames.contains("b"))
        #expect(interp.global("a")?.asInt == 1)
    }
}
