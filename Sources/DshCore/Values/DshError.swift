// DshError.swift: the errors a script can raise or meet.

/// An error raised while reading or running dsh code.
///
/// It carries the place (`span`) so the top level can print
/// `file:line:col: error: message`, the source line and a caret. Natives throw it
/// without a span (`DshError.runtime("...")`); the evaluator fills in the span of
/// the call that raised it.
///
/// `@unchecked Sendable`: an error may carry a dsh value (what `throw` threw), and
/// values belong to their interpreter's thread; errors are only read on that thread
/// or after the evaluation ended.
public struct DshError: Error, @unchecked Sendable, CustomStringConvertible {
    /// What kind of error this is.
    public enum Kind: Sendable, Equatable {
        /// Malformed source (lexer or parser).
        case syntax
        /// Found before running: an undefined name, assignment to a `let`, ...
        case resolve
        /// Raised while running (by the evaluator, a built-in, `throw` or a host).
        case runtime
        /// The evaluation was stopped: cancel, step budget or wall-clock limit.
        case interrupted
    }

    /// The kind.
    public var kind: Kind
    /// The message, without position.
    public var message: String
    /// Where it happened, when known.
    public var span: SourceSpan?
    /// The error as a dsh value (what `catch e` binds); made from `message` when nil.
    public var value: Value?
    /// For syntax errors: true when the input simply ended too early (an open
    /// bracket, string or block), so a REPL should read another line.
    public var isIncompleteInput: Bool
    /// A hint shown after the message ("did you mean `docker`?").
    public var hint: String?
    /// The dsh functions the error came through, innermost first, each with the place in
    /// it (the raise, then each call); at most `BacktraceFrame.limit` of them, the
    /// middle ones dropped (counted in `elidedFrames`).
    public private(set) var backtrace: [BacktraceFrame] = []
    /// Frames dropped from the middle of a very deep backtrace.
    public private(set) var elidedFrames = 0
    /// While the error unwinds a function: the first place in it a span was attached.
    var unwindSpan: SourceSpan?

    /// Makes an error.
    public init(_ kind: Kind, _ message: String, span: SourceSpan? = nil, value: Value? = nil,
                isIncompleteInput: Bool = false, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.span = span
        self.value = value
        self.isIncompleteInput = isIncompleteInput
        self.hint = hint
    }

    /// A runtime error with `message` and no span yet.
    public static func runtime(_ message: String) -> DshError { DshError(.runtime, message) }

    /// A runtime error carrying extra members (`status`, `request`, ...).
    public static func runtime(_ message: String, fields: [(String, Value)]) -> DshError {
        var f = ErrorValue(message: message).fields
        for (k, v) in fields { f[k] = v }
        return DshError(.runtime, message, value: .error(ErrorValue(message: message, fields: f)))
    }

    /// `file:line:col: error: message` (or `error: message` without a span).
    public var description: String {
        if let span { return "\(span): error: \(message)" }
        return "error: \(message)"
    }

    /// The full report: the first line, then the source line and a caret under the
    /// place (placed by display column), then the hint if any.
    public var report: String {
        var out = description
        if let span {
            let line = span.file.lineText(span.line)
            if !line.isEmpty || span.column == 1 {
                out += "\n" + line + "\n"
                var pad = ""
                var col = 1
                for ch in line {
                    if col >= span.column { break }
                    pad += ch == "\t" ? "\t" : String(repeating: " ", count: DshError.displayWidth(ch))
                    col += 1
                }
                let width = span.endLine == span.line ? max(1, span.endColumn - span.column) : 1
                out += pad + "^" + String(repeating: "~", count: max(0, min(width, 200) - 1))
            }
        }
        if let hint { out += "\nhint: \(hint)" }
        return out
    }

    /// Records that the error left a function (called as it unwinds).
    mutating func enter(_ frame: BacktraceFrame) {
        backtrace.append(frame)
        unwindSpan = nil
        if backtrace.count > BacktraceFrame.limit {
            backtrace.remove(at: BacktraceFrame.limit - BacktraceFrame.outermost - 1)
            elidedFrames += 1
        }
    }

    /// The backtrace as text, innermost first: `  at NAME (file:line:col)` per frame.
    public var backtraceReport: String {
        var lines: [String] = []
        for (i, frame) in backtrace.enumerated() {
            if elidedFrames > 0 && i == BacktraceFrame.limit - BacktraceFrame.outermost - 1 {
                lines.append("  ... \(elidedFrames) more")
            }
            lines.append("  at \(frame.function)" + (frame.span.map { " (\($0))" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    /// Terminal columns a character takes: 2 for wide East Asian and emoji, else 1.
    static func displayWidth(_ ch: Character) -> Int { DisplayWidth.of(ch) }

}

/// One function an error came through, and the place in it.
public struct BacktraceFrame: Sendable, CustomStringConvertible {
    /// The most frames kept, and how many of them are the outermost ones.
    static let limit = 64, outermost = 16
    /// The function's name (`<script>` for a file's top level, `<lambda>`, `<defer>`).
    public let function: String
    /// Where in it the error was raised or the next function was called.
    public let span: SourceSpan?

    /// `name (file:line:col)`.
    public var description: String { function + (span.map { " (\($0))" } ?? "") }
}

/// Thrown by `exit(n)`: ends the script with status `code`, running pending `defer`s.
public struct ExitRequest: Error, Sendable {
    /// The exit status.
    public let code: Int32
    /// Makes an exit request.
    public init(code: Int32) { self.code = code }
}
