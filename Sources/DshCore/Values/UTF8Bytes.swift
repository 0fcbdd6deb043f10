// UTF8Bytes.swift: copying a string's UTF-8 bytes into a buffer and making a string of
// bytes known to be valid UTF-8, the two steps of building a string in one allocation.

/// Moves UTF-8 bytes between strings and buffers.
enum UTF8Bytes {
    /// Copies the UTF-8 bytes of `s` to `out`; returns their number.
    @inline(__always)
    static func copy(_ s: String, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if let n = s.utf8.withContiguousStorageIfAvailable({ bytes in
            if let src = bytes.baseAddress { copy(src, to: out, count: bytes.count) }
            return bytes.count
        }) {
            return n
        }
        var k = 0
        for b in s.utf8 { out[k] = b; k &+= 1 }
        return k
    }

    /// Copies `count` bytes from `src` to `out` (which do not overlap): up to 16 bytes
    /// with two overlapping loads and stores of a word or less (a short string's copy
    /// costs less than calling `memcpy`), longer ones with `memcpy`.
    @inline(__always)
    static func copy(_ src: UnsafePointer<UInt8>, to out: UnsafeMutablePointer<UInt8>, count n: Int) {
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(out)
        if n >= 8 {
            if n > 16 { to.copyMemory(from: from, byteCount: n); return }
            let head = from.loadUnaligned(as: UInt64.self)
            let tail = from.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            to.storeBytes(of: head, as: UInt64.self)
            to.storeBytes(of: tail, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 {
            let head = from.loadUnaligned(as: UInt32.self)
            let tail = from.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            to.storeBytes(of: head, as: UInt32.self)
            to.storeBytes(of: tail, toByteOffset: n &- 4, as: UInt32.self)
        } else {
            var i = 0
            while i < n { out[i] = src[i]; i &+= 1 }
        }
    }

    /// The `count` bytes at `src` (valid UTF-8) as a string. Not `String(decoding:)`:
    /// that validates the bytes (~150 instructions for a short piece); this initializer
    /// makes a result of up to 15 ASCII bytes a small string after a single ASCII mask
    /// test (longer results are validated as usual).
    @inline(__always)
    static func string(_ src: UnsafePointer<UInt8>, count: Int) -> String {
        if count == 0 { return "" }
        return String(unsafeUninitializedCapacity: count) { dst in
            copy(src, to: dst.baseAddress!, count: count)
            return count
        }
    }

    /// The `count` bytes at `src` as a string, without validating them: only for bytes
    /// that are valid UTF-8 by construction (whole strings' bytes, ASCII digits and
    /// ASCII text, one after another; never a piece cut out of a string or bytes from
    /// outside). `knownASCII` says they are all ASCII, which spares the string's ASCII scan
    /// (false: not known, the bytes are scanned).
    /// Validation is a fifth of the cost of a short interpolation's string, and the
    /// result of one is valid by construction.
    @inline(__always)
    static func wholeString(_ src: UnsafePointer<UInt8>, count: Int, knownASCII: Bool) -> String {
        let bytes = UnsafeBufferPointer(start: src, count: count)
        return knownASCII ? String.stdlibUncheckedFromUTF8(bytes, isASCII: true) : String.stdlibUncheckedFromUTF8(bytes)
    }

    /// `s` repeated `n` times (`n >= 0`; the caller has checked the size): the bytes
    /// copied by doubling, a few `memcpy`s in all. `String(repeating:count:)` appends
    /// `n` times: 9.5 s for `"x" * 536870912`, a stretch no deadline or Ctrl-C could
    /// interrupt.
    static func repeated(_ s: String, _ n: Int) -> String {
        var s = s
        let unit = s.utf8.count
        if unit == 0 || n == 0 { return "" }
        if n == 1 { return s }
        let total = unit &* n
        return s.withUTF8 { src in
            String(unsafeUninitializedCapacity: total) { dst in
                let base = dst.baseAddress!
                UnsafeMutableRawPointer(base).copyMemory(from: src.baseAddress!, byteCount: unit)
                var done = unit
                while done < total {
                    let k = min(done, total &- done)
                    UnsafeMutableRawPointer(base + done).copyMemory(from: base, byteCount: k)
                    done &+= k
                }
                return total
            }
        }
    }
}

extension String {
    /// The standard library's `String._uncheckedFromUTF8(_:isASCII:)`: a string of the
    /// bytes, copied, not validated (a small string for up to 15 bytes). It is internal
    /// but `@usableFromInline`, so its symbol is part of the library's ABI; Swift offers
    /// no public initializer that skips validation. Only `UTF8Bytes.wholeString` calls it.
    @_silgen_name("$sSS18_uncheckedFromUTF8_7isASCIISSSRys5UInt8VG_SbtFZ")
    fileprivate static func stdlibUncheckedFromUTF8(_ bytes: UnsafeBufferPointer<UInt8>, isASCII: Bool) -> String

    /// The standard library's `String._uncheckedFromUTF8(_:)`: the same, with the bytes'
    /// ASCII scan (the string records whether it is all ASCII).
    @_silgen_name("$sSS18_uncheckedFromUTF8ySSSRys5UInt8VGFZ")
    fileprivate static func stdlibUncheckedFromUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String
}
