// EvaluatorTests.swift: the essentials of running code: arithmetic, closures, control
// flow, errors with spans, defer, try/catch, streams, modules.
import Testing
@testable import DshCore

/// Runs `src`; returns what it printed.
private func run(_ src: String) throws -> String {
    let out = TextSink.capture()
    let interp = Interpreter(output: out, errorOutput: .capture())
    _ = try interp.evaluate(src)
    return out.text
}

/// Evaluates `src` and returns its value.
private func value(_ src: String) throws -> Value {
    try Interpreter(output: .capture(), errorOutput: .capture()).evaluate(src)
}

private func failure(_ src: String) -> DshError? {
    do { _ = try value(src); return nil } catch { return error as? DshError }
}

@Suite struct EvaluatorTests {
    @Test func arithmetic() throws {
        #expect(try value("1 + 2 * 3").asInt == 7)
        #expect(try value("7 / 2").asInt == 3)
        #expect(try value("-7 / 2").asInt == -3)
        #expect(try value("-7 // 2").asInt == -4)
        #expect(try value("7.0 / 2").asDouble == 3.5)
        #expect(try value("-7 % 3").asInt == -1)
        #expect(try value("1 + 2.5").asDouble == 3.5)
        #expect(try value("\"ab\" * 3").asString == "ababab")
        #expect(try value("[1] + [2]").asList?.count == 2)
        #expect(try value("({a: 1} + {a: 2, b: 3}).a").asInt == 2)
        #expect(failure("9223372036854775807 + 1")?.message == "integer overflow")
        #expect(failure("let z = 0\n1 / z")?.message == "division by zero")
        #expect(failure("1 + \"a\"")?.message == "cannot add int and string")
    }

    @Test func comparisonsAndMembership() throws {
        #expect(try value("1 < 2 && \"a\" < \"b\" && [1] < [1, 0]").asBool == true)
        #expect(try value("2 in [1, 2] && \"a\" in {a: 1} && \"ell\" in \"hello\" && 3 not in [1]").asBool == true)
        #expect(try value("\"nginx:1.25\" =~ \"^nginx:\"").asBool == true)
        #expect(try value("nil ?? 0 ?? 5").asInt == 0)
        #expect(failure("1 < \"2\"")?.message == "cannot compare int with string")
    }

    @Test func stringsIndexesAndSlices() throws {
        #expect(try value("\"héllo\"[1]").asString == "é")
        #expect(try value("\"hello\"[-1]").asString == "o")
        #expect(try value("\"4f1c2a9be3d07788aa\"[0:12]").asString == "4f1c2a9be3d0")
        #expect(try value("[1, 2, 3, 4][1:-1]").asList?.map { $0.asInt } == [2, 3])
        #expect(try value("let n = 3\n\"n=${n + 1} ${[1, \"a\"]}\"").asString == "n=4 [1, \"a\"]")
        #expect(failure("[1][5]")?.message == "index 5 out of range for list of length 1")
    }

    @Test func closuresCaptureVariablesAndLoopsBindFreshOnes() throws {
        #expect(try run("""
            fn counter() { var n = 0; return () => { n += 1; return n } }
            let c = counter()
            c(); c()
            print(c())
            var fs = []
            for i in [1, 2, 3] { fs = fs + [() => i] }
            print(fs | map(f => f()))
            var gs = []
            for i in 0..<3 { gs = gs + [() => i * 10] }
            print(gs | map(g => g()))
            """) == "3\n[1, 2, 3]\n[0, 10, 20]\n")
    }

    @Test func functionsDefaultsAndNamedArguments() throws {
        #expect(try run("""
            fn f(a, b = a * 2, c = 3) { return [a, b, c] }
            print(f(1))
            print(f(1, c: 9))
            print(5 | f(c: 0))
            """) == "[1, 2, 3]\n[1, 2, 9]\n[5, 10, 0]\n")
        #expect(failure("fn f(a) { return a }\nf()")?.message == "f() missing argument 'a'")
        #expect(failure("fn f(a) { return a }\nf(1, 2)")?.message == "f() takes 1 argument but 2 were given")
        #expect(failure("fn f(a) { return a }\nf(b: 1)")?.message == "f() has no parameter named 'b'")
    }

    @Test func controlFlow() throws {
        #expect(try run("""
            var out = []
            for i in 1..10 {
                if i % 2 == 0 { continue }
                if i > 7 { break }
                out = out + [i]
            }
            print(out)
            for k, v in {a: 1, b: 2} { print("${k}=${v}") }
            for a, b in [[1, 2], [3, 4]] { print(a * b) }
            var n = 0
            while true { n += 1; if n == 3 { break } }
            print(n)
            """) == "[1, 3, 5, 7]\na=1\nb=2\n2\n12\n3\n")
    }

    @Test func errorsCarryTheSpanOfThePlace() {
        let e = failure("let c = nil\nprint(c.Id)")
        #expect(e?.message == "cannot read member 'Id' of nil")
        #expect(e?.span?.line == 2 && e?.span?.column == 8)
        let n = failure("fn a(x) { return x / 0 }\nprint(a(1))")
        #expect(n?.span?.line == 1 && n?.span?.column == 18)
        let b = failure("let x = int(\"abc\")")
        #expect(b?.span?.column == 9)
        #expect(failure("for x in 42 { }")?.message == "cannot iterate over int")
    }

    @Test func optionalMembers() throws {
        #expect(try value("let c = nil\nc?.Id").asString == nil)
        #expect(try value("nil?.a.b ?? \"none\"").asString == "none")
        #expect(try value("{a: {b: 2}}?.a.b").asInt == 2)
    }

    @Test func tryCatchThrowAndDefer() throws {
        #expect(try run("""
            try { throw "boom" } catch e { print(e, type(e)) }
            try { [1][3] } catch e { print(e.message) }
            try { throw error("x", status: 404) } catch e { print(e.status) }
            fn f() {
                defer { print("first") }
                defer { print("second") }
                for i in 1..2 { defer { print("loop ${i}") } }
                return "body"
            }
            print(f())
            fn g() { defer { print("cleanup") }; throw "fail" }
            try { g() } catch e { print("caught ${e}") }
            """) == "boom string\nindex 3 out of range for list of length 1\n404\nloop 2\nloop 1\nsecond\nfirst\nbody\ncleanup\ncaught fail\n")
    }

    @Test func streamsAreClosedWhenALoopStopsEarly() throws {
        final class Probe: StreamValue {
            var closed = false
            var n = 0
            override func next(_ runtime: any Runtime) throws -> Value? { n += 1; return .int(n) }
            override func close() { closed = true }
        }
        let probe = Probe(label: "probe")
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.define("probe", .stream(probe))
        let v = try interp.evaluate("var total = 0\nfor x in probe { if x > 3 { break }; total += x }\ntotal")
        #expect(v.asInt == 6)
        #expect(probe.closed)
    }

    @Test func rangesAreLazy() throws {
        #expect(try value("type(0..1_000_000_000_000)").asString == "stream")
        #expect(try value("collect(1..5)").asList?.count == 5)
        #expect(try value("var t = 0\nfor i in 0..<100_000 { t += i }\nt").asInt == 4_999_950_000)
    }

    @Test func lastExpressionIsTheValue() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        #expect(try interp.evaluate("let x = 40\nx + 2").asInt == 42)
        #expect(try interp.evaluate("let y = 1").asInt == nil)
        // Globals persist between evaluations (a REPL session).
        #expect(try interp.evaluate("x + y").asInt == 41)
        _ = try interp.evaluate("let x = \"again\"")
        #expect(try interp.evaluate("x").asString == "again")
    }
}
