// ArgumentUnpackingTests.swift: typed unpacking of native function arguments.
import Testing
@testable import DshCore

@Suite struct ArgumentUnpackingTests {
    private func interpreter() -> Interpreter {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.define("greet") { args, _ in
            let (name, times, tags) = try args.unpack("greet", ("name", String.self), ("times?", Int?.self), ("tags?", [String]?.self))
            return .string(String(repeating: "hi \(name)" + (tags.map { " " + $0.joined(separator: ",") } ?? "") + ";", count: times ?? 1))
        }
        return interp
    }

    @Test func positionalNamedAndOptional() throws {
        let interp = interpreter()
        #expect(try interp.evaluate("greet(\"ann\")").displayString == "hi ann;")
        #expect(try interp.evaluate("greet(\"ann\", 2)").displayString == "hi ann;hi ann;")
        #expect(try interp.evaluate("greet(times: 2, name: \"bo\")").displayString == "hi bo;hi bo;")
        #expect(try interp.evaluate("greet(\"cy\", tags: [\"a\", \"b\"])").displayString == "hi cy a,b;")
    }

    @Test func badArgumentsAreNamed() {
        let interp = interpreter()
        let cases = [
            ("greet()", "greet() missing argument 'name'"),
            ("greet(1)", "greet(): argument 'name': expected String, found int 1"),
            ("greet(\"a\", 1, [], 4)", "greet() takes at most 3 arguments but 4 were given"),
            ("greet(\"a\", colour: 1)", "greet() has no parameter named 'colour'"),
            ("greet(\"a\", name: \"b\")", "greet() got two values for 'name'"),
            ("greet(\"a\", tags: [1])", "greet(): argument 'tags': at 0: expected String, found int 1"),
        ]
        for (source, message) in cases {
            do {
                _ = try interp.evaluate(source)
                Issue.record("\(source) did not fail")
            } catch let e as DshError {
                #expect(e.message == message, "\(source)")
            } catch {
                Issue.record("\(source): \(error)")
            }
        }
    }
}
