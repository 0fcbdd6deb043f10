// JSONParser.swift: a byte-level JSON parser that builds `Value`s directly (no
// intermediate `Any`): fast paths for strings without escapes and for integers and
// short decimals; a depth limit and precise errors for hostile input.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses one JSON document from a UTF-8 buffer.
struct JSONParser {
    private let base: UnsafePointer<UInt8>?
    private let count: Int
    private var pos = 0
    private var depth = 0
    private var scratch: [UInt8] = []

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        base = buffer.baseAddress
        count = buffer.count
    }

    /// An error at `offset`.
    private func fail(_ message: String, at offset: Int? = nil) -> DshError {
        DshError.runtime("invalid JSON at offset \(offset ?? pos): \(message)")
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "unexpected character '\(Character(Unicode.Scalar(byte)))'" }
        return "unexpected byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// Parses a whole document: one value, surrounded only by whitespace.
    mutating func parseDocument() throws -> Value {
        guard let p = base, count > 0 else { throw fail("empty input") }
        // Skip a UTF-8 byte order mark.
        if count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { pos = 3 }
        let v = try parseValue(p)
        skipWhitespace(p)
        if pos < count { throw fail("unexpected data after the JSON value (\(describe(p[pos])))") }
        return v
    }

    @inline(__always)
    private mutating func skipWhitespace(_ p: UnsafePointer<UInt8>) {
        while pos < count {
            let c = p[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { return }
        }
    }

    private mutating func parseValue(_ p: UnsafePointer<UInt8>) throws -> Value {
        skipWhitespace(p)
        guard pos < count else { throw fail("unexpected end of input") }
        let c = p[pos]
        switch c {
        case UInt8(ascii: "\""): return .string(try parseString(p))
        case UInt8(ascii: "{"): return try parseObject(p)
        case UInt8(ascii: "["): return try parseArray(p)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber(p)
        case UInt8(ascii: "t"): try literal(p, "true"); return .bool(true)
        case UInt8(ascii: "f"): try literal(p, "false"); return .bool(false)
        case UInt8(ascii: "n"): try literal(p, "null"); return .null
        default: throw fail(describe(c))
        }
    }

    private mutating func literal(_ p: UnsafePointer<UInt8>, _ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<n {
            guard pos + k < count else { throw fail("unexpected end of input", at: count) }
            if p[pos + k] != w[k] { throw fail("invalid literal (expected '\(word)')", at: pos) }
        }
        pos += n
    }

    private mutating func enter() throws {
        depth += 1
        if depth > JSON.maxDepth { throw fail("nesting deeper than \(JSON.maxDepth) levels") }
    }

    private mutating func parseArray(_ p: UnsafePointer<UInt8>) throws -> Value {
        try enter()
        pos += 1
        var items: [Value] = []
        skipWhitespace(p)
        if pos < count && p[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .list(ListRef(items))
        }
        while true {
            items.append(try parseValue(p))
            skipWhitespace(p)
            guard pos < count else { throw fail("unexpected end of input (an array is not closed)") }
            let c = p[pos]
            pos += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            throw fail("expected ',' or ']' in array, found \(describe(c).replacingPrefix())", at: pos - 1)
        }
        depth -= 1
        return .list(ListRef(items))
    }

    private mutating func parseObject(_ p: UnsafePointer<UInt8>) throws -> Value {
        try enter()
        pos += 1
        var entries = MapTable()
        skipWhitespace(p)
        if pos < count && p[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .map(MapRef(entries))
        }
        while true {
            skipWhitespace(p)
            guard pos < count else { throw fail("unexpected end of input (an object is not closed)") }
            guard p[pos] == UInt8(ascii: "\"") else {
                throw fail("expected a string key in object, found \(describe(p[pos]).replacingPrefix())")
            }
            let key = try parseString(p)
            skipWhitespace(p)
            guard pos < count else { throw fail("unexpected end of input (an object is not closed)") }
            guard p[pos] == UInt8(ascii: ":") else {
                throw fail("expected ':' after object key, found \(describe(p[pos]).replacingPrefix())")
            }
            pos += 1
            let value = try parseValue(p)
            entries[key] = value
            skipWhitespace(p)
            guard pos < count else { throw fail("unexpected end of input (an object is not closed)") }
            let c = p[pos]
            pos += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw fail("expected ',' or '}' in object, found \(describe(c).replacingPrefix())", at: pos - 1)
        }
        depth -= 1
        return .map(MapRef(entries))
    }

    /// Parses a string starting at its opening quote.
    private mutating func parseString(_ p: UnsafePointer<UInt8>) throws -> String {
        let start = pos + 1
        var i = start
        var high: UInt8 = 0
        // Fast scan: stop at the closing quote, a backslash or a control character.
        while i < count {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                pos = i + 1
                let bytes = UnsafeBufferPointer(start: p + start, count: i - start)
                if high & 0x80 != 0, let bad = UTF8Check.firstInvalid(bytes) {
                    throw fail("invalid UTF-8 in string", at: start + bad)
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string (escape it)", at: i) }
            high |= c
            i += 1
        }
        guard i < count else { throw fail("unexpected end of input (a string is not closed)", at: count) }
        return try parseEscapedString(p, start: start, firstEscape: i)
    }

    private mutating func parseEscapedString(_ p: UnsafePointer<UInt8>, start: Int, firstEscape: Int) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: firstEscape - start))
        var i = firstEscape
        while true {
            guard i < count else { throw fail("unexpected end of input (a string is not closed)", at: count) }
            let c = p[i]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character in string (escape it)", at: i) }
            if c != UInt8(ascii: "\\") { scratch.append(c); i += 1; continue }
            guard i + 1 < count else { throw fail("unexpected end of input in an escape", at: count) }
            let e = p[i + 1]
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(p, at: i + 2)
                var advance = 6
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 7 < count, p[i + 6] == UInt8(ascii: "\\"), p[i + 7] == UInt8(ascii: "u") else {
                        throw fail("lone surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string", at: i)
                    }
                    let low = try hex4(p, at: i + 8)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw fail("lone surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string", at: i)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    advance = 12
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("lone surrogate \\u\(String(scalar, radix: 16, uppercase: true)) in string", at: i)
                }
                appendUTF8(scalar)
                i += advance
                continue
            default:
                throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string", at: i)
            }
            i += 2
        }
        pos = i + 1
        return try scratch.withUnsafeBufferPointer { bytes in
            if let bad = UTF8Check.firstInvalid(bytes) { throw fail("invalid UTF-8 in string", at: start + bad) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private func hex4(_ p: UnsafePointer<UInt8>, at offset: Int) throws -> UInt32 {
        guard offset + 4 <= count else { throw fail("unexpected end of input in a \\u escape", at: count) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[offset + k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape (expected 4 hex digits)", at: offset - 2)
            }
            v = v << 4 | d
        }
        return v
    }

    private mutating func appendUTF8(_ v: UInt32) {
        if v < 0x80 {
            scratch.append(UInt8(v))
        } else if v < 0x800 {
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    private static let exactPowers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses a number: ints that fit in 64 bits stay ints, the rest become doubles.
    private mutating func parseNumber(_ p: UnsafePointer<UInt8>) throws -> Value {
        let start = pos
        var i = pos
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < count else { throw fail("unexpected end of input in a number", at: count) }
        var mantissa: UInt64 = 0
        var digits = 0          // significant digits accumulated in `mantissa`
        var overflow = false
        let first = p[i]
        if first == UInt8(ascii: "0") {
            i += 1
            if i < count, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
                throw fail("leading zeros are not allowed in numbers", at: start)
            }
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while i < count {
                let c = p[i]
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { break }
                if !overflow {
                    let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
                    if o1 || o2 { overflow = true } else { mantissa = m2; digits += 1 }
                }
                i += 1
            }
        } else {
            throw fail("invalid number (expected a digit)", at: i)
        }
        var isInteger = true
        var fractionDigits = 0
        if i < count && p[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let fracStart = i
            while i < count {
                let c = p[i]
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { break }
                if !overflow {
                    let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                    let (m2, o2) = m1.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
                    if o1 || o2 { overflow = true } else { mantissa = m2; fractionDigits += 1 }
                }
                i += 1
            }
            if i == fracStart { throw fail("invalid number (expected a digit after '.')", at: i) }
        }
        var exponent = 0
        if i < count && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            var expNegative = false
            if i < count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            let expStart = i
            while i < count {
                let c = p[i]
                guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") else { break }
                if exponent < 100_000 { exponent = exponent * 10 + Int(c - UInt8(ascii: "0")) }
                i += 1
            }
            if i == expStart { throw fail("invalid number (expected a digit in the exponent)", at: i) }
            if expNegative { exponent = -exponent }
        }
        pos = i
        _ = digits
        if isInteger && !overflow {
            if negative {
                if mantissa <= UInt64(Int.max) { return .int(-Int(mantissa)) }
                if mantissa == UInt64(Int.max) + 1 { return .int(Int.min) }
            } else if mantissa <= UInt64(Int.max) {
                return .int(Int(mantissa))
            }
        }
        // Clinger's fast path: exact when the mantissa fits in 53 bits and 10^|e| is exact.
        if !overflow && mantissa < (1 << 53) {
            let e = exponent - fractionDigits
            if e >= -22 && e <= 22 {
                var d = Double(mantissa)
                d = e < 0 ? d / JSONParser.exactPowers[-e] : d * JSONParser.exactPowers[e]
                return .float(negative ? -d : d)
            }
        }
        return .float(slowDouble(p, start, i))
    }

    /// Converts the validated number text `p[start..<end]` with strtod.
    private func slowDouble(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double {
        let n = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
            for k in 0..<n { buf[k] = CChar(bitPattern: p[start + k]) }
            buf[n] = 0
            return strtod(buf.baseAddress!, nil)
        }
    }
}

/// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
enum UTF8Check {
    /// The offset of the first byte of the first invalid sequence, or nil when valid.
    static func firstInvalid(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let need: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            if i + need >= n { return i }
            let second = b[i + 1]
            if second < lo || second > hi { return i }
            if need >= 2 { let t = b[i + 2]; if t < 0x80 || t > 0xBF { return i } }
            if need == 3 { let t = b[i + 3]; if t < 0x80 || t > 0xBF { return i } }
            i += need + 1
        }
        return nil
    }
}

private extension String {
    /// "unexpected character 'x'" → "character 'x'" for "found ..." phrasing.
    func replacingPrefix() -> String {
        if hasPrefix("unexpected ") { return String(dropFirst("unexpected ".count)) }
        return self
    }
}
