// Lexer.swift: turns source text into tokens with spans, deciding where newlines end
// statements and lexing string literals (escapes, interpolation, multi-line dedent).

/// Splits a `SourceFile` into tokens.
///
/// Newlines become `.newline` tokens (statement ends) except inside `(` and `[`,
/// inside `${...}`, after a token that cannot end an expression (a binary operator,
/// `|`, `,`, `=`, `=>`, an opening bracket) and before a line whose first character is
/// `|` (not `||`) or `.`, so pipelines can be written one stage per line.
public final class Lexer {
    private let file: SourceFile
    private let src: [Unicode.Scalar]
    private var pos = 0
    private var line = 1
    private var col = 1
    /// Starts of the `${` currently open, innermost last (for error messages).
    private var interpolationStarts: [SourceSpan] = []

    /// Makes a lexer over `file`.
    public init(_ file: SourceFile) {
        self.file = file
        self.src = Array(file.text.unicodeScalars)
    }

    /// All tokens of the file, ending with `.eof`.
    public func tokenize() throws -> [Token] {
        if let bad = file.invalidUTF8 {
            let hex = String(bad.byte, radix: 16, uppercase: true)
            throw error("invalid UTF-8 (byte 0x\(hex.count == 1 ? "0" : "")\(hex)): a script must be UTF-8 text", line: bad.line, col: bad.column)
        }
        return try scan(inInterpolation: false)
    }

    // MARK: - Character access

    @inline(__always) private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = pos + offset
        return i < src.count ? src[i] : nil
    }

    @discardableResult
    private func advance() -> Unicode.Scalar {
        let c = src[pos]
        pos += 1
        if c == "\n" { line += 1; col = 1 } else { col += 1 }
        return c
    }

    private func span(fromLine l: Int, col c: Int) -> SourceSpan {
        SourceSpan(file: file, line: l, column: c, endLine: line, endColumn: col)
    }

    private func error(_ message: String, line l: Int, col c: Int, incomplete: Bool = false) -> DshError {
        DshError(.syntax, message, span: SourceSpan(file: file, line: l, column: c), isIncompleteInput: incomplete)
    }

    private static func isIdentStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || (c.value > 127 && c.properties.isAlphabetic)
    }

    private static func isIdentChar(_ c: Unicode.Scalar) -> Bool {
        isIdentStart(c) || ("0"..."9").contains(c)
    }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return ("0"..."9").contains(c)
    }

    // MARK: - Token loop

    /// Scans tokens until the end of input, or (inside `${`) until the `}` that closes it.
    private func scan(inInterpolation: Bool) throws -> [Token] {
        var tokens: [Token] = []
        var brackets: [Unicode.Scalar] = []
        var space = true
        while true {
            // Whitespace (a lone \r counts as whitespace, so CRLF files read as LF).
            while let c = peek(), c == " " || c == "\t" || c == "\r" || c == "\u{FEFF}" {
                advance()
                space = true
            }
            guard let c = peek() else {
                if inInterpolation, let start = interpolationStarts.last {
                    throw DshError(.syntax, "unterminated interpolation", span: start, isIncompleteInput: true)
                }
                tokens.append(Token(kind: .eof, span: span(fromLine: line, col: col), spaceBefore: true))
                return tokens
            }
            let startLine = line, startCol = col
            if c == "#" {
                while let d = peek(), d != "\n" { advance() }
                continue
            }
            if c == "\n" {
                advance()
                space = true
                if let top = brackets.last, top != "{" { continue }
                if inInterpolation && brackets.isEmpty { continue }
                guard let last = tokens.last, last.kind != .newline, last.kind != .semicolon,
                      !last.kind.continuesLine else { continue }
                if nextLineContinues() { continue }
                tokens.append(Token(kind: .newline, span: SourceSpan(file: file, line: startLine, column: startCol),
                                    spaceBefore: true))
                continue
            }
            let before = space
            space = false
            func emit(_ kind: TokenKind, _ length: Int, _ payload: TokenPayload = .none) {
                for _ in 0..<length { advance() }
                tokens.append(Token(kind: kind, span: span(fromLine: startLine, col: startCol), payload: payload,
                                    spaceBefore: before))
            }
            if Lexer.isIdentStart(c) {
                var name = String.UnicodeScalarView()
                while let d = peek(), Lexer.isIdentChar(d) { name.append(advance()) }
                let word = String(name)
                if let kw = TokenKind.keywords[word] {
                    tokens.append(Token(kind: kw, span: span(fromLine: startLine, col: startCol), spaceBefore: before))
                } else if word == "not", followedByKeywordIn() {
                    while let d = peek(), d == " " || d == "\t" { advance() }
                    advance(); advance()  // "in"
                    tokens.append(Token(kind: .notIn, span: span(fromLine: startLine, col: startCol), spaceBefore: before))
                } else {
                    tokens.append(Token(kind: .identifier, span: span(fromLine: startLine, col: startCol),
                                        payload: .name(word), spaceBefore: before))
                }
                continue
            }
            if Lexer.isDigit(c) {
                tokens.append(try lexNumber(before))
                continue
            }
            switch c {
            case "\"":
                if peek(1) == "\"" && peek(2) == "\"" {
                    tokens.append(try lexMultiline(before))
                } else {
                    tokens.append(try lexString(before))
                }
            case "'":
                tokens.append(try lexRaw(before))
            case "(": brackets.append("("); emit(.lparen, 1)
            case "[": brackets.append("["); emit(.lbracket, 1)
            case "{": brackets.append("{"); emit(.lbrace, 1)
            case ")", "]", "}":
                if brackets.isEmpty {
                    if c == "}" && inInterpolation {
                        advance()
                        tokens.append(Token(kind: .eof, span: span(fromLine: startLine, col: startCol), spaceBefore: before))
                        return tokens
                    }
                } else {
                    brackets.removeLast()
                }
                emit(c == ")" ? .rparen : c == "]" ? .rbracket : .rbrace, 1)
            case ",": emit(.comma, 1)
            case ";": emit(.semicolon, 1)
            case ":": emit(.colon, 1)
            case ".":
                if peek(1) == "." {
                    if peek(2) == "<" { emit(.dotDotLess, 3) } else { emit(.dotDot, 2) }
                } else {
                    emit(.dot, 1)
                }
            case "?":
                if peek(1) == "." { emit(.questionDot, 2) }
                else if peek(1) == "?" { emit(.questionQuestion, 2) }
                else { throw error("unexpected character '?'", line: startLine, col: startCol) }
            case "=":
                if peek(1) == "=" { emit(.equal, 2) }
                else if peek(1) == ">" { emit(.arrow, 2) }
                else if peek(1) == "~" { emit(.match, 2) }
                else { emit(.assign, 1) }
            case "!":
                if peek(1) == "=" { emit(.notEqual, 2) } else { emit(.bang, 1) }
            case "<":
                if peek(1) == "=" { emit(.lessEqual, 2) } else { emit(.less, 1) }
            case ">":
                if peek(1) == "=" { emit(.greaterEqual, 2) } else { emit(.greater, 1) }
            case "|":
                if peek(1) == "|" { emit(.orOr, 2) } else { emit(.pipe, 1) }
            case "&":
                if peek(1) == "&" { emit(.andAnd, 2) }
                else { throw error("unexpected character '&' (did you mean '&&'?)", line: startLine, col: startCol) }
            case "+":
                if peek(1) == "=" { emit(.plusAssign, 2) } else { emit(.plus, 1) }
            case "-":
                if peek(1) == "=" { emit(.minusAssign, 2) } else { emit(.minus, 1) }
            case "*":
                if peek(1) == "=" { emit(.starAssign, 2) } else { emit(.star, 1) }
            case "/":
                if peek(1) == "=" { emit(.slashAssign, 2) }
                else if peek(1) == "/" { emit(.slashSlash, 2) }
                else { emit(.slash, 1) }
            case "%":
                if peek(1) == "=" { emit(.percentAssign, 2) } else { emit(.percent, 1) }
            default:
                throw error("unexpected character '\(c.escaped(asASCII: false))'", line: startLine, col: startCol)
            }
        }
    }

    /// Whether `in` (as a whole word) follows after blanks: `not in`.
    private func followedByKeywordIn() -> Bool {
        var i = pos
        while i < src.count, src[i] == " " || src[i] == "\t" { i += 1 }
        guard i > pos, i + 1 < src.count, src[i] == "i", src[i + 1] == "n" else { return false }
        return i + 2 >= src.count || !Lexer.isIdentChar(src[i + 2])
    }

    /// Whether the next non-blank, non-comment line starts with `|` (not `||`) or `.`.
    private func nextLineContinues() -> Bool {
        var i = pos
        while i < src.count {
            let c = src[i]
            if c == " " || c == "\t" || c == "\r" || c == "\n" { i += 1; continue }
            if c == "#" {
                while i < src.count, src[i] != "\n" { i += 1 }
                continue
            }
            let next: Unicode.Scalar? = i + 1 < src.count ? src[i + 1] : nil
            if c == "|" { return next != "|" }
            if c == "." { return next != "." }
            return false
        }
        return false
    }

    // MARK: - Numbers

    private func lexNumber(_ before: Bool) throws -> Token {
        let startLine = line, startCol = col
        var text = ""
        var isFloat = false
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            advance(); advance()
            while let d = peek(), d.properties.isASCIIHexDigit || d == "_" {
                if d != "_" { text.unicodeScalars.append(d) }
                advance()
            }
            guard !text.isEmpty else { throw error("expected hex digits after '0x'", line: startLine, col: startCol) }
            guard let v = Int(text, radix: 16) else {
                throw error("integer literal too large", line: startLine, col: startCol)
            }
            return Token(kind: .int, span: span(fromLine: startLine, col: startCol), payload: .int(v), spaceBefore: before)
        }
        func digits() {
            while let d = peek(), Lexer.isDigit(d) || d == "_" {
                if d != "_" { text.unicodeScalars.append(d) }
                advance()
            }
        }
        digits()
        if peek() == ".", Lexer.isDigit(peek(1)) {
            isFloat = true
            text += "."
            advance()
            digits()
        }
        if let e = peek(), e == "e" || e == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if Lexer.isDigit(peek(signed ? 2 : 1)) {
                isFloat = true
                text += "e"
                advance()
                if signed { text.unicodeScalars.append(advance()) }
                digits()
            }
        }
        if let d = peek(), Lexer.isIdentStart(d) {
            throw error("invalid character '\(d)' in number literal", line: line, col: col)
        }
        if isFloat {
            guard let v = Double(text) else { throw error("invalid float literal", line: startLine, col: startCol) }
            return Token(kind: .float, span: span(fromLine: startLine, col: startCol), payload: .float(v), spaceBefore: before)
        }
        guard let v = Int(text) else { throw error("integer literal too large", line: startLine, col: startCol) }
        return Token(kind: .int, span: span(fromLine: startLine, col: startCol), payload: .int(v), spaceBefore: before)
    }

    // MARK: - Strings

    /// Reads a `\` escape into `buf`.
    private func lexEscape(into buf: inout String.UnicodeScalarView) throws {
        let l = line, c = col
        advance()  // backslash
        guard let e = peek() else { throw error("unterminated string", line: l, col: c, incomplete: true) }
        advance()
        switch e {
        case "n": buf.append("\n")
        case "t": buf.append("\t")
        case "r": buf.append("\r")
        case "0": buf.append("\0")
        case "\\": buf.append("\\")
        case "\"": buf.append("\"")
        case "'": buf.append("'")
        case "$": buf.append("$")
        case "u":
            guard peek() == "{" else { throw error("expected '{' after \\u", line: l, col: c) }
            advance()
            var hex = ""
            while let d = peek(), d != "}" {
                guard d.properties.isASCIIHexDigit, hex.count < 8 else {
                    throw error("invalid \\u{...} escape", line: l, col: c)
                }
                hex.unicodeScalars.append(advance())
            }
            guard peek() == "}" else { throw error("unterminated \\u{...} escape", line: l, col: c, incomplete: true) }
            advance()
            guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                throw error("invalid unicode scalar in \\u{\(hex)}", line: l, col: c)
            }
            buf.append(scalar)
        default:
            throw error("unknown escape sequence '\\\(e)'", line: l, col: c)
        }
    }

    /// Reads `${ ... }` and appends it to `parts`.
    private func lexInterpolation(into parts: inout [StringPart]) throws {
        let l = line, c = col
        advance(); advance()  // ${
        let start = SourceSpan(file: file, line: l, column: c, endLine: l, endColumn: c + 2)
        guard interpolationStarts.count < 64 else { throw error("interpolation nested too deep", line: l, col: c) }
        interpolationStarts.append(start)
        defer { interpolationStarts.removeLast() }
        let tokens = try scan(inInterpolation: true)
        if tokens.count == 1 { throw error("empty interpolation '${}'", line: l, col: c) }
        parts.append(.code(tokens, span(fromLine: l, col: c)))
    }

    private func unterminated(_ what: String, line l: Int, col c: Int, incomplete: Bool = true) -> DshError {
        if let start = interpolationStarts.last {
            return DshError(.syntax, "unterminated interpolation", span: start, isIncompleteInput: incomplete)
        }
        return error("unterminated \(what)", line: l, col: c, incomplete: incomplete)
    }

    /// A `"..."` string.
    private func lexString(_ before: Bool) throws -> Token {
        let startLine = line, startCol = col
        advance()
        var parts: [StringPart] = []
        var buf = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw unterminated("string", line: startLine, col: startCol) }
            if c == "\"" { advance(); break }
            if c == "\n" { throw unterminated("string", line: startLine, col: startCol, incomplete: false) }
            if c == "\\" { try lexEscape(into: &buf); continue }
            if c == "$" && peek(1) == "{" {
                if !buf.isEmpty { parts.append(.text(String(buf))); buf = String.UnicodeScalarView() }
                try lexInterpolation(into: &parts)
                continue
            }
            if c == "\r" && peek(1) == "\n" { advance(); continue }
            buf.append(advance())
        }
        if !buf.isEmpty || parts.isEmpty { parts.append(.text(String(buf))) }
        return Token(kind: .string, span: span(fromLine: startLine, col: startCol), payload: .parts(parts), spaceBefore: before)
    }

    /// A `'...'` raw string: no escapes, no interpolation.
    private func lexRaw(_ before: Bool) throws -> Token {
        let startLine = line, startCol = col
        advance()
        var buf = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw unterminated("string", line: startLine, col: startCol) }
            if c == "\n" { throw unterminated("string", line: startLine, col: startCol, incomplete: false) }
            advance()
            if c == "'" { break }
            buf.append(c)
        }
        return Token(kind: .string, span: span(fromLine: startLine, col: startCol), payload: .parts([.text(String(buf))]),
                     spaceBefore: before)
    }

    /// A `"""..."""` string: the first newline after the opening is dropped, the
    /// indentation of the closing delimiter is removed from every line, and the
    /// newline before the closing delimiter's line is not part of the string.
    private func lexMultiline(_ before: Bool) throws -> Token {
        let startLine = line, startCol = col
        advance(); advance(); advance()
        // Find the closing delimiter.
        var i = pos
        var close = -1
        while i < src.count {
            let c = src[i]
            if c == "\\" { i += 2; continue }
            if c == "$", i + 1 < src.count, src[i + 1] == "{" {
                var depth = 0
                i += 1
                while i < src.count {
                    if src[i] == "{" { depth += 1 } else if src[i] == "}" { depth -= 1; if depth == 0 { break } }
                    i += 1
                }
                i += 1
                continue
            }
            if c == "\"", i + 2 < src.count, src[i + 1] == "\"", src[i + 2] == "\"" { close = i; break }
            i += 1
        }
        guard close >= 0 else { throw unterminated("multi-line string", line: startLine, col: startCol) }
        // The closing line's indentation.
        var indent = 0
        var contentEnd = close
        var j = close - 1
        while j >= pos, src[j] == " " || src[j] == "\t" { j -= 1 }
        if j >= pos, src[j] == "\n" {
            indent = close - j - 1
            contentEnd = j > pos && src[j - 1] == "\r" ? j - 1 : j
        } else if j < pos {
            indent = 0
            contentEnd = close
        }
        // Drop the rest of the opening line when blank.
        var k = pos
        while k < src.count, src[k] == " " || src[k] == "\t" || src[k] == "\r" { k += 1 }
        var atLineStart = false
        if k < src.count, src[k] == "\n", k < close {
            while pos <= k { advance() }
            atLineStart = true
        }
        var parts: [StringPart] = []
        var buf = String.UnicodeScalarView()
        while pos < contentEnd {
            if atLineStart {
                atLineStart = false
                // Strip the indentation; a blank line may be shorter.
                var n = 0
                while n < indent, pos < contentEnd, peek() == " " || peek() == "\t" { advance(); n += 1 }
                if n < indent, pos < contentEnd, let c = peek(), c != "\n", c != "\r" {
                    throw error("insufficient indentation in multi-line string", line: line, col: col)
                }
                continue
            }
            let c = src[pos]
            if c == "\\" { try lexEscape(into: &buf); continue }
            if c == "$" && peek(1) == "{" {
                if !buf.isEmpty { parts.append(.text(String(buf))); buf = String.UnicodeScalarView() }
                try lexInterpolation(into: &parts)
                continue
            }
            if c == "\r" && peek(1) == "\n" { advance(); continue }
            buf.append(advance())
            if c == "\n" { atLineStart = true }
        }
        while pos < close + 3 { advance() }
        if !buf.isEmpty || parts.isEmpty { parts.append(.text(String(buf))) }
        return Token(kind: .string, span: span(fromLine: startLine, col: startCol), payload: .parts(parts), spaceBefore: before)
    }
}
