// BuiltinsString.swift: string built-ins: join, split, lines, trim, case, replace,
// prefix/suffix/substring tests, padding, repeat, chars, and `format`.
// Substring search works on UTF-8 bytes (like Python on code points), so "\r\n" never
// hides a "\n" the way Character comparison would.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Builtins {
    static var stringFunctions: [(String, NativeBody)] {
        [
            ("join", join),
            ("split", split),
            ("lines", lines),
            ("trim", { try trim($0, $1, "trim", start: true, end: true) }),
            ("trim_start", { try trim($0, $1, "trim_start", start: true, end: false) }),
            ("trim_end", { try trim($0, $1, "trim_end", start: false, end: true) }),
            ("lower", { args, _ in try args.expect("lower", 1, 1); return .string(try Expect.string(args.at(0), "lower", "the argument").lowercased()) }),
            ("upper", { args, _ in try args.expect("upper", 1, 1); return .string(try Expect.string(args.at(0), "upper", "the argument").uppercased()) }),
            ("replace", replace),
            ("starts_with", { try affix($0, $1, "starts_with") }),
            ("ends_with", { try affix($0, $1, "ends_with") }),
            ("contains", contains),
            ("pad_left", { try pad($0, $1, "pad_left") }),
            ("pad_right", { try pad($0, $1, "pad_right") }),
            ("repeat", repeatString),
            ("chars", { args, _ in
                try args.expect("chars", 1, 1)
                return .list(try Seq.characters(try Expect.string(args.at(0), "chars", "the argument"), "chars"))
            }),
            ("format", format),
        ]
    }

    /// `join(xs, sep = "")`: the items through `str`, separated by `sep`.
    static func join(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("join", 1, 2)
        let sep = args.count > 1 ? try Expect.string(args.at(1), "join", "the separator") : ""
        // A list of strings: size the result once and append without formatting.
        if case .list(let l) = args.at(0) {
            let items = l.items
            let separators = max(items.count - 1, 0)
            try SizeLimits.checkProduct(sep.utf8.count, separators, limit: SizeLimits.maxBytes, "join: result")
            var total = sep.utf8.count * separators
            var allStrings = true
            for x in items {
                guard case .string(let s) = x else { allStrings = false; break }
                // (No overflow: both are at most the limit.)
                total &+= s.utf8.count
                if total > SizeLimits.maxBytes { throw SizeLimits.tooLarge("join: result", SizeLimits.maxBytes) }
            }
            if allStrings {
                try rt.reserveMemory(forNew: total)
                if total == 0 { return .string("") }
                // Copy the UTF-8 bytes straight into the result's buffer (String.append
                // costs far more per short piece).
                var sepText = sep
                return .string(sepText.withUTF8 { sepBytes in
                    String(unsafeUninitializedCapacity: total) { buf in
                        let out = buf.baseAddress!
                        let sepCount = sepBytes.count
                        var k = 0
                        items.withUnsafeBufferPointer { values in
                            for i in values.indices {
                                if i > 0 && sepCount > 0 {
                                    if sepCount == 1 {
                                        out[k] = sepBytes[0]
                                    } else {
                                        (out + k).update(from: sepBytes.baseAddress!, count: sepCount)
                                    }
                                    k &+= sepCount
                                }
                                if case .string(let s) = values[i] { k &+= UTF8Bytes.copy(s, to: out + k) }
                            }
                        }
                        return k
                    }
                })
            }
        }
        var out = ""
        var firstItem = true
        try Seq.forEach(args.at(0), "join", rt) { x in
            if !firstItem { out += sep }
            firstItem = false
            let text = x.displayString
            try SizeLimits.checkSum(out.utf8.count, text.utf8.count, limit: SizeLimits.maxBytes, "join: result")
            try rt.reserveMemory(text.utf8.count &+ sep.utf8.count, building: out.utf8.count &+ text.utf8.count)
            out += text
            return true
        }
        return .string(out)
    }

    /// `split(s, sep?, max?)`: without `sep` (or with nil) splits on runs of whitespace and
    /// drops empty pieces; with `sep`, keeps empty pieces; `max` limits the number of splits.
    static func split(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("split", 1, 3)
        let s = try Expect.string(args.at(0), "split", "the string")
        let maxSplits = args.count > 2 ? try Expect.int(args.at(2), "split", "max") : -1
        let limit = maxSplits < 0 ? Int.max : maxSplits
        if case .null = args.at(1) {
            var parts: [Value] = []
            var rest = Substring(s)
            while true {
                rest = rest.drop(while: { $0.isWhitespace })
                if rest.isEmpty { break }
                if parts.count == limit { parts.append(.string(String(rest))); break }
                if parts.count >= SizeLimits.maxItems { throw SizeLimits.tooLarge("split: result", SizeLimits.maxItems) }
                let end = rest.firstIndex(where: { $0.isWhitespace }) ?? rest.endIndex
                parts.append(.string(String(rest[..<end])))
                rest = rest[end...]
            }
            return .list(try Seq.reserveMemory(for: parts, rt))
        }
        let sep = try Expect.string(args.at(1), "split", "the separator")
        if sep.isEmpty { throw DshError.runtime("split: empty separator") }
        return .list(try Seq.reserveMemory(for: StringSearch.split(s, sep, limit: limit) { .string($0) }, rt))
    }

    /// `lines(s)`: the lines without their `\n` or `\r\n`; no empty last line for a final newline.
    static func lines(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("lines", 1, 1)
        let s = try Expect.string(args.at(0), "lines", "the argument")
        var parts = try StringSearch.split(s, "\n", limit: Int.max)
        if parts.last == "" { parts.removeLast() }
        return .list(parts.map { .string($0.hasSuffix("\r") ? String($0.utf8.dropLast()) ?? $0 : $0) })
    }

    /// `trim(s, chars?)` and friends: whitespace (or any of `chars`) removed from the ends.
    static func trim(_ args: Arguments, _ rt: any Runtime, _ fn: String, start: Bool, end: Bool) throws -> Value {
        try args.expect(fn, 1, 2)
        let s = try Expect.string(args.at(0), fn, "the string")
        let set: Set<Unicode.Scalar>? = args.count > 1 ? Set(try Expect.string(args.at(1), fn, "chars").unicodeScalars) : nil
        let strip: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? $0.properties.isWhitespace }
        let scalars = s.unicodeScalars
        var lo = scalars.startIndex, hi = scalars.endIndex
        if start { while lo < hi, strip(scalars[lo]) { lo = scalars.index(after: lo) } }
        if end {
            while hi > lo {
                let p = scalars.index(before: hi)
                if !strip(scalars[p]) { break }
                hi = p
            }
        }
        return .string(String(Substring(scalars[lo..<hi])))
    }

    /// `replace(s, old, new, count?)`: every (or the first `count`) occurrence replaced.
    static func replace(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("replace", 3, 4)
        let s = try Expect.string(args.at(0), "replace", "the string")
        let old = try Expect.string(args.at(1), "replace", "the pattern")
        let new = try Expect.string(args.at(2), "replace", "the replacement")
        let limit = args.count > 3 ? try Expect.int(args.at(3), "replace", "count") : -1
        if old.isEmpty { throw DshError.runtime("replace: empty pattern") }
        let parts = try StringSearch.split(s, old, limit: limit < 0 ? Int.max : limit)
        try SizeLimits.checkProduct(new.utf8.count, parts.count - 1, limit: SizeLimits.maxBytes - s.utf8.count, "replace: result")
        let size = s.utf8.count &+ new.utf8.count &* (parts.count - 1)
        try rt.reserveMemory(forNew: size)
        return .string(parts.joined(separator: new))
    }

    /// `starts_with(s, prefix)` / `ends_with(s, suffix)` (also on bytes and lists).
    static func affix(_ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> Value {
        try args.expect(fn, 2, 2)
        let isPrefix = fn == "starts_with"
        switch (args.at(0), args.at(1)) {
        case let (.string(s), .string(p)):
            return .bool(isPrefix ? s.utf8.starts(with: p.utf8) : s.utf8.reversed().starts(with: p.utf8.reversed()))
        case let (.bytes(s), .bytes(p)):
            return .bool(isPrefix ? s.starts(with: p) : s.reversed().starts(with: p.reversed()))
        case let (.list(s), .list(p)):
            guard p.items.count <= s.items.count else { return .bool(false) }
            let offset = isPrefix ? 0 : s.items.count - p.items.count
            for i in 0..<p.items.count where try !Value.equals(s.items[offset + i], p.items[i]) { return .bool(false) }
            return .bool(true)
        case let (a, b):
            throw DshError.runtime("\(fn): expected two strings, got \(a.typeName) and \(b.typeName)")
        }
    }

    /// `contains(xs, x)`: a substring of a string, an item of a list or stream, a key of a map.
    static func contains(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("contains", 2, 2)
        switch args.at(0) {
        case .string(let s):
            let needle = try Expect.string(args.at(1), "contains", "the substring")
            return .bool(needle.isEmpty || StringSearch.firstRange(of: needle, in: s) != nil)
        case .map(let m):
            return .bool(m.entries[args.at(1).displayString] != nil)
        case .bytes(let b):
            guard case .bytes(let n) = args.at(1) else {
                if case .int(let i) = args.at(1) { return .bool(b.contains { Int($0) == i }) }
                throw DshError.runtime("contains: expected bytes or an int to look for in bytes")
            }
            return .bool(n.isEmpty || StringSearch.firstIndex(of: n, in: b) != nil)
        default:
            let target = args.at(1)
            var found = false
            try Seq.forEach(args.at(0), "contains", rt) { x in
                if try Value.equals(x, target) { found = true; return false }
                return true
            }
            return .bool(found)
        }
    }

    /// `pad_left(s, width, fill = " ")` / `pad_right`: padded to `width` characters.
    static func pad(_ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> Value {
        try args.expect(fn, 2, 3)
        let s = args.at(0).displayString
        let width = try Expect.int(args.at(1), fn, "the width")
        let fill = args.count > 2 ? try Expect.string(args.at(2), fn, "the fill") : " "
        guard fill.count == 1 else { throw DshError.runtime("\(fn): fill must be one character") }
        let length = s.count
        if width <= length { return .string(s) }
        let n = width - length  // cannot overflow: width > length >= 0
        try SizeLimits.checkProduct(fill.utf8.count, n, limit: SizeLimits.maxBytes - s.utf8.count, "\(fn): result")
        try rt.reserveMemory(forNew: fill.utf8.count &* n &+ s.utf8.count)
        let padding = String(repeating: fill, count: n)
        return .string(fn == "pad_left" ? padding + s : s + padding)
    }

    /// `repeat(s, n)`: a string (or list) repeated `n` times.
    static func repeatString(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("repeat", 2, 2)
        let n = try Expect.int(args.at(1), "repeat", "the count")
        guard n >= 0 else { throw DshError.runtime("repeat: count must not be negative") }
        switch args.at(0) {
        case .string(let s):
            try SizeLimits.checkProduct(s.utf8.count, n, limit: SizeLimits.maxBytes, "repeat: result")
            try rt.reserveMemory(forNew: s.utf8.count &* n)
            return .string(UTF8Bytes.repeated(s, n))
        case .list(let l):
            try SizeLimits.checkProduct(l.items.count, n, limit: SizeLimits.maxItems, "repeat: result")
            try rt.reserveMemory(forNew: l.items.count &* n &* MemoryCensus.slot)
            var out: [Value] = []
            out.reserveCapacity(l.items.count * n)
            for _ in 0..<n {
                try rt.checkInterrupt()
                out += l.items
            }
            return .list(out)
        case let v: throw DshError.runtime("repeat: expected a string or list, got \(v.typeName)")
        }
    }

    /// `format(template, args..., name: v)`: `{}` takes the next positional argument,
    /// `{0}` one by index, `{name}` a named one; `{{`/`}}` are braces. A spec after `:`
    /// is `[[fill]align][sign][0][width][,][.precision][type]`, with align `<` `>` `^`
    /// and type `d` `f` `e` `g` `x` `X` `o` `b` `s` `%` (as in Python).
    static func format(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("format", 1, Int.max, named: args.named.map(\.name))
        let template = try Expect.string(args.at(0), "format", "the template")
        let values = Array(args.positional.dropFirst())
        let out = try Formatter.format(template, values, named: args.named)
        try rt.reserveMemory(forNew: out.utf8.count)
        return .string(out)
    }
}

/// Byte-level substring search over UTF-8.
enum StringSearch {
    /// The first index of `needle` in `hay`, or nil.
    static func firstIndex<H: Collection, N: Collection>(of needle: N, in hay: H) -> H.Index?
    where H.Element == UInt8, N.Element == UInt8 {
        guard let first = needle.first else { return hay.startIndex }
        let rest = needle.dropFirst()
        var i = hay.startIndex
        while let j = hay[i...].firstIndex(of: first) {
            var a = hay.index(after: j)
            var b = rest.startIndex
            var ok = true
            while b != rest.endIndex {
                if a == hay.endIndex || hay[a] != rest[b] { ok = false; break }
                a = hay.index(after: a)
                b = rest.index(after: b)
            }
            if ok { return j }
            i = hay.index(after: j)
        }
        return nil
    }

    /// The range of the first occurrence of `needle` in `s`.
    static func firstRange(of needle: String, in s: String) -> Range<String.Index>? {
        let hay = s.utf8
        guard let start = firstIndex(of: needle.utf8, in: hay) else { return nil }
        let end = hay.index(start, offsetBy: needle.utf8.count)
        return start..<end
    }

    /// Splits `s` at occurrences of `sep` (non-empty), at most `limit` times, keeping empty pieces.
    static func split(_ s: String, _ sep: String, limit: Int) throws -> [String] {
        try split(s, sep, limit: limit) { $0 }
    }

    /// `split`, each piece passed through `wrap` as it is cut (`split()` makes its
    /// list of values directly, without a second pass over an array of strings).
    static func split<T>(_ s: String, _ sep: String, limit: Int, _ wrap: (String) -> T) throws -> [T] {
        var parts: [T] = []
        // More pieces than a list may hold is an error, before memory runs out.
        var tooMany = false
        var s = s
        var sep = sep
        s.withUTF8 { hay in
            sep.withUTF8 { needle in
                let n = needle.count, h = hay.count
                let first = needle[0]
                guard let base = hay.baseAddress else {
                    parts.append(wrap(""))
                    return
                }
                var start = 0
                var i = 0
                if n == 1 {
                    // One byte: `memchr` finds it. Without a memory limit the list is
                    // sized first (one pass counting the byte), not regrown by doubling
                    // (copies and twice the pages touched).
                    if MemoryMeter.current == nil {
                        let pieces = StringSearch.count(first, in: base, h, upTo: min(limit, reserveLimit)) &+ 1
                        parts.reserveCapacity(pieces)
                    }
                    while i < h, parts.count < limit {
                        if parts.count >= SizeLimits.maxItems { tooMany = true; return }
                        guard let hit = memchr(base + i, Int32(first), h &- i) else { break }
                        i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                        parts.append(wrap(UTF8Bytes.string(base + start, count: i &- start)))
                        i &+= 1
                        start = i
                    }
                } else {
                    while i + n <= h, parts.count < limit {
                        if parts.count >= SizeLimits.maxItems { tooMany = true; return }
                        if hay[i] == first && memcmpEqual(hay, i, needle) {
                            parts.append(wrap(UTF8Bytes.string(base + start, count: i &- start)))
                            i += n
                            start = i
                        } else {
                            i += 1
                        }
                    }
                }
                parts.append(wrap(UTF8Bytes.string(base + start, count: h &- start)))
            }
        }
        if tooMany { throw SizeLimits.tooLarge("split: result", SizeLimits.maxItems) }
        return parts
    }

    /// The most pieces `split` sizes its list for up front (more grow as they come).
    static let reserveLimit = 1 << 20

    /// The number of `byte`s in the `count` bytes at `base`, at most `limit` (a loop the
    /// compiler vectorises: a fraction of an instruction per byte).
    static func count(_ byte: UInt8, in base: UnsafePointer<UInt8>, _ count: Int, upTo limit: Int) -> Int {
        var found = 0
        for b in UnsafeBufferPointer(start: base, count: count) where b == byte { found &+= 1 }
        return min(found, limit)
    }

    private static func memcmpEqual(_ hay: UnsafeBufferPointer<UInt8>, _ at: Int, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        for k in 0..<needle.count where hay[at + k] != needle[k] { return false }
        return true
    }
}
