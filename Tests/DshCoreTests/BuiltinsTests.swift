// BuiltinsTests.swift: the built-ins called directly with a test runtime.
import Testing
import Dispatch
@testable import DshCore

@Suite struct BuiltinsTests {
    @Test func everyBuiltinHasOneLineOfHelp() {
        var names: [String: String] = [:]
        Builtins.install { name, value in
            if case .function(let f as NativeFunction) = value { names[name] = f.doc } else { names[name] = nil }
        }
        #expect(Set(names.keys) == Set(BuiltinDocs.lines.keys))
        for (name, doc) in names {
            #expect(doc.hasPrefix(name + "("), "doc of \(name) should start with its signature")
            #expect(!doc.contains("\n"))
        }
        for required in ["print", "len", "type", "str", "int", "float", "keys", "values", "range", "map", "filter",
                         "where", "each", "reduce", "sort", "sort_by", "group_by", "unique", "take", "skip", "first",
                         "last", "count", "sum", "min", "max", "any", "all", "collect", "zip", "enumerate", "join",
                         "split", "trim", "lower", "upper", "replace", "starts_with", "ends_with", "contains", "format",
                         "json", "parse_json", "read_file", "write_file", "glob", "sleep", "now", "table",
                         "human_size", "parse_size", "error", "assert", "exit"] {
            #expect(names[required] != nil, "missing \(required)")
        }
    }

    /// Maps made with shared keys (`MapRef(distinctKeys:values:)`, a log line's) are
    /// ordinary maps: lookups, order, equality, and a change to one (a new key, a removed
    /// key, a new value) leaves the shared keys and the other maps as they were.
    @Test func mapsWithSharedKeysAreOrdinaryMaps() throws {
        let keys: ContiguousArray<String> = ["stream", "text"]
        let a = MapRef(distinctKeys: keys, values: [.string("stdout"), .string("one")])
        let b = MapRef(distinctKeys: keys, values: [.string("stderr"), .string("two")])
        #expect(a["text"]?.displayString == "one")
        #expect(Array(a.entries.keys) == ["stream", "text"])
        #expect(Value.map(a).displayString == Value.map(MapRef(["stream": .string("stdout"), "text": .string("one")])).displayString)
        a["time"] = .string("t")
        b.entries.removeValue(forKey: "stream")
        a["text"] = .string("uno")
        #expect(Array(a.entries.keys) == ["stream", "text", "time"])
        #expect(a["text"]?.displayString == "uno")
        #expect(Array(b.entries.keys) == ["text"])
        #expect(b["text"]?.displayString == "two")
        #expect(b["stream"] == nil)
        #expect(Array(keys) == ["stream", "text"])
        let c = MapRef(distinctKeys: keys, values: [.string("stdout"), .string("three")])
        #expect(Array(c.entries.keys) == ["stream", "text"])
        #expect(c["stream"]?.displayString == "stdout")
    }

    @Test func printJoinsWithSpacesAndHonoursSepAndEnd() throws {
        let rt = BuiltinTestRuntime()
        try callBuiltin("print", .int(1), .string("two"), .float(3), rt: rt)
        try callBuiltin("print", .string("a"), .string("b"), named: [("sep", .string(", ")), ("end", .string(""))], rt: rt)
        #expect(rt.output == "1 two 3.0\na, b")
        #expect(errorMessage { try callBuiltin("print", named: [("ends", .string(""))]) }?.contains("unknown named argument 'ends'") == true)
    }

    @Test func conversions() throws {
        #expect(intOf(try callBuiltin("int", .string(" -42 "))) == -42)
        #expect(intOf(try callBuiltin("int", .string("0x1f"))) == 31)
        #expect(intOf(try callBuiltin("int", .string("0b101"))) == 5)
        #expect(intOf(try callBuiltin("int", .string("ff"), .int(16))) == 255)
        #expect(intOf(try callBuiltin("int", .string("-9223372036854775808"))) == Int.min)
        #expect(errorMessage { try callBuiltin("int", .string("9223372036854775808")) } == "int: invalid integer \"9223372036854775808\"")
        #expect(intOf(try callBuiltin("int", .float(-3.9))) == -3)
        #expect(errorMessage { try callBuiltin("int", .float(.nan)) } == "int: cannot convert nan to int")
        #expect(try callBuiltin("float", .string("1_000.5")).sourceString == "1000.5")
        #expect(try callBuiltin("str", .list([.string("a")])).sourceString == "\"[\\\"a\\\"]\"")
        #expect(try callBuiltin("type", .null).sourceString == "\"nil\"")
    }

    @Test func lenAndKeys() throws {
        #expect(intOf(try callBuiltin("len", .string("héllo"))) == 5)
        for text in ["", "abc", "a\r\nb", "\r\n\r\n", "\r\r\n\n", "e\u{301}x", "👨‍👩‍👧 ok\r\n", String(repeating: "ab\r", count: 100)] {
            #expect(Builtins.characterCount(text) == text.count, "\(text.debugDescription)")
        }
        #expect(errorMessage { try callBuiltin("len", .stream(ProbeStream())) }?.hasPrefix("len: a stream has no length") == true)
        let m = Value.map(["b": .int(1), "a": .int(2)])
        #expect(try callBuiltin("keys", m).sourceString == "[\"b\", \"a\"]")
        #expect(try callBuiltin("values", m).sourceString == "[1, 2]")
        #expect(try callBuiltin("items", m).sourceString == "[[\"b\", 1], [\"a\", 2]]")
    }

    @Test func errorAssertExit() throws {
        let e = try callBuiltin("error", .string("boom"), named: [("code", .int(3))])
        guard case .error(let ev) = e else { Issue.record("not an error"); return }
        #expect(ev.message == "boom")
        #expect(ev.fields["code"].map { intOf($0) } == 3)
        #expect(errorMessage { try callBuiltin("assert", .bool(false), .string("x")) } == "assertion failed: x")
        #expect(errorMessage { try callBuiltin("assert", .int(0)) } == "assertion failed")
        do {
            try callBuiltin("exit", .int(7))
            Issue.record("exit did not throw")
        } catch let r as ExitRequest {
            #expect(r.code == 7)
        }
    }

    // MARK: sequences

    @Test func rangeIsLazyAndHuge() throws {
        let r = try callBuiltin("range", .int(0), .int(1_000_000_000_000))
        let m = try callBuiltin("map", r, fn { .int(intOf($0)! * 2) })
        let t = try callBuiltin("take", m, .int(3))
        #expect(try drained(t) == "[0, 2, 4]")
        #expect(try drained(try callBuiltin("range", .int(5), .int(0), .int(-2))) == "[5, 3, 1]")
        #expect(try drained(try callBuiltin("range", .int(Int.max - 1), .int(Int.max))) == "[\(Int.max - 1)]")
        #expect(errorMessage { try callBuiltin("range", .int(0), .int(5), .int(0)) } == "range: step must not be zero")
    }

    @Test func lazyOperationsReturnStreamsOnStreamsAndListsOnLists() throws {
        for name in ["map", "filter", "where", "take_while", "skip_while", "flat_map"] {
            let f = name == "flat_map" ? fn { .list([$0]) } : name == "map" ? fn { $0 } : fn { _ in .bool(name != "skip_while") }
            let onList = try callBuiltin(name, ints(1, 2), f)
            #expect(onList.typeName == "list", "\(name) on a list")
            let onStream = try callBuiltin(name, .stream(ProbeStream(limit: 2)), f)
            #expect(onStream.typeName == "stream", "\(name) on a stream")
            #expect(try drained(onStream) == "[0, 1]", "\(name)")
        }
        for name in ["unique", "enumerate", "flatten"] {
            #expect(try callBuiltin(name, ints(1)).typeName == "list")
            #expect(try callBuiltin(name, .stream(ProbeStream(limit: 2))).typeName == "stream")
        }
    }

    @Test func takeClosesItsSourceOnceItHasEnough() throws {
        let probe = ProbeStream()
        let t = try callBuiltin("take", .stream(probe), .int(2))
        guard case .stream(let s) = t else { Issue.record("not a stream"); return }
        let rt = BuiltinTestRuntime()
        #expect(try s.next(rt).map { intOf($0) } == 0)
        #expect(!probe.closed)
        #expect(try s.next(rt).map { intOf($0) } == 1)
        #expect(probe.closed, "take(2) must close the source right after the second item")
        #expect(try s.next(rt) == nil)
        #expect(probe.pulled == 2)
    }

    @Test func closingALazyStreamClosesTheSource() throws {
        let probe = ProbeStream()
        let m = try callBuiltin("map", .stream(probe), fn { $0 })
        let f = try callBuiltin("filter", m, fn { _ in .bool(true) })
        guard case .stream(let s) = f else { Issue.record("not a stream"); return }
        _ = try s.next(BuiltinTestRuntime())
        s.close()
        #expect(probe.closed)
    }

    @Test func earlyStoppersCloseTheirSource() throws {
        for (name, f) in [("first", nil), ("find", fn { .bool(intOf($0)! > 3) }), ("any", fn { .bool(intOf($0)! > 3) }),
                          ("all", fn { .bool(intOf($0)! < 3) }), ("contains", Value.int(4))] as [(String, Value?)] {
            let probe = ProbeStream()
            if let f { try callBuiltin(name, .stream(probe), f) } else { try callBuiltin(name, .stream(probe)) }
            #expect(probe.closed, "\(name) should close the stream")
            #expect(probe.pulled <= 5, "\(name) pulled \(probe.pulled)")
        }
    }

    @Test func eagerOperationsDrainStreams() throws {
        let s = { Value.stream(ProbeStream(limit: 4)) }
        #expect(intOf(try callBuiltin("count", s())) == 4)
        #expect(intOf(try callBuiltin("sum", s())) == 6)
        #expect(intOf(try callBuiltin("last", s())) == 3)
        #expect(intOf(try callBuiltin("max", s())) == 3)
        #expect(try callBuiltin("sort", s(), named: [("reverse", .bool(true))]).sourceString == "[3, 2, 1, 0]")
        #expect(try callBuiltin("collect", s()).sourceString == "[0, 1, 2, 3]")
        #expect(intOf(try callBuiltin("reduce", s(), fn2 { .int(intOf($0)! + intOf($1)!) }, .int(10))) == 16)
    }

    @Test func sumKeepsIntsAndReportsOverflow() throws {
        #expect(try callBuiltin("sum", ints(1, 2, 3)).sourceString == "6")
        #expect(try callBuiltin("sum", .list([.int(1), .float(0.5)])).sourceString == "1.5")
        #expect(errorMessage { try callBuiltin("sum", ints(Int.max, 1)) } == "sum: integer overflow")
        #expect(errorMessage { try callBuiltin("sum", strs("a")) } == "sum: cannot add string")
    }

    @Test func sortIsStableWithKeysAndReverse() throws {
        let rows: Value = .list([
            .map(["n": .string("a"), "k": .int(2)]), .map(["n": .string("b"), "k": .int(1)]),
            .map(["n": .string("c"), "k": .int(2)]), .map(["n": .string("d"), "k": .int(1)]),
        ])
        let name = fn { v in if case .map(let m) = v { return m["n"]! }; return .null }
        let byK = try callBuiltin("sort_by", rows, .string("k"))
        #expect(try callBuiltin("map", byK, name).sourceString == "[\"b\", \"d\", \"a\", \"c\"]")
        let byKRev = try callBuiltin("sort", rows, named: [("key", .string("k")), ("reverse", .bool(true))])
        #expect(try callBuiltin("map", byKRev, name).sourceString == "[\"a\", \"c\", \"b\", \"d\"]")
        #expect(errorMessage { try callBuiltin("sort", .list([.int(1), .string("a")])) }?.hasPrefix("cannot compare") == true)
    }

    @Test func groupByUniqueMinMax() throws {
        let g = try callBuiltin("group_by", ints(1, 2, 3, 4, 5), fn { .int(intOf($0)! % 2) })
        #expect(g.sourceString == "{\"1\": [1, 3, 5], \"0\": [2, 4]}")
        #expect(try callBuiltin("unique", .list([.int(1), .float(1), .string("1"), ints(1), ints(1)])).sourceString == "[1, \"1\", [1]]")
        #expect(intOf(try callBuiltin("min", .int(3), .int(1), .int(2))) == 1)
        #expect(try callBuiltin("max", strs("aa", "b"), named: [("key", .function(builtin("len")))]).sourceString == "\"aa\"")
        #expect(try callBuiltin("min", .list([]), named: [("default", .int(0))]).sourceString == "0")
        #expect(errorMessage { try callBuiltin("max", .list([])) }?.hasPrefix("max: empty sequence") == true)
    }

    @Test func zipEnumerateChunkFlatten() throws {
        #expect(try callBuiltin("zip", ints(1, 2, 3), strs("a", "b")).sourceString == "[[1, \"a\"], [2, \"b\"]]")
        let probe = ProbeStream()
        #expect(try drained(try callBuiltin("zip", .stream(probe), strs("x", "y"))) == "[[0, \"x\"], [1, \"y\"]]")
        #expect(probe.closed)
        #expect(try callBuiltin("enumerate", strs("a"), named: [("start", .int(1))]).sourceString == "[[1, \"a\"]]")
        #expect(try drained(try callBuiltin("chunk", .stream(ProbeStream(limit: 5)), .int(2))) == "[[0, 1], [2, 3], [4]]")
        #expect(try callBuiltin("flatten", .list([ints(1, 2), .int(3), .list([ints(4)])])).sourceString == "[1, 2, 3, [4]]")
        #expect(try callBuiltin("reverse", .string("héllo")).sourceString == "\"olléh\"")
    }

    @Test func interruptStopsALongLoop() throws {
        let rt = BuiltinTestRuntime()
        var n = 0
        let f = fn { _ in n += 1; if n == 100 { rt.cancellation.cancel() }; return .bool(false) }
        let message = errorMessage { try callBuiltin("find", try callBuiltin("range", .int(1_000_000_000_000)), f, rt: rt) }
        #expect(message == "interrupted")
        #expect(n == 100)
    }

    // MARK: strings

    @Test func splitJoinLinesReplace() throws {
        #expect(try callBuiltin("split", .string("a,,b"), .string(",")).sourceString == "[\"a\", \"\", \"b\"]")
        #expect(try callBuiltin("split", .string("  a \t b\n")).sourceString == "[\"a\", \"b\"]")
        #expect(try callBuiltin("split", .string("a b c"), .null, .int(1)).sourceString == "[\"a\", \"b c\"]")
        #expect(try callBuiltin("split", .string("a\r\nb"), .string("\n")).sourceString == "[\"a\\r\", \"b\"]")
        #expect(try callBuiltin("join", .list([.int(1), .null, .string("x")]), .string("/")).sourceString == "\"1/nil/x\"")
        #expect(try callBuiltin("lines", .string("a\r\nb\n")).sourceString == "[\"a\", \"b\"]")
        #expect(try callBuiltin("replace", .string("aXbXc"), .string("X"), .string("--"), .int(1)).sourceString == "\"a--bXc\"")
        #expect(try callBuiltin("replace", .string("é-é"), .string("é"), .string("e")).sourceString == "\"e-e\"")
        #expect(try callBuiltin("trim", .string("\u{00A0} x \n")).sourceString == "\"x\"")
        #expect(try callBuiltin("index_of", .string("héllo"), .string("llo")).sourceString == "2")
        #expect(try callBuiltin("contains", .string("héllo"), .string("él")).sourceString == "true")
    }

    @Test func formatTemplates() throws {
        func f(_ t: String, _ a: Value..., named: [(String, Value)] = []) throws -> String {
            let v = try builtin("format").call(Arguments([.string(t)] + a, named: named.map { (name: $0.0, value: $0.1) }), BuiltinTestRuntime())
            return v.displayString
        }
        #expect(try f("{} is {}", .string("x"), .int(1)) == "x is 1")
        #expect(try f("{1}{0}{name}", .string("a"), .string("b"), named: [("name", .string("!"))]) == "ba!")
        #expect(try f("[{:>5}][{:<3}][{:^5}]", .string("ab"), .string("c"), .string("d")) == "[   ab][c  ][  d  ]")
        #expect(try f("{:.2f} {:08.3f} {:+d} {:,}", .float(3.14159), .float(-2.5), .int(5), .int(-1234567)) == "3.14 -002.500 +5 -1,234,567")
        #expect(try f("{:x} {:#X} {:o} {:b} {:.1%}", .int(255), .int(255), .int(8), .int(5), .float(0.25)) == "ff 0XFF 10 101 25.0%")
        #expect(try f("{:>6}|{:<6}|", .int(42), .float(2.5)) == "    42|2.5   |")
        #expect(try f("{{}}") == "{}")
        #expect(errorMessage { try f("{:d}", .string("x")) } == "format: cannot format string with 'd'")
        #expect(errorMessage { try f("{") } == "format: unclosed '{' in template")
    }

    // MARK: data

    @Test func humanSizeLikeGoUnits() throws {
        let cases: [(Double, String)] = [(0, "0B"), (999, "999B"), (1000, "1kB"), (1500, "1.5kB"), (1_500_000, "1.5MB"),
                                         (500_000_000, "500MB"), (1_234_567_890, "1.23GB"), (999_999, "1e+03kB")]
        for (n, want) in cases { #expect(SizeUnits.humanSize(n, binary: false) == want) }
        #expect(SizeUnits.humanSize(1536, binary: true) == "1.5KiB")
        #expect(SizeUnits.humanSize(Double(1 << 30), binary: true) == "1GiB")
    }

    @Test func parseSizeLikeGoUnits() throws {
        let cases: [(String, Bool, Int)] = [("1.5GB", false, 1_500_000_000), ("512m", false, 512_000_000),
                                            ("512m", true, 536_870_912), ("1GiB", false, 1 << 30), ("32", false, 32),
                                            ("32b", false, 32), ("2 kB", false, 2000), ("1.5k", true, 1536), ("1TB", false, 1_000_000_000_000)]
        for (s, binary, want) in cases { #expect(try SizeUnits.parse(s, binary: binary) == want, "\(s)") }
        for bad in ["", "lots", "-1", "1x", "1kbb", "1kiB2", "1 bytes"] {
            #expect(throws: DshError.self, "\(bad)") { try SizeUnits.parse(bad, binary: false) }
        }
    }

    @Test func bytesAndBase64() throws {
        #expect(try callBuiltin("base64", .string("hello")).sourceString == "\"aGVsbG8=\"")
        #expect(try callBuiltin("base64", .bytes([0xFB, 0xFF]), named: [("url", .bool(true))]).sourceString == "\"-_8=\"")
        guard case .bytes(let b) = try callBuiltin("base64_decode", .string("aGVsbG8")) else { Issue.record("not bytes"); return }
        #expect(b == Array("hello".utf8))
        for n in 0..<10 {
            let data = (0..<n).map { UInt8(($0 * 37 + 11) % 256) }
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
        #expect(errorMessage { try callBuiltin("decode", .bytes([0xFF])) }?.hasPrefix("decode: invalid UTF-8") == true)
    }

    // MARK: system

    @Test func filesAndGlob() throws {
        let dir = "/tmp/dsh-builtins-test-\(UInt32.random(in: 0...UInt32.max))"
        try callBuiltin("write_file", .string(dir + "-probe"), .string("x"))
        #expect(try callBuiltin("exists", .string(dir + "-probe")).sourceString == "true")
        // Build a small tree with the built-ins themselves.
        for path in ["a.dsh", "b.txt", "sub/c.dsh", "sub/deep/d.dsh", ".hidden.dsh"] {
            let full = dir + "/" + path
            let parent = String(full[..<full.lastIndex(of: "/")!])
            makeDirectories(parent)
            try callBuiltin("write_file", .string(full), .string(path))
        }
        try callBuiltin("write_file", .string(dir + "/b.txt"), .string("+more"), named: [("append", .bool(true))])
        #expect(try callBuiltin("read_file", .string(dir + "/b.txt")).sourceString == "\"b.txt+more\"")
        #expect(try callBuiltin("glob", .string(dir + "/*.dsh")).sourceString == "[\"\(dir)/a.dsh\"]")
        #expect(try callBuiltin("glob", .string(dir + "/**/*.dsh")).sourceString
                == "[\"\(dir)/a.dsh\", \"\(dir)/sub/c.dsh\", \"\(dir)/sub/deep/d.dsh\"]")
        #expect(try callBuiltin("glob", .string(dir + "/s?b/*")).sourceString == "[\"\(dir)/sub/c.dsh\", \"\(dir)/sub/deep\"]")
        #expect(try callBuiltin("glob", .string(dir + "/.*.dsh")).sourceString == "[\"\(dir)/.hidden.dsh\"]")
        #expect(errorMessage { try callBuiltin("read_file", .string(dir + "/missing")) }?.hasSuffix("No such file or directory") == true)
    }

    @Test func sleepWaitsAndWakesOnCancel() throws {
        let rt = BuiltinTestRuntime()
        let t0 = Builtins.monotonicSeconds()
        try callBuiltin("sleep", .float(0.05), rt: rt)
        #expect(Builtins.monotonicSeconds() - t0 >= 0.05)
        let token = rt.cancellation
        let t1 = Builtins.monotonicSeconds()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { token.cancel(reason: "stop") }
        #expect(errorMessage { try callBuiltin("sleep", .int(30), rt: rt) } == "stop")
        #expect(Builtins.monotonicSeconds() - t1 < 5)
    }

    @Test func tableWritesAndReturnsNil() throws {
        let rt = BuiltinTestRuntime()
        let rows = Value.list([.map(["Name": .string("web"), "Size": .int(1)]), .map(["Name": .string("db")])])
        let r = try callBuiltin("table", rows, rt: rt)
        #expect(r.typeName == "nil")
        #expect(rt.output == "Name   Size\nweb    1\ndb\n")
    }
}
