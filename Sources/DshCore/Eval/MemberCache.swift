// MemberCache.swift: the inline cache of a member site (`m.name`, `m.name = v`): where
// in a map's entries the name was found last time, so that maps of one shape (records,
// objects with methods) are read and updated without hashing the name.

/// One member site's memory of where its name was in the last map it saw.
final class MemberCache {
    /// The member's name.
    let name: String
    /// The entry index where `name` was found last (a guess: checked before use).
    private var hint = 0

    init(_ name: String) { self.name = name }

    /// The value under `name` in `m`, or `.null`.
    @inline(__always)
    func get(_ m: MapRef) -> Value {
        let i = hint
        // A short name is a small string: comparing it is two word compares.
        if i < m.entries.count, m.entries.keys[i] == name { return m.entries.values[i] }
        return miss(m)
    }

    @inline(never)
    private func miss(_ m: MapRef) -> Value {
        guard let i = m.entries.index(forKey: name) else { return .null }
        hint = i
        return m.entries.values[i]
    }

    /// The entry index of `name` in `m` (valid until `m` changes), or nil when it is not there.
    @inline(__always)
    func index(_ m: MapRef) -> Int? {
        let i = hint
        if i < m.entries.count, m.entries.keys[i] == name { return i }
        return find(m)
    }

    @inline(never)
    private func find(_ m: MapRef) -> Int? {
        guard let i = m.entries.index(forKey: name) else { return nil }
        hint = i
        return i
    }

    /// Replaces the value under `name` in `m` when the key is there (true); false when
    /// it is not (the caller adds it: a map that grows goes through `Access.setMember`).
    @inline(__always)
    func replace(_ m: MapRef, _ value: Value) -> Bool {
        guard let i = index(m) else { return false }
        m.entries.values[i] = value
        return true
    }
}
