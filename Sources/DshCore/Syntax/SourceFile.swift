// SourceFile.swift: a script's text and the positions within it.

/// One piece of source: a file, a `-c` string, or a REPL entry.
public final class SourceFile: Sendable {
    /// The name errors show (`script.dsh`, `<stdin>`, `<repl>`).
    public let name: String
    /// The whole text.
    public let text: String
    /// The path the file was read from, for resolving relative imports (nil for `-c`).
    public let path: String?

    /// Makes a source file.
    public init(name: String, text: String, path: String? = nil) {
        self.name = name
        self.text = text
        self.path = path
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
