// CompleterTests.swift: what Tab offers, computed without a terminal.
import Testing
import Synchronization
@testable import DshREPL
import DshCore
#if canImport(Glibc)
import Glibc
#endif

/// A host object with members, like a Docker resource.
private final class FakeObject: HostObject {
    var typeName: String { "Fake" }
    var memberNames: [String] { ["Id", "Names", "start", "stop"] }
    func member(_ name: String, _ runtime: any Runtime) throws -> Value? {
        name == "Id" ? .string("abc") : nil
    }
}

private func makeCompleter(live: (@Sendable (CompletionContext) -> [String])? = nil) -> Completer {
    let globals: [String: Value] = [
        "print": .null, "printf_like": .null, "docker": .object(FakeObject()),
        "m": .map(["alpha": .int(1), "also": .int(2), "beta": .int(3), "Key-2": .int(4)]),
        "l": .list([.map(["inner": .int(1)])]),
    ]
    var c = Completer(globals: { Array(globals.keys) }, resolve: { path in
        var current: Value?
        for step in path {
            switch (step, current) {
            case (.name(let n), nil): current = globals[n]
            case (.member(let n), .map(let m)?), (.key(let n), .map(let m)?): current = m[n]
            case (.index(let i), .list(let l)?): current = l.items.indices.contains(i) ? l.items[i] : nil
            case (.member, .object?): current = .string("x")
            default: return nil
            }
            if current == nil { return nil }
        }
        return current
    })
    c.live = live
    return c
}

@Test func completesGlobalsAndKeywords() {
    let c = makeCompleter()
    #expect(c.complete("pri").candidates == ["print", "printf_like"])
    #expect(c.complete("pri").commonPrefix == "print")
    #expect(c.complete("x = wh").candidates == ["while"])
    #expect(c.complete("let d = doc").candidates == ["docker"])
    #expect(c.complete("let d = doc").fragment == "doc")
}

@Test func completesMembersOfMapsObjectsAndIndexes() {
    let c = makeCompleter()
    #expect(c.complete("m.al").candidates == ["alpha", "also"])
    #expect(c.complete("m.").candidates == ["alpha", "also", "beta"])  // Key-2 is not an identifier
    #expect(c.complete("print(m?.b").candidates == ["beta"])
    #expect(c.complete("docker.st").candidates == ["start", "stop"])
    #expect(c.complete("l[0].in").candidates == ["inner"])
    #expect(c.complete("m[\"alpha\"]").candidates == [])
}

@Test func neverCompletesAfterACall() {
    let c = makeCompleter()
    #expect(c.complete("f().al").candidates == [])
    #expect(c.complete("(m).al").candidates == [])
    #expect(c.complete("1.5.x").candidates == [])
    #expect(c.complete("nosuch.al").candidates == [])
}

@Test func nothingInCommentsOrForEmptyFragments() {
    let c = makeCompleter()
    #expect(c.complete("# pri").candidates == [])
    #expect(c.complete("").candidates == [])
    #expect(c.complete("print ").candidates == [])
}

@Test func commandsAndDocArguments() {
    let c = makeCompleter()
    #expect(c.complete(":d").candidates == [":doc"])
    #expect(c.complete(":").candidates == Completer.commands)
    #expect(c.complete(":doc pri").candidates == ["print", "printf_like"])
    #expect(c.complete(":doc m.be").candidates == ["beta"])
}

@Test func liveHookGetsTheCallAndPrefix() {
    let seen = Mutex<[CompletionContext]>([])
    let c = makeCompleter(live: { ctx in
        seen.withLock { $0.append(ctx) }
        return ["web-1", "web-2", "db"]
    })
    let found = c.complete("docker.containers.get(\"we")
    #expect(found.candidates == ["web-1", "web-2"])
    #expect(found.fragment == "we")
    let ctx = seen.withLock { $0.last }
    #expect(ctx?.callee == "docker.containers.get")
    #expect(ctx?.prefix == "we")
    #expect(ctx?.argumentName == nil)
    let one = c.complete("run(image: \"d")
    #expect(one.candidates == ["db"])
    #expect(one.suffix == "\"")
    #expect(seen.withLock { $0.last?.argumentName } == "image")
    #expect(seen.withLock { $0.last?.callee } == "run")
    _ = c.complete("f(1, [2, 3], \"x")
    #expect(seen.withLock { $0.last?.callee } == "f")
}

@Test func interpolationIsCode() {
    let c = makeCompleter(live: { _ in ["never"] })
    #expect(c.complete("\"id=${m.al").candidates == ["alpha", "also"])
    #expect(c.complete("\"a\" + pri").candidates == ["print", "printf_like"])
}

@Test func liveHookThatIsTooSlowIsDropped() {
    var c = makeCompleter(live: { _ in
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(2) {}
        return ["late"]
    })
    c.liveDeadline = .milliseconds(100)
    let start = ContinuousClock.now
    let found = c.complete("docker.containers.get(\"")
    #expect(found.candidates.isEmpty)
    #expect(ContinuousClock.now - start < .milliseconds(900))
}

@Test func pathsComplete() throws {
    let dir = "/tmp/dsh-repl-paths-\(getpid())"
    mkdir(dir, 0o755)
    mkdir(dir + "/sub", 0o755)
    let f = fopen(dir + "/script.dsh", "w"); fclose(f)
    defer { remove(dir + "/script.dsh"); rmdir(dir + "/sub"); rmdir(dir) }
    let c = makeCompleter()
    #expect(c.complete("read_file(\"\(dir)/sc").candidates == ["\(dir)/script.dsh"])
    #expect(c.complete("read_file(\"\(dir)/s").candidates == ["\(dir)/script.dsh", "\(dir)/sub/"])
    #expect(c.complete(":load \(dir)/su").candidates == ["\(dir)/sub/"])
    #expect(c.complete("read_file(\"\(dir)/sc").suffix == "\"")
}

@Test func scannerTracksStrings() {
    #expect(Scanner.scan("'raw ${x") == .string(prefix: "raw ${x", quote: "'", tokens: []))
    #expect(Scanner.scan("\"a\\\"b") == .string(prefix: "a\\\"b", quote: "\"", tokens: []))
    #expect(Scanner.scan("\"\"\"x\" y") == .string(prefix: "x\" y", quote: "\"", tokens: []))
    #expect(Scanner.scan("f(\"a\", x") == .code([.ident("f"), .punct("("), .string("a"), .punct(","), .ident("x")]))
}

@Test func columnsLayOutTopToBottom() {
    let text = REPL.columns(["a", "bb", "c", "d"], width: 10)
    #expect(text == "a   c\nbb  d")
    #expect(REPL.columns(["x", "y", "z"], width: 80, limit: 2).hasSuffix("... and 1 more"))
}

@Test func completesNamedArgumentsOfACallFromTheFunction() {
    let list = NativeFunction("docker.containers.list", describe: { ("help", ["all", "filters", "limit", "size"]) }) { _, _ in .null }
    let c = Completer(globals: { ["docker", "filter"] }, resolve: { path in
        path == [.name("docker"), .member("list")] ? .function(list) : nil
    })
    #expect(c.complete("docker.list(fi").candidates == ["filters:", "filter"])
    #expect(c.complete("docker.list(all: true, li").candidates == ["limit:"])
    #expect(c.complete("x(fi").candidates == ["filter"], "an unknown function offers globals only")
    #expect(list.doc == "help")
}

@Test func docShowsAMultiLineHelpAsItIs() {
    let interp = Interpreter()
    let create = NativeFunction("docker.containers.create", describe: { ("docker.containers.create(name:)\n  create a container", ["name"]) }) { _, _ in .null }
    let line = NativeFunction("f", doc: "one line") { _, _ in .null }
    let text = ReplCommand.docText(for: "docker.containers.create", interpreter: interp) { path in
        path.count == 3 ? .function(create) : nil
    }
    #expect(text == "docker.containers.create(name:)\n  create a container")
    #expect(ReplCommand.docText(for: "f", interpreter: interp) { _ in .function(line) } == "f: one line")
}
