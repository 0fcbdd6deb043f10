// LexerTests.swift: tokens, spans, newline rules, numbers and string literals.
import Testing
@testable import DshCore

private func lex(_ s: String) throws -> [Token] {
    try Lexer(SourceFile(name: "t", text: s)).tokenize()
}

private func kinds(_ s: String) throws -> [TokenKind] { try lex(s).map(\.kind) }

private func text(_ t: Token) -> String? {
    guard case .parts(let parts) = t.payload else { return nil }
    var out = ""
    for p in parts { if case .text(let s) = p { out += s } else { out += "${}" } }
    return out
}

@Suite struct LexerTests {
    @Test func spansHaveStartAndEnd() throws {
        let t = try lex("let total = 42\n  foo")
        #expect(t[0].kind == .kwLet)
        #expect(t[1].span.line == 1 && t[1].span.column == 5 && t[1].span.endColumn == 10)
        #expect(t[3].kind == .int && t[3].span.column == 13 && t[3].span.endColumn == 15)
        let foo = t.first { $0.name == "foo" }!
        #expect(foo.span.line == 2 && foo.span.column == 3)
    }

    @Test func newlinesEndStatementsExceptInBracketsAndAfterOperators() throws {
        #expect(try kinds("a\nb") == [.identifier, .newline, .identifier, .eof])
        #expect(try kinds("f(a,\nb)") == [.identifier, .lparen, .identifier, .comma, .identifier, .rparen, .eof])
        #expect(try kinds("[1\n2]") == [.lbracket, .int, .int, .rbracket, .eof])
        #expect(try kinds("a +\nb") == [.identifier, .plus, .identifier, .eof])
        #expect(try kinds("x = \n 1") == [.identifier, .assign, .int, .eof])
        #expect(try kinds("x =>\n 1") == [.identifier, .arrow, .int, .eof])
        // A block inside parentheses keeps its newlines.
        #expect(try kinds("f(x => {\na\nb\n})").filter { $0 == .newline }.count == 2)
    }

    @Test func leadingPipeOrDotContinuesTheLine() throws {
        #expect(try kinds("xs\n  | f\n  | g") == [.identifier, .pipe, .identifier, .pipe, .identifier, .eof])
        #expect(try kinds("a\n  # comment\n  .b") == [.identifier, .dot, .identifier, .eof])
        #expect(try kinds("a\n|| b") == [.identifier, .newline, .orOr, .identifier, .eof])
    }

    @Test func numbers() throws {
        let t = try lex("1_000 0xff 2.5 1e3 1.5e-2 1..3")
        guard case .int(1000) = t[0].payload, case .int(255) = t[1].payload,
              case .float(2.5) = t[2].payload, case .float(1000) = t[3].payload,
              case .float(0.015) = t[4].payload else {
            Issue.record("bad payloads: \(t.map(\.payload))")
            return
        }
        #expect(Array(t[5...].map(\.kind)) == [.int, .dotDot, .int, .eof])
        #expect(throws: DshError.self) { try lex("9223372036854775808") }
    }

    @Test func stringEscapesAndInterpolation() throws {
        let t = try lex(#""a\tb\n\"q\" \$x \u{1F600} ${1 + {a: 1}.a} ${"}"}""#)
        guard case .parts(let parts) = t[0].payload else { Issue.record("no parts"); return }
        guard case .text(let first) = parts[0] else { Issue.record("no text"); return }
        #expect(first == "a\tb\n\"q\" $x 😀 ")
        #expect(parts.count == 4)
        #expect(text(try lex("'raw \\n ${x}'")[0]) == "raw \\n ${x}")
    }

    @Test func multilineStringsDedentByTheClosingDelimiter() throws {
        let src = "let s = \"\"\"\n    a\n      b\n\n    c\n    \"\"\""
        #expect(text(try lex(src)[3]) == "a\n  b\n\nc")
        #expect(throws: DshError.self) { try lex("\"\"\"\n    a\n  b\n    \"\"\"") }
    }

    @Test func unterminatedInputIsIncomplete() {
        for src in ["\"abc", "'abc", "\"\"\"\nabc", "\"a ${1 + "] {
            do {
                _ = try lex(src)
                Issue.record("no error for \(src)")
            } catch let e as DshError {
                #expect(e.isIncompleteInput, "\(src)")
                #expect(e.kind == .syntax)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func commentsAndShebang() throws {
        #expect(try kinds("#!/usr/bin/env dsh\nx # c\n# only\ny") == [.identifier, .newline, .identifier, .eof])
    }

    @Test func notIn() throws {
        #expect(try kinds("a not in b") == [.identifier, .notIn, .identifier, .eof])
    }
}
