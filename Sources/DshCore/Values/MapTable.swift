// MapTable.swift: the entries of a dsh map in insertion order, with a hash index over
// their keys that keeps each key's hash (a compact dict, as CPython's).
import OrderedCollections

/// The entries of a map, in insertion order: `keys[i]` goes with `values[i]`.
///
/// Past `scanLimit` entries a hash index finds keys: a power-of-two array of 2^b 32-bit
/// slots, at most half full, probed linearly from the slot given by the low b bits of
/// the key's hash (`MapKeyHash.hash`). A slot holds its entry's position plus one in its
/// low b bits (0: empty) and, above them, a tag: as many bits of the hash's high half.
/// A probe compares tags before it compares keys. Four bytes a slot keep the index of a
/// million keys at 8 MB, half what slots that kept whole hashes took, where each lookup
/// of a big map is a cache miss in the index; growing the index hashes the keys again
/// (cheap, in order), and the entries themselves are never moved by a lookup or a
/// growth. Up to `scanLimit` entries there is no index: a lookup compares the keys in order.
///
/// A value type with copy-on-write storage, like the `OrderedDictionary` it replaces:
/// `var copy = m.entries` then changing `copy` leaves `m` alone. Removing a key keeps
/// the order of the others (O(count), as `OrderedDictionary`'s removal).
public struct MapTable {
    /// The keys, in insertion order.
    public private(set) var keys: ContiguousArray<String>
    /// The values, in the order of `keys`. Code of this module may replace values in
    /// place (`values[i] = v`); only the table adds or removes them.
    public internal(set) var values: ContiguousArray<Value>
    /// The index (empty up to `scanLimit` entries): see the type's comment.
    private var slots: ContiguousArray<UInt32>
    /// `MapKeyHash`'s secret, copied when the index is made (read here, it costs no
    /// one-time-initialization check per hash).
    private var secret: MapKeyHash.Secret = (0, 0)

    /// Up to this many entries a lookup compares keys in order, without an index.
    static let scanLimit = 8

    /// Makes an empty table.
    public init() {
        keys = []
        values = []
        slots = []
    }

    /// Makes a table of `keys` (which must be distinct: not checked) and `values`, in
    /// order. The key array is shared, not copied (maps built per item with one set of keys).
    public init(uncheckedUniqueKeys keys: ContiguousArray<String>, values: ContiguousArray<Value>) {
        precondition(keys.count == values.count, "a map needs one value per key")
        self.keys = keys
        self.values = values
        slots = []
        if keys.count > Self.scanLimit { reindex(slotCount: Self.slotCount(for: keys.count)) }
    }

    /// Makes a table of the entries of an `OrderedDictionary`, in its order.
    public init(_ entries: OrderedDictionary<String, Value>) {
        self.init(uncheckedUniqueKeys: ContiguousArray(entries.keys), values: ContiguousArray(entries.values))
    }

    /// The number of entries.
    public var count: Int { keys.count }
    /// Whether there are no entries.
    public var isEmpty: Bool { keys.isEmpty }

    /// The position of `key` in `keys` and `values`, or nil when it is not there.
    @inline(__always)
    public func index(forKey key: String) -> Int? {
        if slots.isEmpty { return scan(key) }
        let r = probe(key, MapKeyHash.hash(key, secret))
        return r >= 0 ? r : nil
    }

    /// The value under `key`, or nil; setting nil removes the key.
    public subscript(key: String) -> Value? {
        @inline(__always) get {
            guard let i = index(forKey: key) else { return nil }
            return values[i]
        }
        set {
            if let newValue { set(key, newValue) } else { removeValue(forKey: key) }
        }
    }

    /// Sets `key` to `value`: in place when the key is there, else at the end. One hash.
    @inline(__always)
    public mutating func set(_ key: consuming String, _ value: consuming Value) {
        _ = insert(key, value)
    }

    /// The value under `key`, or `.null` when it is not there (what `m[k]` reads).
    @inline(__always)
    public func value(forKey key: String) -> Value {
        guard let i = index(forKey: key) else { return .null }
        return values[i]
    }

    /// Sets `key` to `value` as `set` does; returns the value it replaced, or nil.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: String) -> Value? {
        if let i = index(forKey: key) {
            let old = values[i]
            values[i] = value
            return old
        }
        _ = insert(key, value)
        return nil
    }

    /// Removes `key` and returns its value (nil when it was not there); the other
    /// entries keep their order.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        guard let i = index(forKey: key) else { return nil }
        keys.remove(at: i)
        let old = values.remove(at: i)
        if !slots.isEmpty {
            if keys.count <= Self.scanLimit { slots = [] } else { reindex(slotCount: slots.count) }
        }
        return old
    }

    /// Removes every entry.
    public mutating func removeAll() {
        keys = []
        values = []
        slots = []
    }

    /// Makes room for `n` entries in all, so that adding up to that many moves nothing.
    public mutating func reserveCapacity(_ n: Int) {
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
        if n > Self.scanLimit {
            let want = Self.slotCount(for: n)
            if slots.count < want { reindex(slotCount: want) }
        }
    }

    // MARK: The index

    /// The slot count for `n` entries: a power of two at least twice `n` (16 at least).
    private static func slotCount(for n: Int) -> Int {
        var c = 16
        while c < n &* 2 { c &*= 2 }
        return c
    }

    /// The position of `key` (found by comparing keys in order), or nil.
    private func scan(_ key: String) -> Int? {
        var i = 0
        let n = keys.count
        while i < n {
            if keys[i] == key { return i }
            i &+= 1
        }
        return nil
    }

    /// The tag bits of hash `h` in an index of `mask + 1` slots: the bits of its high
    /// half above the position bits.
    @inline(__always)
    private static func tag(_ h: UInt64, _ mask: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: h >> 32) & ~UInt32(truncatingIfNeeded: mask)
    }

    /// Probes the index for `key` of hash `h`: the entry's position when it is there,
    /// else the complement (`~slot`) of the empty slot where it would go.
    @inline(__always)
    private func probe(_ key: String, _ h: UInt64) -> Int {
        slots.withUnsafeBufferPointer { s in
            let mask = s.count &- 1
            let low = UInt32(truncatingIfNeeded: mask), tag = Self.tag(h, mask)
            var b = Int(truncatingIfNeeded: h) & mask
            while true {
                let slot = s[b]
                if slot == 0 { return ~b }
                if slot & ~low == tag {
                    let i = Int(truncatingIfNeeded: slot & low) &- 1
                    if keys[i] == key { return i }
                }
                b = (b &+ 1) & mask
            }
        }
    }

    /// Sets `key` to `value`; returns the entry's position.
    @inline(__always)
    private mutating func insert(_ key: consuming String, _ value: consuming Value) -> Int {
        if slots.isEmpty {
            if let i = scan(key) {
                values[i] = value
                return i
            }
            keys.append(key)
            values.append(value)
            if keys.count > Self.scanLimit { reindex(slotCount: Self.slotCount(for: keys.count)) }
            return keys.count &- 1
        }
        let h = MapKeyHash.hash(key, secret)
        let r = probe(key, h)
        if r >= 0 {
            values[r] = value
            return r
        }
        return append(key, value, h, slot: ~r)
    }

    /// Adds a new entry whose key has hash `h` and would go in slot `b`.
    @inline(__always)
    private mutating func append(_ key: consuming String, _ value: consuming Value, _ h: UInt64, slot b: Int) -> Int {
        let n = keys.count
        var b = b
        if (n &+ 1) &* 2 > slots.count {
            // Past 4,096 entries the index grows four times over: fewer rebuilds (a big
            // index is mostly cache misses to fill).
            reindex(slotCount: slots.count &* (n >= 4096 ? 4 : 2))
            b = emptySlot(h)
        }
        slots[b] = Self.tag(h, slots.count &- 1) | UInt32(truncatingIfNeeded: n &+ 1)
        keys.append(key)
        values.append(value)
        return n
    }

    /// The first empty slot on the probe sequence of hash `h`.
    @inline(__always)
    private func emptySlot(_ h: UInt64) -> Int {
        slots.withUnsafeBufferPointer { s in
            let mask = s.count &- 1
            var b = Int(truncatingIfNeeded: h) & mask
            while s[b] != 0 { b = (b &+ 1) & mask }
            return b
        }
    }

    /// Rebuilds the index with `slotCount` slots (a power of two, at most 2^31) by
    /// hashing every key, in order.
    private mutating func reindex(slotCount: Int) {
        precondition(slotCount <= 1 << 31, "a map holds fewer than 2^30 entries")
        if slots.isEmpty { secret = MapKeyHash.secret }
        let secret = self.secret
        let mask = slotCount &- 1
        var fresh = ContiguousArray<UInt32>(repeating: 0, count: slotCount)
        fresh.withUnsafeMutableBufferPointer { f in
            keys.withUnsafeBufferPointer { ks in
                for i in 0..<ks.count {
                    let h = MapKeyHash.hash(ks[i], secret)
                    var b = Int(truncatingIfNeeded: h) & mask
                    while f[b] != 0 { b = (b &+ 1) & mask }
                    f[b] = Self.tag(h, mask) | UInt32(truncatingIfNeeded: i &+ 1)
                }
            }
        }
        slots = fresh
    }
}

extension MapTable: RandomAccessCollection {
    /// The position of the first entry (0).
    public var startIndex: Int { 0 }
    /// The position after the last entry (`count`).
    public var endIndex: Int { keys.count }
    /// The entry at `position`, as a key and its value.
    public subscript(position: Int) -> (key: String, value: Value) { (keys[position], values[position]) }
}

extension MapTable: ExpressibleByDictionaryLiteral {
    /// A table of the literal's entries in the order written (a repeated key keeps its
    /// first position and its last value).
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init()
        reserveCapacity(elements.count)
        for (k, v) in elements { set(k, v) }
    }
}
