// EmbeddingGuideTests.swift: the Swift snippets of docs/embedding.md, compiled and run
// here (or in the example host, Examples/EmbeddingHost, which EmbeddingHostExampleTests
// builds and runs); `guideSnippetsAreTheseTests` checks the guide shows them word for word.
import Dispatch
import Synchronization
import Testing
@testable import DshCore

/// The text between `// snippet: NAME` and `// end snippet` in this file, by name.
private func snippets(in text: String) -> [String: String] {
    var out: [String: String] = [:]
    var name: String?
    var lines: [Substring] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.drop { $0 == " " }
        if trimmed.hasPrefix("// snippet: ") {
            name = String(trimmed.dropFirst("// snippet: ".count))
            lines = []
        } else if trimmed == "// end snippet", let n = name {
            let indent = lines.filter { !$0.isEmpty }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
            out[n] = lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")
            name = nil
        } else if name != nil {
            lines.append(line)
        }
    }
    return out
}

/// Lines recorded from any thread.
private final class Lines: Sendable {
    private let items = Mutex<[String]>([])
    var all: [String] { items.withLock { $0 } }
    func add(_ s: String) { items.withLock { $0.append(s) } }
}

/// Reads a file of the package (relative to its root).
private func packageFile(_ relative: String) -> String? {
    var dir = String(#filePath)
    for _ in 0..<3 { dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)]) }
    guard let bytes = try? FileSystem.readSource(dir + "/" + relative) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

@Suite struct EmbeddingGuideTests {
    @Test func guideSnippetsAreTheseTests() throws {
        let tests = try #require(packageFile("Tests/DshCoreTests/EmbeddingGuideTests.swift"))
        let guide = try #require(packageFile("docs/embedding.md"))
        let example = try #require(packageFile("Examples/EmbeddingHost/Sources/EmbeddingHost/main.swift"))
        let found = snippets(in: tests), fromExample = snippets(in: example)
        #expect(found.count >= 5)
        #expect(fromExample.count >= 2)
        for (name, code) in found.merging(fromExample, uniquingKeysWith: { a, _ in a }).sorted(by: { $0.key < $1.key }) {
            #expect(guide.contains("```swift\n" + code + "\n```"), "docs/embedding.md does not show snippet '\(name)' as compiled here")
        }
    }

    @Test func cancelFromAnotherTask() async throws {
        // snippet: cancel
        let interp = Interpreter()
        let handle = interp.cancelHandle          // Sendable: give it to any thread or task
        let watchdog = Task {
            try await Task.sleep(for: .milliseconds(200))
            handle.cancel(reason: "watchdog")
        }
        var stop = "finished"
        do {
            _ = try await interp.evaluateAsync("while true { sleep(0.01) }")
        } catch let e as DshError where e.kind == .interrupted {
            stop = e.message
        }
        watchdog.cancel()
        print(stop)                               // watchdog
        // end snippet
        #expect(stop == "watchdog")
    }

    @Test func asyncEvaluate() async throws {
        // snippet: async
        let interp = Interpreter()
        let result: SendableValue = try await interp.evaluateAsync("{name: \"web\", ports: [80, 443]}")
        if case .map(let m) = result {
            print(Array(m.keys))                  // ["name", "ports"]: the script's order
        }
        // end snippet
        #expect(result == .map(["name": .string("web"), "ports": .list([.int(80), .int(443)])]))
    }

    @Test func evaluationThreadRun() throws {
        // snippet: thread
        let interp = Interpreter()
        let n: Int = try EvaluationThread.run {   // a 512 MB stack; returns or throws
            try interp.evaluate("fn fib(n) { if n < 2 { return n }\nreturn fib(n - 1) + fib(n - 2) }\nfib(20)").asInt ?? 0
        }
        print(n)                                  // 6765
        // end snippet
        #expect(n == 6765)
    }

    @Test func outputCallback() throws {
        let log = Lines()
        // snippet: output
        let interp = Interpreter(output: .handler { text in
            log.add("script: " + text)            // each print, newline included
        })
        _ = try interp.evaluate("print(\"hello\")")
        // end snippet
        #expect(log.all == ["script: hello\n"])
    }

    @Test func capabilitiesAndModules() throws {
        // snippet: sandbox
        let interp = Interpreter(capabilities: .pure)   // no files, no env, no imports from disk
        interp.moduleLoader = { name in
            name == "rules" ? .text("fn allow(x) { return x < 10 }", name: "rules")
                            : .denied("only 'rules' may be imported")
        }
        let ok = try interp.evaluate("import \"rules\"\nrules.allow(3)")
        print(ok.displayString)                   // true
        do {
            _ = try interp.evaluate("write_file(\"/tmp/x\", \"data\")")
        } catch let e as DshError {
            print(e.message)                      // undefined variable 'write_file' ...
        }
        // end snippet
        #expect(ok.asBool == true)
        #expect(interp.global("write_file") == nil)
    }

    @Test func compileOnce() throws {
        // snippet: compile
        let interp = Interpreter()
        interp.define("event", .map(["kind": .string("die"), "code": .int(137)]))
        let rule = try interp.compile("event.kind == \"die\" && event.code != 0", name: "rule")
        for code in [0, 137] {
            interp.define("event", .map(["kind": .string("die"), "code": .int(code)]))
            print(try rule.run().displayString)   // false, then true
        }
        // end snippet
        #expect(try rule.run().asBool == true)
    }

    @Test func cleanupAllowance() throws {
        // snippet: cleanup
        let interp = Interpreter()
        interp.timeLimit = .milliseconds(100)
        interp.cleanupAllowance = CleanupAllowance(steps: 10_000, time: .seconds(5))
        var log: [String] = []
        interp.define("released") { _, _ in log.append("released"); return .null }
        do {
            _ = try interp.evaluate("""
                defer { released() }              # runs although the time is up
                sleep(60)
                """)
        } catch let e as DshError {
            print(e.message)                      // time limit of 0.1 seconds exceeded
        }
        print(log)                                // ["released"]
        // end snippet
        #expect(log == ["released"])
    }

    @Test func codableBridge() throws {
        let interp = Interpreter()
        // snippet: codable
        struct Service: Codable { var name: String; var replicas: Int }
        interp.define("svc", try interp.value(from: Service(name: "web", replicas: 2)))
        let scaled = try interp.evaluate("svc.replicas = 5\nsvc").decode(Service.self)
        print(scaled.replicas)                    // 5
        // end snippet
        #expect(scaled.replicas == 5 && scaled.name == "web")
    }

    @Test func streamItems() async throws {
        let interp = Interpreter()
        // snippet: items
        var n = 0
        interp.define("ticks", .stream(ClosureStream(label: "ticks") { _ in n += 1; return .int(n) }))
        var seen: [SendableValue] = []
        for try await item in interp.items(of: try interp.evaluate("ticks | map(t => t * 10)")) {
            seen.append(item)
            if seen.count == 3 { break }          // leaving the loop closes the stream
        }
        print(seen)                               // [.int(10), .int(20), .int(30)]
        // end snippet
        #expect(seen == [.int(10), .int(20), .int(30)])
    }

    @Test func typedArguments() throws {
        let interp = Interpreter()
        // snippet: unpack
        interp.define("scale", doc: "scale(service, replicas, dry_run: false)") { args, _ in
            let (service, replicas, dryRun) = try args.unpack(
                "scale", ("service", String.self), ("replicas", Int.self), ("dry_run?", Bool?.self))
            return .string("\(dryRun == true ? "would scale" : "scaled") \(service) to \(replicas)")
        }
        print(try interp.evaluate("scale(\"web\", 3, dry_run: true)").displayString)  // would scale web to 3
        // scale("web", "3") fails: scale(): argument 'replicas': expected Int, found string 3
        // end snippet
        #expect(try interp.evaluate("scale(\"web\", 3, dry_run: true)").displayString == "would scale web to 3")
        #expect(throws: DshError.self) { try interp.evaluate("scale(\"web\", \"3\")") }
    }

    @Test func memoryLimit() throws {
        // snippet: memory
        let interp = Interpreter(limits: InterpreterLimits(memory: 16 << 20))   // 16 MiB of live values
        do {
            _ = try interp.evaluate("fn hoard() { var xs = []\nwhile true { xs += [\"row\"] } }\nhoard()")
        } catch let e as DshError {
            print(e.message)                      // memory limit of 16 MiB exceeded
        }
        print(try interp.evaluate("len(range(1000) | collect)").displayString)   // 1000: it goes on
        // end snippet
        #expect(throws: DshError.self) { try interp.evaluate("let s = \"x\" * 20_000_000") }
        #expect(try interp.evaluate("len(range(1000) | collect)").asInt == 1000)
    }

    @Test func moduleQualifiedNames() throws {
        // snippet: qualified
        struct Value { var name: String; var amount: Double }   // the host's own types
        enum JSON { static let mediaType = "application/json" }

        let sample = Value(name: "cpu", amount: 0.25)
        let interp = Interpreter()
        interp.define("sample", .map(["name": .string(sample.name), "amount": .float(sample.amount)]))
        let doubled: DshCore.Value = try interp.evaluate("sample.amount * 2")
        let body = try DshCore.JSON.encode(doubled)            // "0.5", sent as JSON.mediaType
        let rule: DshCore.Program = try DshCore.Parser.parse(SourceFile(name: "rule", text: "sample.amount > 0.1"))
        let tokens: [DshCore.Token] = try Lexer(SourceFile(name: "rule", text: "sample.amount")).tokenize()
        // end snippet
        #expect(body == "0.5" && JSON.mediaType == "application/json")
        #expect(rule.statements.count == 1)
        #expect(tokens.map(\.name).filter { !$0.isEmpty } == ["sample", "amount"])
    }
}
