// DecimalText.swift: an int's decimal digits written straight into a byte buffer, two
// at a time, and `str(int)` made from them (a small string for up to 15 bytes).

/// The decimal text of integers, without `String(n)`'s generic formatting path.
enum DecimalText {
    /// "00" through "99", two bytes per pair (a static string: no lazy initialisation).
    private static var pairs: StaticString { "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899" }

    /// The number of bytes of `n`'s decimal text (a leading `-` included): 1 to 20.
    @inline(__always)
    static func count(_ n: Int) -> Int {
        var t = n.magnitude
        var d = n < 0 ? 2 : 1
        while t >= 10_000 { t /= 10_000; d &+= 4 }
        if t >= 100 { t /= 100; d &+= 2 }
        if t >= 10 { d &+= 1 }
        return d
    }

    /// Writes the `length` (`count(n)`) bytes of `n`'s decimal text at `out`.
    @inline(__always)
    static func write(_ n: Int, length: Int, to out: UnsafeMutablePointer<UInt8>) {
        var m = n.magnitude
        var end = out + length
        let table = pairs.utf8Start
        while m >= 100 {
            let r = Int(truncatingIfNeeded: m % 100) &* 2
            m /= 100
            end -= 2
            end[0] = table[r]
            end[1] = table[r &+ 1]
        }
        if m >= 10 {
            let r = Int(truncatingIfNeeded: m) &* 2
            end -= 2
            end[0] = table[r]
            end[1] = table[r &+ 1]
        } else {
            end -= 1
            end[0] = UInt8(truncatingIfNeeded: m) &+ UInt8(ascii: "0")
        }
        if n < 0 { out[0] = UInt8(ascii: "-") }
    }

    /// Writes `n`'s decimal text at `out`; returns the number of bytes written (at most 20).
    @inline(__always)
    static func write(_ n: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let length = count(n)
        write(n, length: length, to: out)
        return length
    }

    /// `n` in decimal, as `String(n)` (up to 15 bytes a small string: no allocation and
    /// no UTF-8 validation, only the initializer's ASCII test).
    static func string(_ n: Int) -> String {
        let length = count(n)
        return String(unsafeUninitializedCapacity: length) { buf in
            write(n, length: length, to: buf.baseAddress!)
            return length
        }
    }
}
