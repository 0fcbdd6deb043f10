// Formatter.swift: the template language of `format(...)`: `{}`, `{0}`, `{name}` and
// Python-style specs (`{:>8}`, `{:.2f}`, `{:08,d}`), plus C-style number printing.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands `format` templates.
enum Formatter {
    /// Expands `template` with positional `values` and `named` arguments.
    static func format(_ template: String, _ values: [Value], named: [(name: String, value: Value)]) throws -> String {
        var out = ""
        var auto = 0
        var chars = template.makeIterator()
        while let c = chars.next() {
            if c == "}" {
                guard chars.next() == "}" else { throw DshError.runtime("format: single '}' in template (write '}}')") }
                out.append("}")
                continue
            }
            guard c == "{" else { out.append(c); continue }
            var field = ""
            var closed = false
            var depth = 0
            var escaped = false
            while let d = chars.next() {
                if d == "{" {
                    if field.isEmpty { escaped = true; break }
                    depth += 1
                }
                if d == "}" {
                    if depth == 0 { closed = true; break }
                    depth -= 1
                }
                field.append(d)
            }
            if !closed {
                if escaped { out.append("{"); continue }  // "{{"
                throw DshError.runtime("format: unclosed '{' in template")
            }
            let name: Substring, spec: Substring
            if let colon = field.firstIndex(of: ":") {
                name = field[..<colon]
                spec = field[field.index(after: colon)...]
            } else {
                name = field[...]
                spec = ""
            }
            let value: Value
            if name.isEmpty {
                guard auto < values.count else { throw DshError.runtime("format: not enough arguments for '{}' number \(auto + 1)") }
                value = values[auto]
                auto += 1
            } else if let i = Int(name) {
                guard i >= 0, i < values.count else { throw DshError.runtime("format: no argument \(i)") }
                value = values[i]
            } else {
                guard let v = named.first(where: { $0.name == name })?.value else {
                    throw DshError.runtime("format: no named argument '\(name)'")
                }
                value = v
            }
            let piece = try apply(String(spec), to: value)
            try SizeLimits.checkSum(out.utf8.count, piece.utf8.count, limit: SizeLimits.maxBytes, "format: result")
            out += piece
        }
        return out
    }

    /// A parsed `[[fill]align][sign][#][0][width][,][.precision][type]`.
    struct Spec {
        var fill: Character = " "
        var align: Character?
        var sign: Character = "-"
        var alternate = false
        var width = 0
        var grouping = false
        var precision: Int?
        var type: Character?
    }

    /// Parses a spec.
    static func parse(_ text: String) throws -> Spec {
        var spec = Spec()
        var s = Array(text)
        let aligns: Set<Character> = ["<", ">", "^", "="]
        if s.count >= 2, aligns.contains(s[1]) {
            spec.fill = s[0]; spec.align = s[1]; s.removeFirst(2)
        } else if let f = s.first, aligns.contains(f) {
            spec.align = f; s.removeFirst()
        }
        if let f = s.first, f == "+" || f == "-" || f == " " { spec.sign = f; s.removeFirst() }
        if s.first == "#" { spec.alternate = true; s.removeFirst() }
        if s.first == "0" {
            if spec.align == nil { spec.fill = "0"; spec.align = "=" }
            s.removeFirst()
        }
        var digits = ""
        while let f = s.first, f.isASCII, f.isNumber { digits.append(f); s.removeFirst() }
        if !digits.isEmpty { spec.width = min(Int(digits) ?? 0, 10_000) }
        if s.first == "," || s.first == "_" { spec.grouping = true; s.removeFirst() }
        if s.first == "." {
            s.removeFirst()
            var p = ""
            while let f = s.first, f.isASCII, f.isNumber { p.append(f); s.removeFirst() }
            guard !p.isEmpty else { throw DshError.runtime("format: missing precision in '\(text)'") }
            spec.precision = min(Int(p) ?? 0, 100)
        }
        if let f = s.first { spec.type = f; s.removeFirst() }
        guard s.isEmpty else { throw DshError.runtime("format: invalid spec '\(text)'") }
        return spec
    }

    /// Formats `value` by `specText`.
    static func apply(_ specText: String, to value: Value) throws -> String {
        if specText.isEmpty { return value.displayString }
        let spec = try parse(specText)
        var body: String
        var negative = false
        var numeric = true
        switch (spec.type, value) {
        case (nil, .string), ("s", _):
            numeric = false
            body = value.displayString
            if let p = spec.precision { body = String(body.prefix(p)) }
        case (nil, .int(let i)), ("d", .int(let i)), ("n", .int(let i)):
            negative = i < 0
            body = String(i.magnitude)
            if spec.grouping { body = group(body) }
        case (let t?, .int(let i)) where "xXob".contains(t):
            negative = i < 0
            let radix = t == "o" ? 8 : (t == "b" ? 2 : 16)
            body = String(i.magnitude, radix: radix, uppercase: t == "X")
            if spec.alternate { body = (t == "o" ? "0o" : t == "b" ? "0b" : t == "X" ? "0X" : "0x") + body }
        case (let t, .int(let i)) where t != nil && "fFeEgG%".contains(t!):
            (negative, body) = float(Double(i), spec)
        case (_, .float(let d)):
            if spec.type == "d" {
                guard d == d.rounded(), abs(d) < 9.2e18 else { throw DshError.runtime("format: cannot format \(Value.formatFloat(d)) with 'd'") }
                negative = d < 0
                body = String(Int(d).magnitude)
                if spec.grouping { body = group(body) }
            } else if spec.type == nil && spec.precision == nil {
                negative = d.sign == .minus && !d.isNaN
                body = Value.formatFloat(abs(d))
            } else {
                (negative, body) = float(d, spec)
            }
        case (nil, _):
            numeric = false
            body = value.displayString
            if let p = spec.precision { body = String(body.prefix(p)) }
        case (let t?, let v):
            throw DshError.runtime("format: cannot format \(v.typeName) with '\(t)'")
        }
        var signText = ""
        if numeric {
            if negative { signText = "-" } else if spec.sign == "+" { signText = "+" } else if spec.sign == " " { signText = " " }
        }
        let length = signText.count + body.count
        let padCount = max(0, spec.width - length)
        let padding = String(repeating: spec.fill, count: padCount)
        switch spec.align ?? (numeric ? ">" : "<") {
        case "<": return signText + body + padding
        case "^":
            let left = String(repeating: spec.fill, count: padCount / 2)
            let right = String(repeating: spec.fill, count: padCount - padCount / 2)
            return left + signText + body + right
        case "=": return signText + padding + body
        default: return padding + signText + body
        }
    }

    /// A float by spec type `f`, `e`, `g` or `%`: returns whether it is negative and its digits.
    private static func float(_ d: Double, _ spec: Spec) -> (Bool, String) {
        let negative = d < 0
        let m = abs(d)
        if !m.isFinite { return (negative, m.isNaN ? "nan" : "inf") }
        let p = spec.precision ?? 6
        var body: String
        switch spec.type {
        case "e", "E": body = cFormat(spec.type == "E" ? "%.*E" : "%.*e", p, m)
        case "g", "G": body = cFormat(spec.type == "G" ? "%.*G" : "%.*g", p, m)
        case "%": body = cFormat("%.*f", p, m * 100) + "%"
        default: body = cFormat("%.*f", p, m)
        }
        if spec.grouping {
            let intEnd = body.firstIndex { !$0.isNumber } ?? body.endIndex
            body = group(String(body[..<intEnd])) + body[intEnd...]
        }
        return (negative, body)
    }

    /// Inserts `,` every three digits from the right.
    static func group(_ digits: String) -> String {
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    /// `snprintf(format, precision, value)` for one double.
    static func cFormat(_ format: String, _ precision: Int, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let n = withVaList([Int32(precision), value]) { va in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 512, format, va) }
        }
        guard n >= 0 else { return "\(value)" }
        if n >= 512 {
            buffer = [CChar](repeating: 0, count: Int(n) + 1)
            _ = withVaList([Int32(precision), value]) { va in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, Int(n) + 1, format, va) }
            }
        }
        return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
