// TableTests.swift: TableRenderer layout: headers, alignment, cells, width fitting.
import Testing
@testable import DshCore

/// A host object with a plain value, as the Docker bindings' resources are.
private final class FakeContainer: HostObject {
    let fields: Value
    init(_ fields: Value) { self.fields = fields }
    var typeName: String { "Container" }
    func member(_ name: String, _ runtime: any Runtime) throws -> Value? {
        if case .map(let m) = fields { return m[name] }
        return nil
    }
    var plainValue: Value? { fields }
}

@Suite struct TableTests {
    private func row(_ pairs: KeyValuePairs<String, Value>) -> Value {
        var m = MapRef()
        m = MapRef()
        for (k, v) in pairs { m[k] = v }
        return .map(m)
    }

    @Test func alignsColumnsThreeSpacesApartLikeDockerPs() {
        let text = TableRenderer.render([
            row(["Name": .string("web"), "Image": .string("nginx:1.25"), "Status": .string("running")]),
            row(["Name": .string("database"), "Image": .string("postgres"), "Status": .string("exited")]),
        ])
        #expect(text == """
        Name       Image        Status
        web        nginx:1.25   running
        database   postgres     exited

        """)
    }

    @Test func columnsPickAndOrder() {
        let rows = [row(["Id": .string("4f1c"), "Name": .string("web"), "Size": .int(300)])]
        #expect(TableRenderer.render(rows, columns: ["Size", "Id"]) == "Size   Id\n300    4f1c\n")
        #expect(TableRenderer.render(rows, columns: ["Nope"]) == "Nope\n\n")
        #expect(TableRenderer.render([]) == "")
    }

    @Test func cellsShowNestedValuesCompactlyAndNilAsEmpty() {
        let text = TableRenderer.render([row(["n": .null, "f": .float(2.5), "l": ints(1, 2), "m": .map(["a": .string("x")]),
                                              "s": .string("two\nlines")])])
        #expect(text == "n   f     l        m          s\n    2.5   [1, 2]   {a: \"x\"}   two↵lines\n")
    }

    @Test func laterKeysAndHostObjectsAndScalars() {
        let c = Value.object(FakeContainer(.map(["Id": .string("abc"), "State": .string("running")])))
        #expect(TableRenderer.render([c, row(["Id": .string("def"), "Extra": .bool(true)])]) == """
        Id    State     Extra
        abc   running
        def             true

        """)
        #expect(TableRenderer.render([.int(1), .string("two")]) == "value\n1\ntwo\n")
    }

    @Test func wideTablesAreCutWithAnEllipsisToFitTheWidth() {
        let rows = [
            row(["ID": .string("4f1c2a9be3d0aa11"), "Command": .string("\"docker-entrypoint.sh postgres -c config_file=/etc/pg.conf\""),
                 "Status": .string("Up 2 hours")]),
            row(["ID": .string("9b2e77aa0c11bb22"), "Command": .string("\"nginx -g 'daemon off;'\""), "Status": .string("Exited (0)")]),
        ]
        let text = TableRenderer.render(rows, width: 50)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for line in lines { #expect(TableRenderer.displayWidth(String(line)) <= 50, "\(line)") }
        #expect(lines[0].hasPrefix("ID"))
        #expect(lines[1].contains("…"))
        #expect(lines[1].hasSuffix("Up 2 hours"))
        #expect(!text.contains("hidden"))
    }

    @Test func columnsThatCannotFitAreDroppedWithANote() {
        let rows = [row(["Name": .string("web-frontend"), "Image": .string("registry.example.com/team/web:1.2.3"),
                         "Ports": .string("0.0.0.0:8080->80/tcp"), "Status": .string("Up 5 minutes")])]
        let text = TableRenderer.render(rows, width: 30)
        let lines = text.split(separator: "\n").map(String.init)
        for line in lines.dropLast() { #expect(TableRenderer.displayWidth(line) <= 30, "\(line)") }
        #expect(lines.last?.hasPrefix("… ") == true)
        #expect(lines.last?.contains("hidden: ") == true)
        #expect(lines.last?.hasSuffix("Status") == true)
    }

    @Test func wideCharactersCountTwoColumns() {
        let text = TableRenderer.render([row(["k": .string("中文"), "v": .int(1)]), row(["k": .string("ab"), "v": .int(2)])])
        #expect(text == "k      v\n中文   1\nab     2\n")
        #expect(TableRenderer.truncate("中文字", to: 4) == "中…")
    }

    /// Cells by terminal cells: combining marks take none, emoji (with skin tones, ZWJ
    /// sequences, VS16, flags) and CJK two, so the columns after them line up.
    @Test func emojiCombiningMarksAndCJKAlign() {
        let names = ["日本語", "e\u{301}te\u{301}", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷", "ｆｕｌｌ", "plain"]
        let text = TableRenderer.render(names.enumerated().map { row(["name": .string($0.element), "n": .int($0.offset)]) })
        #expect(text == """
        name       n
        日本語     0
        e\u{301}te\u{301}        1
        👍🏽         2
        ❤️         3
        👨‍👩‍👧         4
        🇫🇷         5
        ｆｕｌｌ   6
        plain      7

        """)
        #expect(DisplayWidth.of("\u{200B}") == 0)
        #expect(DisplayWidth.of("⌚") == 2)
        #expect(DisplayWidth.of("☺") == 1)
        #expect(TableRenderer.truncate("👍🏽👍🏽👍🏽", to: 5) == "👍🏽👍🏽…")
    }

    @Test func colorMakesTheHeaderBold() {
        let text = TableRenderer.render([row(["a": .int(1)])], color: true)
        #expect(text == "\u{1B}[1ma\u{1B}[0m\n1\n")
    }
}
