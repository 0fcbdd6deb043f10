// TableRenderer.swift: renders records (maps, or host objects with a plain value) as an
// aligned text table like `docker ps`, fitting a terminal width when given one.

/// Aligned tables of records.
public enum TableRenderer {
    /// Spaces between columns (as `docker ps`).
    public static let gap = 3

    /// Records (maps or host objects with plainValue) as an aligned table like `docker ps`.
    ///
    /// The header is the keys as they are, in the order first seen (the first record's
    /// order, then keys that only later records have), or `columns` when given. Strings
    /// show as they are (line breaks as `↵`), nil and missing fields as empty cells,
    /// nested values in compact source form (`["a", "b"]`, `{x: 1}`). With a `width`,
    /// wide columns are cut with `…` and columns that still do not fit are dropped from
    /// the right, with a last line saying which. `color` makes the header bold.
    /// Items that are not records show in one `value` column. Lines end with `\n`.
    public static func render(_ rows: [Value], columns: [String]? = nil, width: Int? = nil, color: Bool = false) -> String {
        let records = rows.map(record)
        var names: [String]
        if let columns {
            names = columns
        } else {
            names = []
            var seen = Set<String>()
            for r in records {
                for (k, _) in r where seen.insert(k).inserted { names.append(k) }
            }
        }
        if names.isEmpty { return "" }
        var cells: [[String]] = records.map { r in
            names.map { name in r.first(where: { $0.0 == name }).map { cellText($0.1) } ?? "" }
        }
        let headerWidths = names.map(displayWidth)
        var natural = headerWidths
        var cellWidths: [[Int]] = []
        cellWidths.reserveCapacity(cells.count)
        for row in cells {
            let ws = row.map(displayWidth)
            for i in ws.indices where ws[i] > natural[i] { natural[i] = ws[i] }
            cellWidths.append(ws)
        }
        var widths = natural
        var shown = names.count
        if let width, width > 0 {
            (widths, shown) = fit(natural: natural, headers: headerWidths, width: width)
        }
        var out = ""
        func emit(_ texts: [String], _ ws: [Int]?, header: Bool) {
            var line = ""
            for i in 0..<shown {
                var text = texts[i]
                var w = ws?[i] ?? displayWidth(text)
                if w > widths[i] {
                    text = truncate(text, to: widths[i])
                    w = displayWidth(text)
                }
                if i > 0 { line += String(repeating: " ", count: gap) }
                if header && color { line += "\u{1B}[1m" + text + "\u{1B}[0m" } else { line += text }
                if i < shown - 1 { line += String(repeating: " ", count: widths[i] - w) }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        emit(names, headerWidths, header: true)
        for (r, row) in cells.enumerated() { emit(row, cellWidths[r], header: false) }
        cells.removeAll()
        if shown < names.count {
            let hidden = names[shown...]
            out += "… \(hidden.count) more column\(hidden.count == 1 ? "" : "s") hidden: \(hidden.joined(separator: ", "))\n"
        }
        return out
    }

    /// Column widths that fit `width`, and how many columns (from the left) are shown.
    static func fit(natural: [Int], headers: [Int], width: Int) -> ([Int], Int) {
        func total(_ ws: ArraySlice<Int>) -> Int { ws.reduce(0, +) + gap * max(0, ws.count - 1) }
        if total(natural[...]) <= width { return (natural, natural.count) }
        // A column may be cut down to its header's width, but not below 8 columns (so
        // cut cells stay readable) nor above 16; then columns are dropped instead.
        let minimum = natural.indices.map { min(natural[$0], min(max(headers[$0], 8), 16)) }
        var shown = natural.count
        while shown > 1 && total(minimum[0..<shown]) > width { shown -= 1 }
        let nat = Array(natural[0..<shown])
        let mins = Array(minimum[0..<shown])
        // Cut the widest columns to a common level, the largest one that fits.
        var lo = 0, hi = nat.max() ?? 0
        func widths(_ level: Int) -> [Int] { nat.indices.map { max(mins[$0], min(nat[$0], level)) } }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if total(widths(mid)[...]) <= width { lo = mid } else { hi = mid - 1 }
        }
        var ws = widths(lo)
        // Hand out what is left to the columns that were cut, left to right.
        var spare = width - total(ws[...])
        for i in ws.indices where spare > 0 && ws[i] < nat[i] {
            let add = min(spare, nat[i] - ws[i])
            ws[i] += add
            spare -= add
        }
        if shown == 1 { ws[0] = max(1, min(ws[0], width)) }
        return (ws, shown)
    }

    /// The fields of one row.
    static func record(_ v: Value) -> [(String, Value)] {
        switch v {
        case .map(let m): return m.entries.map { ($0.key, $0.value) }
        case .object(let o):
            if let p = o.plainValue, case .map(let m) = p { return m.entries.map { ($0.key, $0.value) } }
            return [("value", v)]
        case .error(let e): return [("message", .string(e.message))] + e.fields.map { ($0.key, $0.value) }
        default: return [("value", v)]
        }
    }

    /// The text of one cell.
    static func cellText(_ v: Value) -> String {
        switch v {
        case .null: return ""
        case .string(let s):
            guard s.utf8.contains(where: { $0 < 0x20 }) else { return s }
            var out = ""
            for ch in s.unicodeScalars {
                switch ch {
                case "\n": out += "↵"
                case "\t": out += " "
                case "\r": continue
                default: if ch.value < 0x20 { out += "?" } else { out.unicodeScalars.append(ch) }
                }
            }
            return out
        case .object(let o):
            if let p = o.plainValue { return p.sourceString }
            return o.displayString
        default:
            return v.sourceString
        }
    }

    /// Terminal columns `s` takes (wide characters count two). Shared with the REPL's display.
    public static func displayWidth(_ s: String) -> Int { DisplayWidth.of(s) }

    /// `s` cut to `width` columns, ending with `…`. Shared with the REPL's display.
    public static func truncate(_ s: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if width == 1 { return "…" }
        var out = ""
        var w = 0
        for ch in s {
            let cw = DisplayWidth.of(ch)
            if w + cw > width - 1 { break }
            out.append(ch)
            w += cw
        }
        return out + "…"
    }
}
