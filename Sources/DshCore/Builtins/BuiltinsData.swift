// BuiltinsData.swift: data built-ins: JSON (json, parse_json), sizes as the docker CLI
// prints and parses them (human_size, parse_size, after go-units), and bytes
// (bytes, decode, base64, base64_decode).

extension Builtins {
    static var dataFunctions: [(String, NativeBody)] {
        [
            ("json", json),
            ("parse_json", parseJSON),
            ("human_size", humanSize),
            ("parse_size", parseSize),
            ("bytes", bytes),
            ("decode", decode),
            ("base64", base64),
            ("base64_decode", base64Decode),
        ]
    }

    /// `json(v, pretty: false)`.
    static func json(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("json", 1, 1, named: ["pretty"])
        return .string(try JSON.encode(args.at(0), pretty: args.flag("pretty")))
    }

    /// `parse_json(s)` of a string or bytes.
    static func parseJSON(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("parse_json", 1, 1)
        switch args.at(0) {
        case .string(let s): return try MemoryCensus.reserve(JSON.decode(s), rt)
        case .bytes(let b): return try MemoryCensus.reserve(JSON.decode(b), rt)
        case let v: throw DshError.runtime("parse_json: expected a string or bytes, got \(v.typeName)")
        }
    }

    /// `human_size(n, binary: false)`: go-units `HumanSize` (decimal units, 3 significant
    /// digits: "1.5MB", "500MB", "999B", "1.23GB") or with `binary: true` go-units
    /// `BytesSize` (1024-based, 4 significant digits: "1.5MiB").
    static func humanSize(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("human_size", 1, 1, named: ["binary"])
        let size = try Expect.number(args.at(0), "human_size", "the size")
        guard size.isFinite else {
            throw DshError.runtime("human_size: the size must be a finite number, got \(Value.formatFloat(size))")
        }
        return .string(SizeUnits.humanSize(size, binary: args.flag("binary")))
    }

    /// `parse_size(s, binary: false)`: go-units `FromHumanSize` ("1.5GB" = 1.5e9, "512m" =
    /// 512e6), except that an explicit `i` ("1GiB") means 1024-based; `binary: true` is
    /// go-units `RAMInBytes` (every unit 1024-based, as `docker run --memory` reads it).
    /// Ints are returned as they are.
    static func parseSize(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("parse_size", 1, 1, named: ["binary"])
        switch args.at(0) {
        case .int(let i): return .int(i)
        case .string(let s): return .int(try SizeUnits.parse(s, binary: args.flag("binary")))
        case let v: throw DshError.runtime("parse_size: expected a string, got \(v.typeName)")
        }
    }

    /// `bytes(v)`: the UTF-8 of a string, or bytes from a list of ints 0...255.
    static func bytes(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("bytes", 1, 1)
        switch args.at(0) {
        case .string(let s): return .bytes(Array(s.utf8))
        case .bytes(let b): return .bytes(b)
        case .list, .stream:
            var out: [UInt8] = []
            try Seq.forEach(args.at(0), "bytes", rt) { x in
                guard case .int(let i) = x, (0...255).contains(i) else {
                    throw DshError.runtime("bytes: items must be ints from 0 to 255, got \(x.sourceString)")
                }
                out.append(UInt8(i))
                return true
            }
            return .bytes(out)
        case let v: throw DshError.runtime("bytes: cannot convert \(v.typeName) to bytes")
        }
    }

    /// `decode(b, lossy: false)`: bytes as UTF-8 text; invalid UTF-8 is an error unless
    /// `lossy: true` (then it becomes U+FFFD).
    static func decode(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("decode", 1, 1, named: ["lossy"])
        switch args.at(0) {
        case .string(let s): return .string(s)
        case .bytes(let b):
            if args.flag("lossy") { return .string(String(decoding: b, as: UTF8.self)) }
            guard let s = String(validating: b, as: UTF8.self) else {
                throw DshError.runtime("decode: invalid UTF-8 (pass lossy: true to replace bad bytes)")
            }
            return .string(s)
        case let v: throw DshError.runtime("decode: expected bytes, got \(v.typeName)")
        }
    }

    /// `base64(v, url: false)`: standard (or URL-safe) base64 of a string's UTF-8 or of bytes.
    static func base64(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("base64", 1, 1, named: ["url"])
        let data: [UInt8]
        switch args.at(0) {
        case .string(let s): data = Array(s.utf8)
        case .bytes(let b): data = b
        case let v: throw DshError.runtime("base64: expected a string or bytes, got \(v.typeName)")
        }
        return .string(Base64.encode(data, url: args.flag("url")))
    }

    /// `base64_decode(s)`: bytes from standard or URL-safe base64 (padding optional).
    static func base64Decode(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("base64_decode", 1, 1)
        let s = try Expect.string(args.at(0), "base64_decode", "the text")
        guard let b = Base64.decode(s) else { throw DshError.runtime("base64_decode: invalid base64") }
        return .bytes(b)
    }
}

/// Sizes as go-units (used by the docker CLI) prints and parses them; shared by
/// `human_size`/`parse_size` and the Docker bindings' progress bars and `memory:`.
public enum SizeUnits {
    static let decimal = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
    static let binaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]

    /// go-units `HumanSize` (`%.3g` of base 1000) or `BytesSize` (`%.4g` of base 1024).
    public static func humanSize(_ size: Double, binary: Bool) -> String {
        let base = binary ? 1024.0 : 1000.0
        let units = binary ? binaryUnits : decimal
        var s = size
        var i = 0
        while s >= base && i < units.count - 1 {
            s /= base
            i += 1
        }
        return Formatter.cFormat("%.*g", binary ? 4 : 3, s) + units[i]
    }

    /// go-units `parseSize` with the decimal map (plus `i` meaning binary) or the binary map.
    public static func parse(_ text: String, binary: Bool) throws -> Int {
        let bad = DshError.runtime("parse_size: invalid size \(Value.quote(text))")
        let chars = Array(text)
        guard let sep = chars.lastIndex(where: { "01234567890. ".contains($0) }) else { throw bad }
        let num: String, sfx: String
        if chars[sep] != " " {
            num = String(chars[...sep]); sfx = String(chars[(sep + 1)...])
        } else {
            num = String(chars[..<sep]); sfx = String(chars[(sep + 1)...])
        }
        guard let size = Double(num), size.isFinite else { throw bad }
        if size < 0 { throw bad }
        var result = size
        if !sfx.isEmpty {
            let lower = sfx.lowercased()
            let badSuffix = DshError.runtime("parse_size: invalid suffix \(Value.quote(sfx)) in \(Value.quote(text))")
            if lower.count > 3 { throw badSuffix }
            let l = Array(lower)
            if l[0] == "b" {
                if l.count > 1 { throw badSuffix }
            } else {
                let power: Double
                switch l[0] {
                case "k": power = 1
                case "m": power = 2
                case "g": power = 3
                case "t": power = 4
                case "p": power = 5
                default: throw badSuffix
                }
                if l.count == 2 && l[1] != "b" { throw badSuffix }
                if l.count == 3 && String(l[1...]) != "ib" { throw badSuffix }
                let base = binary || l.count == 3 ? 1024.0 : 1000.0
                var mul = 1.0
                for _ in 0..<Int(power) { mul *= base }
                result *= mul
            }
        }
        guard result < 9.223372036854775807e18 else { throw DshError.runtime("parse_size: \(Value.quote(text)) is too large") }
        return Int(result)
    }
}

/// Base64 encoding and decoding (RFC 4648, standard and URL-safe alphabets).
enum Base64 {
    private static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes `data`, padded with `=`.
    static func encode(_ data: [UInt8], url: Bool = false) -> String {
        let table = url ? urlSafe : standard
        var out: [UInt8] = []
        out.reserveCapacity((data.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < data.count {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], table[Int(n & 63)]]
            i += 3
        }
        let rest = data.count - i
        if rest == 1 {
            let n = UInt32(data[i]) << 16
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
            out += [table[Int(n >> 18 & 63)], table[Int(n >> 12 & 63)], table[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes either alphabet; padding optional; whitespace ignored. Nil when invalid.
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var bits = 0
        var padding = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): padding += 1; continue
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): continue
            default: return nil
            }
            if padding > 0 { return nil }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        if bits >= 6 || padding > 2 { return nil }
        return out
    }
}
