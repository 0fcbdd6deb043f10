// MapKeyHash.swift: the hash of a map key: a multiply-mix hash over the key's UTF-8
// bytes, seeded once per process, that agrees with `String`'s `==`.

/// The hash `MapTable` keeps for each key.
///
/// An ASCII key (the usual case: names, `"k${i}"`, JSON members) is hashed over its
/// bytes, 16 at a time, with two 64x64->128-bit multiplications for a key of up to 16
/// bytes (the mixing of wyhash). The secret is drawn once per process from the system's
/// random source, so keys chosen in advance (JSON a daemon returns, a file's lines)
/// cannot be made to collide: which keys collide depends on the secret.
///
/// `String`'s `==` is canonical equivalence, so the hash must give canonically
/// equivalent keys one value. An ASCII string is equivalent only to itself and to
/// strings in which some ASCII characters are replaced by the three scalars whose
/// canonical decomposition is one ASCII character (U+037E `;`, U+1FEF `` ` ``, U+212A
/// `K`: every other non-ASCII scalar keeps a non-ASCII scalar in any normal form).
/// A non-ASCII key made only of ASCII and those three is hashed as its ASCII form; any
/// other non-ASCII key by the standard library's `Hasher` (SipHash over the normalized
/// text, also seeded per process), which no ASCII key meets.
enum MapKeyHash {
    /// A secret: two words.
    typealias Secret = (UInt64, UInt64)

    /// The per-process secret: two random words.
    static let secret: Secret = {
        var g = SystemRandomNumberGenerator()
        return (g.next(), g.next())
    }()

    /// The 64-bit hash of `key` under `secret` (the process's: `MapKeyHash.secret`).
    @inline(__always)
    static func hash(_ key: String, _ secret: Secret) -> UInt64 {
        let fast = key.utf8.withContiguousStorageIfAvailable { bytes -> UInt64? in
            ascii(bytes.baseAddress, bytes.count, secret)
        }
        if let fast, let h = fast { return h }
        return other(key, secret)
    }

    /// The 64-bit hash of `key` under the process's secret.
    static func hash(_ key: String) -> UInt64 { hash(key, secret) }

    /// The hash of `n` bytes at `p` when they are all ASCII; nil when one is not.
    @inline(__always)
    static func ascii(_ p: UnsafePointer<UInt8>?, _ n: Int, _ secret: Secret) -> UInt64? {
        let (k0, k1) = secret
        guard let p, n > 0 else { return mix(k1, k0) }
        let raw = UnsafeRawPointer(p)
        var a: UInt64, b: UInt64, seen: UInt64
        var s = k0
        if n <= 16 {
            if n >= 8 {
                a = raw.loadUnaligned(as: UInt64.self)
                b = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            } else if n >= 4 {
                a = UInt64(raw.loadUnaligned(as: UInt32.self))
                b = UInt64(raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
            } else {
                a = UInt64(p[0]) << 16 | UInt64(p[n >> 1]) << 8 | UInt64(p[n &- 1])
                b = 0
            }
            seen = a | b
        } else {
            seen = 0
            var i = 0
            while n &- i > 16 {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let y = raw.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
                seen |= x | y
                s = mix(x ^ k1, y ^ s)
                i &+= 16
            }
            a = raw.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self)
            b = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            seen |= a | b
        }
        if seen & 0x8080_8080_8080_8080 != 0 { return nil }
        return mix(k1 ^ UInt64(truncatingIfNeeded: n), mix(a ^ k1, b ^ s))
    }

    /// The high and low halves of the 128-bit product, folded.
    @inline(__always)
    private static func mix(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let r = x.multipliedFullWidth(by: y)
        return r.high ^ r.low
    }

    /// The hash of a key that is not plain ASCII bytes (see the type's comment).
    @inline(never)
    private static func other(_ key: String, _ secret: Secret) -> UInt64 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count)
        for u in key.unicodeScalars {
            switch u.value {
            case 0..<0x80: bytes.append(UInt8(truncatingIfNeeded: u.value))
            case 0x37E: bytes.append(0x3B)   // GREEK QUESTION MARK is ";"
            case 0x1FEF: bytes.append(0x60)  // GREEK VARIA is "`"
            case 0x212A: bytes.append(0x4B)  // KELVIN SIGN is "K"
            default:
                var h = Hasher()
                h.combine(key)
                return UInt64(UInt(bitPattern: h.finalize()))
            }
        }
        return bytes.withUnsafeBufferPointer { ascii($0.baseAddress, $0.count, secret) } ?? 0
    }
}
