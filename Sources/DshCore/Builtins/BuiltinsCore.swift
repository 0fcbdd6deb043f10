// BuiltinsCore.swift: the basic built-ins: print, len, type, conversions (str, int,
// float, bool), map access (keys, values, items), errors (error, assert) and exit.

extension Builtins {
    static var coreFunctions: [(String, NativeBody)] {
        [
            ("print", print),
            ("len", len),
            ("type", { args, _ in try args.expect("type", 1, 1); return .string(args.at(0).typeName) }),
            ("str", { args, _ in try args.expect("str", 1, 1); return .string(args.at(0).displayString) }),
            ("repr", { args, _ in try args.expect("repr", 1, 1); return .string(args.at(0).sourceString) }),
            ("int", int),
            ("float", float),
            ("bool", { args, _ in try args.expect("bool", 1, 1); return .bool(args.at(0).isTruthy) }),
            ("keys", keys),
            ("values", values),
            ("items", items),
            ("error", error),
            ("assert", assert),
            ("exit", exit),
        ]
    }

    /// One-argument forms of the commonest conversions, called by compiled code without
    /// an `Arguments` array (each is what the built-in does with one argument).
    /// (A switch, not a dictionary: building `[String: UnaryForm]` cost each start about
    /// 40k instructions, most of it making the dictionary's type.)
    static func unaryForm(_ name: String) -> UnaryForm? {
        switch name {
        case "len": UnaryForm { v, rt in try lengthOf(v, rt) }
        case "type": UnaryForm { v, _ in .string(v.typeName) }
        case "str": UnaryForm(run: { v, _ in .string(v.displayString) }, isStr: true)
        case "bool": UnaryForm { v, _ in .bool(v.isTruthy) }
        default: nil
        }
    }

    /// `print(a, b, sep: " ", end: "\n")`.
    static func print(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("print", 0, Int.max, named: ["sep", "end"])
        let sep = try args.option("sep").map { try Expect.string($0, "print", "sep") } ?? " "
        let end = try args.option("end").map { try Expect.string($0, "print", "end") } ?? "\n"
        var out = ""
        for (i, v) in args.positional.enumerated() {
            if i > 0 { out += sep }
            out += v.displayString
        }
        out += end
        rt.write(out)
        return .null
    }

    /// `len(v)`: characters of a string, bytes, items of a list or map.
    static func len(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("len", 1, 1)
        return try lengthOf(args.at(0), rt)
    }

    /// What `len(v)` returns.
    static func lengthOf(_ v: Value, _ rt: any Runtime) throws -> Value {
        switch v {
        case .string(let s): return .int(characterCount(s))
        case .bytes(let b): return .int(b.count)
        case .list(let l): return .int(l.items.count)
        case .map(let m): return .int(m.entries.count)
        case .error(let e): return .int(e.fields.count)
        case .object(let o):
            if let p = o.plainValue { return try lengthOf(p, rt) }
            throw DshError.runtime("len: \(o.typeName) has no length")
        case .stream:
            throw DshError.runtime("len: a stream has no length; use count(s) to drain it, or collect(s)")
        case let v:
            throw DshError.runtime("len: \(v.typeName) has no length")
        }
    }

    /// The number of characters (grapheme clusters) in `s`; a fast path for ASCII text,
    /// where only "\r\n" joins two bytes into one character.
    static func characterCount(_ s: String) -> Int {
        var s = s
        let ascii: Int? = s.withUTF8 { buf in
            var high: UInt8 = 0
            var cr = false
            // Eight bytes at a time: any high bit, and any byte equal to CR (the classic
            // zero-byte test on the word XOR 0x0D0D...), then the tail byte by byte.
            let words = buf.count / 8
            if words > 0, let base = buf.baseAddress {
                let raw = UnsafeRawPointer(base)
                var highWord: UInt64 = 0, crWord: UInt64 = 0
                for w in 0..<words {
                    let x = raw.loadUnaligned(fromByteOffset: w &* 8, as: UInt64.self)
                    highWord |= x
                    let y = x ^ 0x0D0D_0D0D_0D0D_0D0D
                    crWord |= (y &- 0x0101_0101_0101_0101) & ~y
                }
                if highWord & 0x8080_8080_8080_8080 != 0 { high = 0x80 }
                if crWord & 0x8080_8080_8080_8080 != 0 { cr = true }
            }
            for b in buf[(words &* 8)...] {
                high |= b
                if b == 0x0D { cr = true }
            }
            if high & 0x80 != 0 { return nil }
            if !cr { return buf.count }
            var pairs = 0
            var i = 1
            while i < buf.count {
                if buf[i] == 0x0A && buf[i - 1] == 0x0D { pairs += 1 }
                i += 1
            }
            return buf.count - pairs
        }
        return ascii ?? s.count
    }

    /// `int(v, base?)`: ints as they are, floats truncated toward zero, bools 0/1,
    /// strings parsed (`"42"`, `"-7"`, `"0x1f"`, `"0o17"`, `"0b101"`, `"1_000"`).
    static func int(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("int", 1, 2)
        let base = args.count > 1 ? try Expect.int(args.at(1), "int", "base") : nil
        if let base, !(2...36).contains(base) { throw DshError.runtime("int: base must be between 2 and 36") }
        switch args.at(0) {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d):
            guard d.isFinite else { throw DshError.runtime("int: cannot convert \(Value.formatFloat(d)) to int") }
            let t = d.rounded(.towardZero)
            guard t >= -9.223372036854775808e18, t < 9.223372036854775808e18 else {
                throw DshError.runtime("int: \(Value.formatFloat(d)) is out of the int range")
            }
            return .int(Int(t))
        case .string(let s):
            if let i = parseInt(s, base: base) { return .int(i) }
            throw DshError.runtime("int: invalid integer \(Value.quote(s))")
        case let v:
            throw DshError.runtime("int: cannot convert \(v.typeName) to int")
        }
    }

    /// Parses an integer literal with optional sign, `0x`/`0o`/`0b` prefix and `_` separators.
    static func parseInt(_ text: String, base: Int? = nil) -> Int? {
        var s = Substring(text.trimmingWhitespace())
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        var radix = base ?? 10
        if base == nil || base == 16 || base == 8 || base == 2 {
            let lower = s.lowercased()
            if lower.hasPrefix("0x"), base == nil || base == 16 { radix = 16; s = s.dropFirst(2) }
            else if lower.hasPrefix("0o"), base == nil || base == 8 { radix = 8; s = s.dropFirst(2) }
            else if lower.hasPrefix("0b"), base == nil || base == 2 { radix = 2; s = s.dropFirst(2) }
        }
        guard !s.isEmpty, !s.hasPrefix("_"), !s.hasSuffix("_"), !s.contains("__") else { return nil }
        let digits = s.filter { $0 != "_" }
        guard let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            if magnitude == UInt64(Int.max) + 1 { return Int.min }
            guard magnitude <= UInt64(Int.max) else { return nil }
            return -Int(magnitude)
        }
        guard magnitude <= UInt64(Int.max) else { return nil }
        return Int(magnitude)
    }

    /// `float(v)`: numbers, bools, and strings such as `"2.5"`, `"1e3"`, `"inf"`.
    static func float(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("float", 1, 1)
        switch args.at(0) {
        case .float(let d): return .float(d)
        case .int(let i): return .float(Double(i))
        case .bool(let b): return .float(b ? 1 : 0)
        case .string(let s):
            let t = s.trimmingWhitespace().replacingUnderscoresBetweenDigits()
            if let d = Double(t) { return .float(d) }
            throw DshError.runtime("float: invalid number \(Value.quote(s))")
        case let v:
            throw DshError.runtime("float: cannot convert \(v.typeName) to float")
        }
    }

    /// The map behind a map, host object or error value, for `keys`/`values`/`items`.
    private static func entries(_ v: Value, _ fn: String) throws -> [(String, Value)] {
        switch v {
        case .map(let m): return m.entries.map { ($0.key, $0.value) }
        case .error(let e): return [("message", .string(e.message))] + e.fields.map { ($0.key, $0.value) }.filter { $0.0 != "message" }
        case .object(let o):
            if let p = o.plainValue, case .map = p { return try entries(p, fn) }
            return o.memberNames.map { ($0, Value.null) }
        default:
            throw DshError.runtime("\(fn): expected a map, got \(v.typeName)")
        }
    }

    /// `keys(m)`: the keys of a map (or host object), in order.
    static func keys(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("keys", 1, 1)
        if case .object(let o) = args.at(0), o.plainValue == nil { return .list(o.memberNames.map { .string($0) }) }
        return .list(try entries(args.at(0), "keys").map { .string($0.0) })
    }

    /// `values(m)`: the values of a map (or host object), in order.
    static func values(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("values", 1, 1)
        if case .object(let o) = args.at(0), o.plainValue == nil {
            return .list(try o.memberNames.map { try o.member($0, rt) ?? .null })
        }
        return .list(try entries(args.at(0), "values").map(\.1))
    }

    /// `items(m)`: `[key, value]` pairs of a map, in order.
    static func items(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("items", 1, 1)
        return .list(try entries(args.at(0), "items").map { .list([.string($0.0), $0.1]) })
    }

    /// `error(msg, field: v, ...)`: an error value whose named arguments become fields.
    static func error(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("error", 1, 1, named: args.named.map(\.name))
        let message = args.at(0).displayString
        var fields = ErrorValue(message: message).fields
        for (k, v) in args.named where k != "message" { fields[k] = v }
        return .error(ErrorValue(message: message, fields: fields))
    }

    /// `assert(cond, msg?)`: raises "assertion failed: msg" when `cond` is falsy.
    static func assert(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("assert", 1, 2)
        if args.at(0).isTruthy { return .null }
        if args.count > 1 { throw DshError.runtime("assertion failed: \(args.at(1).displayString)") }
        throw DshError.runtime("assertion failed")
    }

    /// `exit(n = 0)`: ends the script with status `n`, which must be 0...255 (a process
    /// status is one byte: 300 would silently become 44).
    static func exit(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("exit", 0, 1)
        let code: Int
        switch args.at(0) {
        case .null: code = 0
        case .bool(let b): code = b ? 0 : 1
        case let v: code = try Expect.int(v, "exit", "status")
        }
        guard (0...255).contains(code) else {
            throw DshError.runtime("exit: status must be between 0 and 255, got \(code)")
        }
        throw ExitRequest(code: Int32(code))
    }
}

extension StringProtocol {
    /// The string without leading and trailing whitespace (Unicode White_Space).
    func trimmingWhitespace() -> String {
        let scalars = String(self).unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(Substring(scalars[start...end]))
    }

    /// Removes `_` between two digits (`1_000.5` → `1000.5`).
    func replacingUnderscoresBetweenDigits() -> String {
        guard contains("_") else { return String(self) }
        let chars = Array(self)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c == "_", i > 0, i + 1 < chars.count, chars[i - 1].isNumber, chars[i + 1].isNumber { continue }
            out.append(c)
        }
        return out
    }
}
