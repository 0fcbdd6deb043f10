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

/// The code of an interpolation's values, part `i` run by `run(i, vm)`.
protocol InterpolationParts {
    /// The number of values.
    var count: Int { get }
    /// Evaluates value `i`.
    func run(_ i: Int, _ vm: VM) throws -> Value
}

/// Two values, held one by one (no array: the closures are not retained per call).
struct TwoParts: InterpolationParts {
    let c0: Code, c1: Code
    var count: Int { 2 }
    @inline(__always)
    func run(_ i: Int, _ vm: VM) throws -> Value { i == 0 ? try c0(vm) : try c1(vm) }
}

/// Three values, held one by one.
struct ThreeParts: InterpolationParts {
    let c0: Code, c1: Code, c2: Code
    var count: Int { 3 }
    @inline(__always)
    func run(_ i: Int, _ vm: VM) throws -> Value {
        switch i {
        case 0: return try c0(vm)
        case 1: return try c1(vm)
        default: return try c2(vm)
        }
    }
}

/// Any number of values.
struct ManyParts: InterpolationParts {
    let codes: [CodeBox]
    var count: Int { codes.count }
    @inline(__always)
    func run(_ i: Int, _ vm: VM) throws -> Value { try codes[i].run(vm) }
}
