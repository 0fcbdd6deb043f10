// LiteralTexts.swift: the pieces of a compiled interpolation: its literal texts, as
// UTF-8 bytes in one buffer the compiled code copies whole into the result (no per-byte
// loop, no array retained per run), and its values' code.

/// The texts of an interpolation (`"a${x}b${y}c"`: `a`, `b`, `c`), each as a string and
/// as bytes at a fixed place in one buffer.
final class LiteralTexts {
    /// The texts as strings (for the paths that append to a `String`).
    let strings: [String]
    /// Every text's bytes, one after the other.
    private let bytes: UnsafeMutablePointer<UInt8>
    /// Where text k starts in `bytes` (k = 0 ... count), and where the last one ends.
    private let starts: UnsafeMutablePointer<Int>
    /// The bytes of all the texts.
    let total: Int
    /// Whether every text is ASCII.
    let isASCII: Bool
    /// Whether the texts with up to three ints between them (20 bytes each at most)
    /// stay within the size limit: then ints need no size check as they come.
    let intsFit: Bool

    init(_ texts: [String]) {
        strings = texts
        let total = texts.reduce(0) { $0 + $1.utf8.count }
        bytes = .allocate(capacity: max(total, 1))
        starts = .allocate(capacity: texts.count + 1)
        var k = 0
        for (i, t) in texts.enumerated() {
            starts[i] = k
            for b in t.utf8 { bytes[k] = b; k += 1 }
        }
        starts[texts.count] = k
        self.total = k
        isASCII = texts.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
        intsFit = k <= SizeLimits.maxBytes - 60
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
    }

    /// The number of bytes of text `k`.
    @inline(__always)
    func count(_ k: Int) -> Int { starts[k &+ 1] &- starts[k] }

    /// Copies text `k`'s bytes to `out`.
    @inline(__always)
    func copy(_ k: Int, to out: UnsafeMutablePointer<UInt8>) {
        let from = starts[k], n = starts[k &+ 1] &- from
        UTF8Bytes.copy(bytes + from, to: out, count: n)
    }
}

/// An interpolated value as it will be written: an int's digits (the int and their
/// number) or a string's bytes (a value of another type as it displays).
enum PartText {
    case digits(Int, Int)
    case text(String)

    @inline(__always)
    init(_ v: consuming Value) {
        switch v {
        case .int(let n): self = .digits(n, DecimalText.count(n))
        case .string(let s): self = .text(s)
        default: self = .text(v.displayString)
        }
    }

    /// Whether it writes ASCII only (digits do; a string's bytes are not looked at).
    @inline(__always)
    var isDigits: Bool {
        if case .digits = self { return true }
        return false
    }

    /// The number of bytes it writes.
    @inline(__always)
    var count: Int {
        switch self {
        case .digits(_, let k): return k
        case .text(let s): return s.utf8.count
        }
    }

    /// Writes it at `out`; returns the number of bytes written.
    @inline(__always)
    func write(to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch self {
        case .digits(let n, let k):
            DecimalText.write(n, length: k, to: out)
            return k
        case .text(let s):
            return UTF8Bytes.copy(s, to: out)
        }
    }
}

/// Interpolations of two and three values: each value taken as it comes (its size
/// added, the size limit checked before the next one runs, as appending would), then
/// the texts and values written into a stack buffer and made a string once, without
/// UTF-8 validation (`UTF8Bytes.wholeString`: the bytes are whole strings' bytes and
/// digits). A result longer than the buffer is written straight into a string of its
/// exact size. Values that are all ints (the common case: ids, counts, sizes) take a
/// path of their own, with no `PartText` and no size checks (`LiteralTexts.intsFit`).
enum SizedInterpolation {
    /// The running size with `part` added, or the size-limit error at `span`.
    @inline(__always)
    static func grow(_ total: Int, _ part: PartText, _ span: SourceSpan) throws -> Int {
        let n = total &+ part.count
        if n > SizeLimits.maxBytes { throw Compiler.tooLong(span) }
        return n
    }

    /// A string of `total` bytes that `write` writes (returning their number): in the
    /// stack buffer when it fits, unvalidated; else straight into the string.
    @inline(__always)
    static func make(_ total: Int, knownASCII: @autoclosure () -> Bool,
                     _ write: (UnsafeMutablePointer<UInt8>) -> Int) -> String {
        if total <= Compiler.interpolationBuffer {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Compiler.interpolationBuffer) { buf in
                let out = buf.baseAddress.unsafelyUnwrapped
                return UTF8Bytes.wholeString(out, count: write(out), knownASCII: knownASCII())
            }
        }
        return String(unsafeUninitializedCapacity: total) { write($0.baseAddress.unsafelyUnwrapped) }
    }

    /// `texts[0] v0 texts[1] v1 texts[2]`.
    static func run(_ vm: VM, _ texts: LiteralTexts, _ c0: Code, _ c1: Code, _ span: SourceSpan) throws -> String {
        let v0 = try c0(vm)
        if texts.intsFit, case .int(let a) = v0 {
            let v1 = try c1(vm)
            if case .int(let b) = v1 { return ints(texts, a, b) }
            return try parts(texts, PartText(v0), PartText(v1), span)
        }
        let p0 = PartText(v0)
        _ = try grow(texts.total, p0, span)
        return try parts(texts, p0, PartText(try c1(vm)), span)
    }

    /// Two ints between the texts.
    @inline(__always)
    static func ints(_ texts: LiteralTexts, _ a: Int, _ b: Int) -> String {
        let da = DecimalText.count(a), db = DecimalText.count(b)
        return make(texts.total &+ da &+ db, knownASCII: texts.isASCII) { out in
            texts.copy(0, to: out)
            var k = texts.count(0)
            DecimalText.write(a, length: da, to: out + k)
            k &+= da
            texts.copy(1, to: out + k)
            k &+= texts.count(1)
            DecimalText.write(b, length: db, to: out + k)
            k &+= db
            texts.copy(2, to: out + k)
            return k &+ texts.count(2)
        }
    }

    /// Two values of any kind between the texts (the size checked with the last one).
    static func parts(_ texts: LiteralTexts, _ p0: PartText, _ p1: PartText, _ span: SourceSpan) throws -> String {
        let total = try grow(try grow(texts.total, p0, span), p1, span)
        return make(total, knownASCII: texts.isASCII && p0.isDigits && p1.isDigits) { out in
            texts.copy(0, to: out)
            var k = texts.count(0)
            k &+= p0.write(to: out + k)
            texts.copy(1, to: out + k)
            k &+= texts.count(1)
            k &+= p1.write(to: out + k)
            texts.copy(2, to: out + k)
            return k &+ texts.count(2)
        }
    }

    /// `texts[0] v0 texts[1] v1 texts[2] v2 texts[3]`.
    static func run(_ vm: VM, _ texts: LiteralTexts, _ c0: Code, _ c1: Code, _ c2: Code, _ span: SourceSpan) throws -> String {
        let v0 = try c0(vm)
        if texts.intsFit, case .int(let a) = v0 {
            let v1 = try c1(vm)
            if case .int(let b) = v1 {
                let v2 = try c2(vm)
                if case .int(let c) = v2 { return ints(texts, a, b, c) }
                return try parts(texts, PartText(v0), PartText(v1), PartText(v2), span)
            }
            // (An int cannot pass the size limit, intsFit: only v1's size is checked.)
            let p0 = PartText(v0), p1 = PartText(v1)
            _ = try grow(try grow(texts.total, p0, span), p1, span)
            return try parts(texts, p0, p1, PartText(try c2(vm)), span)
        }
        let p0 = PartText(v0)
        let total = try grow(texts.total, p0, span)
        let p1 = PartText(try c1(vm))
        _ = try grow(total, p1, span)
        return try parts(texts, p0, p1, PartText(try c2(vm)), span)
    }

    /// Three ints between the texts.
    @inline(__always)
    static func ints(_ texts: LiteralTexts, _ a: Int, _ b: Int, _ c: Int) -> String {
        let da = DecimalText.count(a), db = DecimalText.count(b), dc = DecimalText.count(c)
        return make(texts.total &+ da &+ db &+ dc, knownASCII: texts.isASCII) { out in
            texts.copy(0, to: out)
            var k = texts.count(0)
            DecimalText.write(a, length: da, to: out + k)
            k &+= da
            texts.copy(1, to: out + k)
            k &+= texts.count(1)
            DecimalText.write(b, length: db, to: out + k)
            k &+= db
            texts.copy(2, to: out + k)
            k &+= texts.count(2)
            DecimalText.write(c, length: dc, to: out + k)
            k &+= dc
            texts.copy(3, to: out + k)
            return k &+ texts.count(3)
        }
    }

    /// Three values of any kind between the texts (the size checked with the last one).
    static func parts(_ texts: LiteralTexts, _ p0: PartText, _ p1: PartText, _ p2: PartText, _ span: SourceSpan) throws -> String {
        let total = try grow(try grow(try grow(texts.total, p0, span), p1, span), p2, span)
        return make(total, knownASCII: texts.isASCII && p0.isDigits && p1.isDigits && p2.isDigits) { out in
            texts.copy(0, to: out)
            var k = texts.count(0)
            k &+= p0.write(to: out + k)
            texts.copy(1, to: out + k)
            k &+= texts.count(1)
            k &+= p1.write(to: out + k)
            texts.copy(2, to: out + k)
            k &+= texts.count(2)
            k &+= p2.write(to: out + k)
            texts.copy(3, to: out + k)
            return k &+ texts.count(3)
        }
    }
}

/// The code of an interpolation's values, part `i` run by `run(i, vm)`.
protocol InterpolationParts {
    /// The number of values.
    var count: Int { get }
    /// Evaluates value `i`.
    func run(_ i: Int, _ vm: VM) throws -> Value
}

/// Any number of values.
struct ManyParts: InterpolationParts {
    let codes: [CodeBox]
    var count: Int { codes.count }
    @inline(__always)
    func run(_ i: Int, _ vm: VM) throws -> Value { try codes[i].run(vm) }
}
