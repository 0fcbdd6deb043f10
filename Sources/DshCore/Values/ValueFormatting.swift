// ValueFormatting.swift: how values print (`print`, `str`, interpolation) and how
// they read back in source form inside containers (`[1, "two"]`).

extension Value {
    /// The text `print(v)` writes and `str(v)` returns: strings as they are, integers
    /// in decimal, floats in the shortest form that reads back (`5.0`, `2.5`), `nil`,
    /// `true`/`false`; containers in source form (`[1, "a"]`, `{a: 1}`).
    public var displayString: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return DecimalText.string(i)
        default: return sourceString
        }
    }

    /// The source form: like `displayString`, but strings quoted and escaped.
    public var sourceString: String {
        var out = ""
        var open: [ObjectIdentifier] = []
        Value.writeSource(self, into: &out, open: &open)
        return out
    }

    /// How deep containers print before the rest shows as `...`.
    static let maxPrintedDepth = 64
    /// The longest source form written: past it the rest shows as `...` (a value that
    /// shares one list many times over can stand for more text than memory holds).
    public static let maxPrintedBytes = 256 << 20

    /// Formats a float in the shortest form that reads back the same, with `.0` on
    /// whole numbers; `inf`, `-inf`, `nan` for the special values.
    public static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var s = "\(d)"  // Swift prints the shortest round-tripping form
        if s.contains("e") {
            // Swift writes 1e+20 as "1e+20"; keep exponent form but make it read as a float.
            if !s.contains(".") {
                if let e = s.firstIndex(of: "e") { s.insert(contentsOf: ".0", at: e) }
            }
            return s
        }
        if !s.contains(".") { s += ".0" }
        return s
    }

    /// Quotes a string with dsh escapes.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "$": out += "\\$"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\u{" + String(u.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    private static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || (f.properties.isAlphabetic && f.isASCII) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// Writes `v`; `open` holds the lists and maps being written around it, so that one
    /// containing itself prints as `[...]` or `{...}` there (as Python does).
    private static func writeSource(_ v: Value, into out: inout String, open: inout [ObjectIdentifier]) {
        if open.count > maxPrintedDepth || out.utf8.count > maxPrintedBytes { out += "..."; return }
        switch v {
        case .null: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += DecimalText.string(i)
        case .float(let d): out += formatFloat(d)
        case .string(let s): out += quote(s)
        case .bytes(let b): out += "bytes(\(b.count))"
        case .list(let l):
            let id = ObjectIdentifier(l)
            if open.contains(id) { out += "[...]"; return }
            open.append(id)
            defer { open.removeLast() }
            out += "["
            for (i, item) in l.items.enumerated() {
                if i > 0 { out += ", " }
                writeSource(item, into: &out, open: &open)
                if out.utf8.count > maxPrintedBytes { break }
            }
            out += "]"
        case .map(let m):
            let id = ObjectIdentifier(m)
            if open.contains(id) { out += "{...}"; return }
            open.append(id)
            defer { open.removeLast() }
            out += "{"
            var first = true
            for (k, item) in m.entries {
                if !first { out += ", " }
                first = false
                out += isIdentifier(k) ? k : quote(k)
                out += ": "
                writeSource(item, into: &out, open: &open)
                if out.utf8.count > maxPrintedBytes { break }
            }
            out += "}"
        case .function(let f): out += "<function \(f.name)>"
        case .stream(let s): out += "<stream \(s.label)>"
        case .object(let o): out += o.displayString
        case .error(let e): out += "<error: \(e.message)>"
        }
    }
}
