// JSONTests.swift: JSON decoding into values, encoding, and hostile input.
import Testing
@testable import DshCore

@Suite struct JSONTests {
    private func decoded(_ s: String) throws -> String { try JSON.decode(s).sourceString }

    private func failure(_ s: String) -> String? {
        errorMessage { try JSON.decode(s) }
    }

    @Test func scalarsAndContainers() throws {
        #expect(try decoded("null") == "nil")
        #expect(try decoded(" true ") == "true")
        #expect(try decoded("false") == "false")
        #expect(try decoded("0") == "0")
        #expect(try decoded("-0") == "0")
        #expect(try decoded("42") == "42")
        #expect(try decoded("-17") == "-17")
        #expect(try decoded("2.5") == "2.5")
        #expect(try decoded("5.0") == "5.0")
        #expect(try decoded("1e2") == "100.0")
        #expect(try decoded("-1.5E-3") == "-0.0015")
        #expect(try decoded("0.1") == "0.1")
        #expect(try decoded("[]") == "[]")
        #expect(try decoded("{}") == "{}")
        #expect(try decoded(#"{"b": [1, {"c": null}], "a": "x"}"#) == #"{b: [1, {c: nil}], a: "x"}"#)
        #expect(try decoded("\u{FEFF}[1]") == "[1]")
    }

    @Test func integersStayIntegersWhileTheyFit() throws {
        #expect(try JSON.decode("9223372036854775807").typeName == "int")
        #expect(try JSON.decode("-9223372036854775808").sourceString == "-9223372036854775808")
        let big = try JSON.decode("9223372036854775808")
        #expect(big.typeName == "float")
        #expect(big.sourceString == "9.223372036854776e+18")
        #expect(try JSON.decode("123456789012345678901234567890").sourceString == "1.2345678901234568e+29")
        #expect(try decoded("1e400") == "inf")
        #expect(try decoded(String(repeating: "9", count: 5000)) == "inf")
        #expect(try decoded("0." + String(repeating: "0", count: 400) + "1") == "0.0")
    }

    @Test func floatsRoundTripExactly() throws {
        let values: [Double] = [0.1, 0.2, 0.30000000000000004, 1.7976931348623157e308, Double.leastNonzeroMagnitude, 2.2250738585072014e-308,
                                123456.789, 1e21, 1e-7, 3.141592653589793, 9007199254740992, 0.000123]
        for d in values {
            let text = try JSON.encode(.float(d))
            guard case .float(let back) = try JSON.decode(text) else { Issue.record("\(text) not a float"); continue }
            #expect(back == d, "\(text)")
        }
        // Decimal text with 17 significant digits, parsed by the fast and slow paths.
        #expect(try decoded("0.30000000000000004") == "0.30000000000000004")
        #expect(try decoded("1.7976931348623157e308") == "1.7976931348623157e+308")
    }

    @Test func stringsAndEscapes() throws {
        #expect(try decoded(#""plain""#) == #""plain""#)
        #expect(try JSON.decode(#""a\nb\t\"q\" \\ \/ \b\f\r""#).displayString == "a\nb\t\"q\" \\ / \u{8}\u{C}\r")
        #expect(try JSON.decode(#""\u00e9\u4e2d""#).displayString == "é中")
        #expect(try JSON.decode(#""\ud83d\ude00""#).displayString == "😀")
        #expect(try JSON.decode("\"héllo 😀\"").displayString == "héllo 😀")
    }

    @Test func duplicateKeysKeepFirstPositionAndLastValue() throws {
        #expect(try decoded(#"{"a": 1, "b": 2, "a": 3}"#) == "{a: 3, b: 2}")
    }

    @Test func hostileInputGivesOffsetsNotCrashes() {
        #expect(failure("") == "invalid JSON at offset 0: empty input")
        #expect(failure("   ") == "invalid JSON at offset 3: unexpected end of input")
        #expect(failure("[1, 2") == "invalid JSON at offset 5: unexpected end of input (an array is not closed)")
        #expect(failure(#"{"a": }"#) == "invalid JSON at offset 6: unexpected character '}'")
        #expect(failure(#"{"a" 1}"#) == "invalid JSON at offset 5: expected ':' after object key, found character '1'")
        #expect(failure("{1: 2}") == "invalid JSON at offset 1: expected a string key in object, found character '1'")
        #expect(failure("[1 2]") == "invalid JSON at offset 3: expected ',' or ']' in array, found character '2'")
        #expect(failure("[1,]") == "invalid JSON at offset 3: unexpected character ']'")
        #expect(failure("nul") == "invalid JSON at offset 3: unexpected end of input")
        #expect(failure("nulL") == "invalid JSON at offset 0: invalid literal (expected 'null')")
        #expect(failure("[1] x") == "invalid JSON at offset 4: unexpected data after the JSON value (unexpected character 'x')")
        #expect(failure("01") == "invalid JSON at offset 0: leading zeros are not allowed in numbers")
        #expect(failure("-") == "invalid JSON at offset 1: unexpected end of input in a number")
        #expect(failure("1.") == "invalid JSON at offset 2: invalid number (expected a digit after '.')")
        #expect(failure("1e+") == "invalid JSON at offset 3: invalid number (expected a digit in the exponent)")
        #expect(failure("+1") == "invalid JSON at offset 0: unexpected character '+'")
        #expect(failure(#""abc"#) == "invalid JSON at offset 4: unexpected end of input (a string is not closed)")
        #expect(failure(#""a\"#) == "invalid JSON at offset 3: unexpected end of input in an escape")
        #expect(failure(#""\x""#) == #"invalid JSON at offset 1: invalid escape '\x' in string"#)
        #expect(failure(#""\u12zz""#) == "invalid JSON at offset 1: invalid \\u escape (expected 4 hex digits)")
        #expect(failure(#""\u12""#) == "invalid JSON at offset 6: unexpected end of input in a \\u escape")
        #expect(failure(#""\ud83d""#) == "invalid JSON at offset 1: lone surrogate \\uD83D in string")
        #expect(failure(#""\ude00x""#) == "invalid JSON at offset 1: lone surrogate \\uDE00 in string")
        #expect(failure(#""\ud83d\u0041""#) == "invalid JSON at offset 1: lone surrogate \\uD83D in string")
        #expect(failure("\"a\nb\"") == "invalid JSON at offset 2: control character in string (escape it)")
        #expect(failure("[NaN]") == "invalid JSON at offset 1: unexpected character 'N'")
        #expect(failure("\u{1}") == "invalid JSON at offset 0: unexpected byte 0x1")
    }

    @Test func invalidUTF8IsAnError() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(errorMessage { try JSON.decode(bytes) } == "invalid JSON at offset 2: invalid UTF-8 in string")
        let truncated: [UInt8] = [0x22, 0xE2, 0x82, 0x22]
        #expect(errorMessage { try JSON.decode(truncated) }?.hasPrefix("invalid JSON at offset 1: invalid UTF-8") == true)
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var rng = SplitMix(seed: 7)
        let interesting: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F, 0xA0, 0xEF, 0xF0, 0x90,
                                    0xF4, 0x8F, 0x90, 0xF5, 0xFF]
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 7)
            let bytes = (0..<n).map { _ in interesting[Int(rng.next() % UInt64(interesting.count))] }
            let ours = bytes.withUnsafeBufferPointer { UTF8Check.firstInvalid($0) }
            let stdlib = String(validating: bytes, as: UTF8.self)
            #expect((ours == nil) == (stdlib != nil), "\(bytes)")
        }
    }

    @Test func depthIsLimited() throws {
        let ok = String(repeating: "[", count: JSON.maxDepth) + String(repeating: "]", count: JSON.maxDepth)
        #expect(try JSON.decode(ok).typeName == "list")
        let deep = String(repeating: "[", count: 100_000)
        #expect(errorMessage { try JSON.decode(deep) } == "invalid JSON at offset \(JSON.maxDepth): nesting deeper than \(JSON.maxDepth) levels")
        let deepObjects = String(repeating: #"{"a":"#, count: 10_000)
        #expect(errorMessage { try JSON.decode(deepObjects) }?.contains("nesting deeper than") == true)
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SplitMix(seed: 42)
        let alphabet = Array(#"{}[]",:0123456789.eE+-truefalsnul\ "#.utf8) + [0x00, 0xFF, 0xC3, 0xA9]
        var decodedSome = 0
        for _ in 0..<5000 {
            let n = Int(rng.next() % 24)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            do { _ = try JSON.decode(bytes); decodedSome += 1 } catch let e as DshError {
                #expect(e.message.hasPrefix("invalid JSON at offset "))
            } catch { Issue.record("unexpected error \(error)") }
        }
        #expect(decodedSome > 0)
    }

    @Test func encodeCompactAndPretty() throws {
        let v = Value.map(["name": .string("web"), "ports": ints(80, 443), "labels": .map([:]), "ratio": .float(0.5),
                           "none": .null, "ok": .bool(true), "big": .float(1e20)])
        #expect(try JSON.encode(v) == #"{"name":"web","ports":[80,443],"labels":{},"ratio":0.5,"none":null,"ok":true,"big":1.0e+20}"#)
        #expect(try JSON.encode(.list([.map(["a": .int(1)]), .list([]), .list([.null])]), pretty: true) == """
        [
          {
            "a": 1
          },
          [],
          [
            null
          ]
        ]
        """)
        #expect(try JSON.encode(.string("q\"\\\n\u{7}é😀")) == #""q\"\\\n\u0007é😀""#)
        #expect(try JSON.encode(.int(Int.min)) == "-9223372036854775808")
        #expect(try JSON.encode(.bytes(Array("hi".utf8))) == #""aGk=""#)
        #expect(try JSON.encode(.error(ErrorValue(message: "x", fields: ["status": .int(404)]))) == #"{"message":"x","status":404}"#)
    }

    @Test func encodeRefusesWhatJSONCannotHold() {
        #expect(errorMessage { try JSON.encode(.float(.nan)) }?.contains("cannot encode nan") == true)
        #expect(errorMessage { try JSON.encode(.float(.infinity)) }?.contains("cannot encode inf") == true)
        #expect(errorMessage { try JSON.encode(.list([.function(NativeFunction("f") { _, _ in .null })])) } == "json: cannot encode a function (f)")
        #expect(errorMessage { try JSON.encode(.stream(ProbeStream())) }?.hasPrefix("json: cannot encode a stream") == true)
        let l = ListRef()
        l.items.append(.list(l))
        #expect(errorMessage { try JSON.encode(.list(l)) } == "json: cannot encode a value that contains itself")
        var deep = Value.list([])
        for _ in 0..<600 { deep = .list([deep]) }
        #expect(errorMessage { try JSON.encode(deep) }?.contains("nested deeper") == true)
    }

    @Test func roundTripKeepsOrderAndTypes() throws {
        let text = #"{"zeta":1,"alpha":[1.5,true,null,"x",{"k":-2}],"mid":"\u0001"}"#
        let v = try JSON.decode(text)
        #expect(try JSON.encode(v) == text)
        #expect(try Value.equals(try JSON.decode(try JSON.encode(v, pretty: true)), v))
    }
}

/// A small deterministic random generator for fuzz-style tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
