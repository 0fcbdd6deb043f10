// SourceFile.swift: a script's text and the positions within it.

/// One piece of source: a file, a `-c` string, or a REPL entry.
public final class SourceFile: Sendable {
    /// The name errors show (`script.dsh`, `<stdin>`, `<repl>`).
    public let name: String
    /// The whole text.
    public let text: String
    /// The path the file was read from, for resolving relative imports (nil for `-c`).
    public let path: String?

    /// Where the bytes the file was read from stop being UTF-8 (nil when they are, or
    /// when it was made from text): the lexer reports it as a syntax error there.
    public let invalidUTF8: (line: Int, column: Int, byte: UInt8)?

    /// Makes a source file.
    public init(name: String, text: String, path: String? = nil) {
        self.name = name
        self.text = text
        self.path = path
        self.invalidUTF8 = nil
    }

    /// Makes a source file from bytes read from a file. Bytes that are not UTF-8 are not
    /// guessed at: `text` shows them as U+FFFD, and lexing the file fails with an error
    /// at the first of them (`invalidUTF8`).
    public init(name: String, bytes: [UInt8], path: String? = nil) {
        self.name = name
        self.path = path
        if let text = String(validating: bytes, as: UTF8.self) {
            self.text = text
            self.invalidUTF8 = nil
            return
        }
        self.text = String(decoding: bytes, as: UTF8.self)
        self.invalidUTF8 = SourceFile.firstInvalidUTF8(bytes)
    }

    /// The line, column (in scalars, as spans count them) and value of the first byte
    /// that is not part of valid UTF-8.
    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> (line: Int, column: Int, byte: UInt8)? {
        var line = 1, column = 1
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let u):
                offset += UTF8.width(u)
                if u == "\n" { line += 1; column = 1 } else { column += 1 }
            case .emptyInput:
                return nil
            case .error:
                return (line, column, bytes[min(offset, bytes.count - 1)])
            }
        }
    }

    /// The text of line `line` (1-based), without its newline; "" when out of range.
    public func lineText(_ line: Int) -> String {
        var current = 1
        var start = text.startIndex
        while current < line {
            guard let nl = text[start...].firstIndex(of: "\n") else { return "" }
            start = text.index(after: nl)
            current += 1
        }
        let end = text[start...].firstIndex(of: "\n") ?? text.endIndex
        var s = String(text[start..<end])
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}

/// A range of source: where a token, node or error starts and ends. Lines and
/// columns are 1-based; columns count Unicode scalars (characters) on the line.
public struct SourceSpan: Sendable, Equatable, CustomStringConvertible {
    /// The file this span is in.
    public let file: SourceFile
    /// First line.
    public let line: Int
    /// First column.
    public let column: Int
    /// Last line.
    public let endLine: Int
    /// Column just past the end (on `endLine`).
    public let endColumn: Int

    /// Makes a span.
    public init(file: SourceFile, line: Int, column: Int, endLine: Int? = nil, endColumn: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.endLine = endLine ?? line
        self.endColumn = endColumn ?? (column + 1)
    }

    /// `name:line:col`.
    public var description: String { "\(file.name):\(line):\(column)" }

    /// Spans compare by position and file identity.
    public static func == (a: SourceSpan, b: SourceSpan) -> Bool {
        a.file === b.file && a.line == b.line && a.column == b.column && a.endLine == b.endLine && a.endColumn == b.endColumn
    }
}
