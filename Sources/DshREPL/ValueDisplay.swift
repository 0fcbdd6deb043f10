// ValueDisplay.swift: how the REPL shows the value of an entry.
import DshCore

/// How the REPL shows a value (what `print` would write is not always readable):
///
/// - `nil` shows nothing.
/// - Numbers, booleans: their source form (`42`, `2.5`, `true`).
/// - Strings are shown in source form, quoted and escaped (`"a\tb"`), so `"1"` and
///   `1` differ and stray whitespace is visible. A string with line breaks is shown
///   as a `"""` block with its lines as they are (readable logs and command output;
///   a display, not always valid source).
/// - A non-empty list whose items are all records (maps, or host objects with a
///   plain value) is an aligned table (`TableRenderer`), fitted to the terminal.
/// - Other lists: `[1, 2, 3]` on one line when it fits, else one item per line.
/// - A map: one `key: value` line per entry, values aligned, nested containers in
///   compact source form cut with `…` at the terminal's width.
/// - A host object: its display string, then its plain value's fields as for a map.
/// - An error: `error: message` and its fields.
/// - A stream is not shown whole: the REPL drains it and shows each item as it
///   arrives (`streamItem`): strings and log lines (`{stream:, text:}`) as plain
///   text, anything else on one line in source form.
///
/// Colours (ANSI) only when `color` is set (stdout is a terminal and `NO_COLOR` is unset).
public struct ValueDisplay {
    /// The terminal width in columns.
    public var width: Int
    /// Whether to use colours.
    public var color: Bool
    /// Whether to cut long lines at `width` (on a terminal).
    public var truncate: Bool

    /// Makes a display for a terminal `width` columns wide.
    public init(width: Int = 80, color: Bool = false, truncate: Bool = false) {
        self.width = max(20, width)
        self.color = color
        self.truncate = truncate
    }

    /// The text shown for `value`, without a final newline; nil when nothing is shown.
    public func render(_ value: Value) -> String? {
        switch value {
        case .null:
            return nil
        case .string(let s):
            return paint(ValueDisplay.stringForm(s), .green)
        case .int, .float:
            return paint(value.sourceString, .yellow)
        case .bool:
            return paint(value.sourceString, .magenta)
        case .list(let l):
            if !l.items.isEmpty && l.items.allSatisfy(ValueDisplay.isRecord) {
                // Objects that offer a summary (containers, images) show as `docker ps` does.
                let summaries = l.items.compactMap { v -> Value? in if case .object(let o) = v { return o.summary }; return nil }
                var table = TableRenderer.render(summaries.count == l.items.count ? summaries : l.items, width: width, color: color)
                while table.hasSuffix("\n") { table.removeLast() }
                return table
            }
            return listLines(l.items)
        case .map(let m):
            return m.entries.isEmpty ? "{}" : mapLines(m.entries.map { ($0.key, $0.value) }, indent: "")
        case .object(let o):
            if case .map(let m)? = o.plainValue, !m.entries.isEmpty {
                return paint(o.displayString, .bold) + "\n" + mapLines(m.entries.map { ($0.key, $0.value) }, indent: "  ")
            }
            return o.displayString
        case .error(let e):
            var out = paint("error: ", .red) + e.message
            if !e.fields.isEmpty { out += "\n" + mapLines(e.fields.map { ($0.key, $0.value) }, indent: "  ") }
            return out
        case .function, .stream, .bytes:
            return paint(value.sourceString, .dim)
        }
    }

    /// One item of a drained stream, on its own line(s).
    public func streamItem(_ value: Value) -> String {
        switch value {
        case .string(let s):
            return s.hasSuffix("\n") ? String(s.dropLast()) : s
        case .map(let m):
            if case .string(let text)? = m["text"], case .string(let stream)? = m["stream"],
               stream == "stdout" || stream == "stderr" {
                var line = text
                if case .string(let time)? = m["time"] { line = paint(time, .dim) + " " + line }
                return stream == "stderr" ? paint(line, .red) : line
            }
            return cut(value.sourceString)
        case .object(let o):
            if let plain = o.plainValue { return cut(plain.sourceString) }
            return o.displayString
        default:
            return cut(value.sourceString)
        }
    }

    /// Whether `v` is a record a table can show.
    static func isRecord(_ v: Value) -> Bool {
        switch v {
        case .map: return true
        case .object(let o): if case .map? = o.plainValue { return true } else { return false }
        default: return false
        }
    }

    /// A string in source form, or a `"""` block when it has line breaks.
    static func stringForm(_ s: String) -> String {
        guard s.contains("\n") else { return Value.quote(s) }
        var body = s
        if body.hasSuffix("\n") { body.removeLast() }
        return "\"\"\"\n" + body + "\n\"\"\""
    }

    private func listLines(_ items: [Value]) -> String {
        let one = Value.list(items).sourceString
        if displayWidth(one) <= width { return one }
        var out = "["
        for item in items { out += "\n  " + cut(item.sourceString, room: width - 3) + "," }
        return out + "\n]"
    }

    private func mapLines(_ entries: [(String, Value)], indent: String) -> String {
        let keys = entries.map { ValueDisplay.keyForm($0.0) }
        let keyWidth = min(30, keys.map(displayWidth).max() ?? 0)
        var lines: [String] = []
        for (i, entry) in entries.enumerated() {
            let key = keys[i]
            let pad = String(repeating: " ", count: max(0, keyWidth - displayWidth(key)))
            let room = width - displayWidth(indent) - keyWidth - 2
            let text: String
            switch entry.1 {
            case .string(let s) where !s.contains("\n"): text = paint(cut(Value.quote(s), room: room), .green)
            case .int, .float: text = paint(entry.1.sourceString, .yellow)
            case .bool: text = paint(entry.1.sourceString, .magenta)
            case .null: text = paint("nil", .dim)
            case .object(let o): text = cut(o.plainValue?.sourceString ?? o.displayString, room: room)
            default: text = cut(entry.1.sourceString, room: room)
            }
            lines.append(indent + paint(key, .cyan) + ": " + pad + text)
        }
        return lines.joined(separator: "\n")
    }

    static func keyForm(_ key: String) -> String {
        Completer.isIdentifier(key) ? key : Value.quote(key)
    }

    /// Cuts `s` to `room` columns (default: the width) with `…`, when truncating.
    private func cut(_ s: String, room: Int? = nil) -> String {
        let limit = max(8, room ?? width)
        guard truncate, displayWidth(s) > limit else { return s }
        return TableRenderer.truncate(s, to: limit)
    }

    private func displayWidth(_ s: String) -> Int { TableRenderer.displayWidth(s) }

    enum Style: String {
        case red = "31", green = "32", yellow = "33", magenta = "35", cyan = "36", bold = "1", dim = "2"
    }

    private func paint(_ s: String, _ style: Style) -> String {
        color ? "\u{1B}[\(style.rawValue)m" + s + "\u{1B}[0m" : s
    }
}
