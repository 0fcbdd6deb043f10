// EmbeddingTests.swift: what a Swift host does with an interpreter: natives, host
// objects, values in and out, and limits (steps, time, cancel, recursion, nesting).
import Dispatch
import Testing
@testable import DshCore
#if canImport(Glibc)
import Glibc
#endif

/// A host object with a field (`count`) and a method (`add(n)`).
final class CounterObject: HostObject {
    var count = 0
    var typeName: String { "Counter" }
    var memberNames: [String] { ["count", "add"] }
    func member(_ name: String, _ runtime: any Runtime) throws -> Value? {
        switch name {
        case "count": return .int(count)
        case "add":
            return .function(NativeFunction("add") { [unowned self] args, _ in
                guard let n = args[0]?.asInt else { throw DshError.runtime("add: expected an int") }
                self.count += n
                return .int(self.count)
            })
        default: return nil
        }
    }
    func setMember(_ name: String, _ value: Value, _ runtime: any Runtime) throws {
        guard name == "count", let n = value.asInt else { throw DshError.runtime("cannot set \(name)") }
        count = n
    }
}

private final class BigStackBox: @unchecked Sendable {
    var body: (() -> Void)?
    init() {}
}

/// Runs `body` on a thread with a big stack (as the dsh executable does).
private func onBigStack<T>(_ body: @escaping () -> T) -> T {
    nonisolated(unsafe) var result: T?
    let box = BigStackBox()
    box.body = { result = body() }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, 512 << 20)
    var thread = pthread_t()
    let ctx = Unmanaged.passRetained(box).toOpaque()
    pthread_create(&thread, &attr, { raw in
        Unmanaged<BigStackBox>.fromOpaque(raw!).takeRetainedValue().body?()
        return nil
    }, ctx)
    pthread_join(thread, nil)
    pthread_attr_destroy(&attr)
    return result!
}

@Suite struct EmbeddingTests {
    @Test func nativeFunctionsAndValuesBothWays() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.define("twice", doc: "twice(x): x doubled") { args, _ in
            guard let x = args[0]?.asInt else { throw DshError.runtime("twice: expected an int") }
            return .int(x * 2)
        }
        interp.define("config", ["name": "web", "ports": [80, 443], "debug": false, "ratio": 0.5])
        let v = try interp.evaluate("{n: twice(21), name: config.name, p: config.ports[1], tags: [\"a\", nil]}")
        #expect(v.asMap?["n"]?.asInt == 42)
        #expect(v.asMap?["name"]?.asString == "web")
        #expect(v.asMap?["p"]?.asInt == 443)
        let swift = v.toSwift() as? [String: Any?]
        #expect(swift?["n"] as? Int == 42)
        #expect((swift?["tags"] as? [Any?])?.count == 2)
        #expect(interp.doc(for: "twice") == "twice(x): x doubled")
        #expect(interp.globalNames.contains("twice"))
        #expect(Value(swift: ["a": [1, "x"]] as [String: Any])?.sourceString == "{a: [1, \"x\"]}")
        let e = #expect(throws: DshError.self) { try interp.evaluate("twice(\"x\")") }
        #expect(e?.message == "twice: expected an int")
        #expect(e?.span?.column == 1)
    }

    @Test func hostObjectsHaveFieldsAndMethods() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let counter = CounterObject()
        interp.define("counter", .object(counter))
        let v = try interp.evaluate("counter.add(2)\ncounter.add(3)\ncounter.count = counter.count * 10\ncounter.count")
        #expect(v.asInt == 50)
        #expect(counter.count == 50)
        #expect(try interp.evaluate("type(counter)").asString == "object")
        let e = #expect(throws: DshError.self) { try interp.evaluate("counter.nothing") }
        #expect(e?.message == "Counter has no member 'nothing'")
    }

    @Test func hostsCallScriptFunctions() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        _ = try interp.evaluate("fn greet(name, greeting = \"hello\") { return \"${greeting}, ${name}\" }")
        let f = try #require(interp.global("greet"))
        #expect(try interp.call(f, Arguments(["ann"])).asString == "hello, ann")
        #expect(try interp.call(f, Arguments(["bob"], named: [("greeting", "hi")])).asString == "hi, bob")
    }

    @Test func aClosureThatOutlivesItsInterpreterThrows() throws {
        var interp: Interpreter? = Interpreter(output: .capture(), errorOutput: .capture())
        // A function with a nested lambda, and a module-free closure: neither may keep
        // the interpreter alive (closures hold it through an `InterpreterLink`).
        _ = try interp!.evaluate("fn outer() { return x => x + 1 }")
        let f = try interp!.evaluate("outer()")
        weak let gone = interp
        interp = nil
        #expect(gone == nil)
        let other = Interpreter(output: .capture(), errorOutput: .capture())
        let e = #expect(throws: DshError.self) { try other.call(f, Arguments([1])) }
        #expect(e?.message == "<lambda>: its interpreter is gone")
    }

    @Test func closuresOfAnotherInterpreterRunOnTheirOwn() throws {
        let a = Interpreter(output: .capture(), errorOutput: .capture())
        let b = Interpreter(output: .capture(), errorOutput: .capture())
        _ = try a.evaluate("var n = 10\nfn addN(x) { return x + n }")
        b.define("addN", try #require(a.global("addN")))
        _ = try b.evaluate("var n = 1000")
        #expect(try b.evaluate("[1, 2] | map(addN) | collect").displayString == "[11, 12]")
        #expect(try b.evaluate("addN(5)").asInt == 15)
    }

    @Test func stepBudgetStopsAnEndlessLoop() {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.maxSteps = 10_000
        let e = #expect(throws: DshError.self) { try interp.evaluate("while true { }") }
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "step budget of 10000 exceeded")
        // The budget is per evaluation.
        #expect(throws: Never.self) { try interp.evaluate("var i = 0\nwhile i < 100 { i += 1 }") }
    }

    @Test func timeLimitStopsAnEndlessLoopAndASleep() {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.timeLimit = .milliseconds(200)
        let start = monotonicNanos()
        let e = #expect(throws: DshError.self) { try interp.evaluate("while true { }") }
        #expect(e?.kind == .interrupted)
        #expect(e?.message.hasPrefix("time limit of") == true)
        #expect(monotonicNanos() - start < 5_000_000_000)
        let start2 = monotonicNanos()
        #expect(throws: DshError.self) { try interp.evaluate("sleep(30)") }
        #expect(monotonicNanos() - start2 < 5_000_000_000)
    }

    @Test func cancelFromAnotherThread() {
        final class Handle: @unchecked Sendable { let interp: Interpreter; init(_ i: Interpreter) { interp = i } }
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let handle = Handle(interp)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(200)) {
            handle.interp.cancel(reason: "stopped by the host")
        }
        let e = #expect(throws: DshError.self) { try interp.evaluate("var n = 0\nwhile true { n += 1 }") }
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "stopped by the host")
        // The next evaluation starts afresh.
        #expect(throws: Never.self) { try interp.evaluate("1 + 1") }
    }

    @Test func deepRecursionIsAClearError() throws {
        let message: String? = onBigStack {
            let interp = Interpreter(output: .capture(), errorOutput: .capture())
            do {
                _ = try interp.evaluate("fn down(n) { if n == 0 { return 0 }; return 1 + down(n - 1) }\ndown(100_000)")
                return nil
            } catch {
                return (error as? DshError)?.message
            }
        }
        #expect(message == "stack overflow: too many nested calls")
        // On a thread with an ordinary stack, the native stack check stops it first.
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let e = #expect(throws: DshError.self) { try interp.evaluate("fn f(n) { return f(n + 1) }\nf(0)") }
        #expect(e?.message == "stack overflow: too many nested calls")
        #expect(try interp.evaluate("fn g(n) { if n == 0 { return 0 }; return 1 + g(n - 1) }\ng(1000)").asInt == 1000)
    }

    @Test func tenThousandNestedBracketsAreASyntaxError() {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let e = #expect(throws: DshError.self) { try interp.evaluate("let x = " + String(repeating: "[", count: 10_000)) }
        #expect(e?.kind == .syntax)
        #expect(e?.message.hasPrefix("nesting too deep") == true)
    }

    @Test func runScriptReportsErrorsAndExitStatus() {
        let out = TextSink.capture(), err = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: err)
        let status = interp.runScript(SourceFile(name: "s.dsh", text: "print(\"a\")\nlet c = nil\nprint(c.Id)\n"))
        #expect(status == 1)
        #expect(out.text == "a\n")
        #expect(err.text == "s.dsh:3:8: error: cannot read member 'Id' of nil\nprint(c.Id)\n       ^~~\n")
        let interp2 = Interpreter(output: out, errorOutput: err)
        #expect(interp2.runScript(SourceFile(name: "e.dsh", text: "defer { print(\"bye\") }\nexit(3)")) == 3)
        #expect(out.text.hasSuffix("bye\n"))
    }

    @Test func incompleteInputForTheREPL() {
        #expect(Interpreter.isIncomplete("fn f() {"))
        #expect(Interpreter.isIncomplete("let s = \"\"\"\nabc"))
        #expect(Interpreter.isIncomplete("[1, 2,"))
        #expect(!Interpreter.isIncomplete("1 + 2"))
        #expect(!Interpreter.isIncomplete("1 +* 2"))
    }

    @Test func argsAndEnv() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.arguments = ["a", "b"]
        #expect(try interp.evaluate("len(args)").asInt == 2)
        #expect(try interp.evaluate("type(env)").asString == "map")
    }
}
