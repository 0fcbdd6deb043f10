// ValueDisplayTests.swift: how values show in the REPL.
import Testing
@testable import DshREPL
import DshCore

private final class Record: HostObject {
    var typeName: String { "Container" }
    func member(_ name: String, _ runtime: any Runtime) throws -> Value? { nil }
    var displayString: String { "<Container abc>" }
    var plainValue: Value? { .map(["Id": .string("abc"), "State": .string("running")]) }
}

/// The column where `needle` first starts in `line`.
private func column(of needle: String, in line: String) -> Int? {
    let hay = Array(line), n = Array(needle)
    guard hay.count >= n.count else { return nil }
    for i in 0...(hay.count - n.count) where Array(hay[i..<(i + n.count)]) == n { return i }
    return nil
}

@Test func scalarsShowInSourceForm() {
    let d = ValueDisplay()
    #expect(d.render(.null) == nil)
    #expect(d.render(.int(42)) == "42")
    #expect(d.render(.float(5)) == "5.0")
    #expect(d.render(.bool(true)) == "true")
    #expect(d.render(.string("a\tb")) == "\"a\\tb\"")
    #expect(d.render(.string("one\ntwo\n")) == "\"\"\"\none\ntwo\n\"\"\"")
}

@Test func recordsShowAsATable() throws {
    let d = ValueDisplay(width: 80)
    let rows: Value = .list([.map(["name": .string("web"), "port": .int(80)]),
                             .map(["name": .string("database"), "port": .int(5432)])])
    let text = try #require(d.render(rows))
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count == 3)
    #expect(lines[0].hasPrefix("name"))
    #expect(lines[2].hasPrefix("database"))
    // the port column starts at the same place on every line
    let starts = [column(of: "port", in: lines[0]), column(of: "80", in: lines[1]), column(of: "5432", in: lines[2])]
    #expect(starts[0] != nil && starts[0] == starts[1] && starts[1] == starts[2])
    #expect(d.render(.list([.object(Record())]))?.contains("running") == true)
}

@Test func mapsShowAsAlignedLines() {
    let d = ValueDisplay(width: 80)
    #expect(d.render(.map(["a": .int(1), "long-key": .string("x")])) == "a:          1\n\"long-key\": \"x\"")
    #expect(d.render(.map([:])) == "{}")
    #expect(d.render(.object(Record())) == "<Container abc>\n  Id:    \"abc\"\n  State: \"running\"")
}

@Test func longListsBreakAndLongValuesAreCut() {
    let d = ValueDisplay(width: 20, truncate: true)
    #expect(d.render(.list([.int(1), .int(2)])) == "[1, 2]")
    let long = Value.list((0..<10).map { .string("item\($0)") })
    #expect(d.render(long)?.hasPrefix("[\n  \"item0\",\n") == true)
    let cut = d.render(.map(["k": .string(String(repeating: "x", count: 50))]))
    #expect(cut?.hasSuffix("…") == true)
    #expect((cut?.count ?? 0) <= 20)
}

@Test func streamItems() {
    let d = ValueDisplay()
    #expect(d.streamItem(.map(["stream": .string("stdout"), "text": .string("hello")])) == "hello")
    #expect(d.streamItem(.string("line\n")) == "line")
    #expect(d.streamItem(.map(["status": .string("Pulling")])) == "{status: \"Pulling\"}")
}

@Test func colourOnlyWhenAsked() {
    #expect(ValueDisplay(color: true).render(.int(1)) == "\u{1B}[33m1\u{1B}[0m")
    #expect(ValueDisplay(color: false).render(.int(1)) == "1")
}

/// An object with a short summary, as the bindings' containers and images are.
private final class Summarised: HostObject {
    let id: String
    init(_ id: String) { self.id = id }
    var typeName: String { "Container" }
    func member(_ name: String, _ runtime: any Runtime) throws -> Value? { nil }
    var plainValue: Value? { .map(["Id": .string(id), "Config": .map(["Env": .list([])]), "State": .string("running")]) }
    var summary: Value? { .map(["CONTAINER ID": .string(id), "STATUS": .string("Up 5 minutes")]) }
}

@Test func listsOfSummarisedObjectsShowTheirSummaries() throws {
    let d = ValueDisplay(width: 80)
    let text = try #require(d.render(.list([.object(Summarised("abc")), .object(Summarised("def"))])))
    #expect(text == "CONTAINER ID   STATUS\nabc            Up 5 minutes\ndef            Up 5 minutes")
    // Mixed with records that have no summary, every item shows its plain value.
    let mixed = try #require(d.render(.list([.object(Summarised("abc")), .object(Record())])))
    #expect(mixed.hasPrefix("Id"))
}
