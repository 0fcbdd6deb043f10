// MapTableTests.swift: the map table's index under colliding keys, removal, copies and
// the key hash's agreement with String's `==`.
import Testing
@testable import DshCore

@Suite struct MapTableTests {
    /// What an index of 512 slots knows of `key`: its home slot (the hash's low 9 bits)
    /// and its tag (the high half's bits above those), as one number.
    private func signature(_ key: String) -> UInt32 {
        let h = MapKeyHash.hash(key)
        return UInt32(truncatingIfNeeded: h >> 32) & ~0x1FF | UInt32(truncatingIfNeeded: h) & 0x1FF
    }

    /// Checks every entry of `t` is found where it is, and `missing` keys are not.
    private func expectConsistent(_ t: MapTable, missing: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, k) in t.keys.enumerated() {
            #expect(t.index(forKey: k) == i, "key \(k)", sourceLocation: sourceLocation)
        }
        for k in missing { #expect(t.index(forKey: k) == nil, "key \(k)", sourceLocation: sourceLocation) }
    }

    /// Keys with one home slot in an index of 512 slots (one long probe run), and pairs
    /// of keys with the same home and tag there (a probe that matches the tag and must
    /// still compare the keys): as hostile input would make them if it could, found here
    /// by search under this process's secret. 156 keys make an index of 512 slots.
    @Test func collidingKeysAreFoundAndKeepTheirOrder() {
        var byHome: [UInt32: [String]] = [:]
        var bySignature: [UInt32: String] = [:]
        var sameTag: [(String, String)] = []
        var i = 0
        while sameTag.count < 3 && i < 3_000_000 {
            let k = "c\(i)"
            let sig = signature(k)
            byHome[sig & 0x1FF, default: []].append(k)
            if let other = bySignature[sig] { sameTag.append((other, k)) } else { bySignature[sig] = k }
            i += 1
        }
        #expect(sameTag.count == 3, "three pairs of keys with one home and tag among \(i) keys")
        let home = byHome.values.max { $0.count < $1.count }!
        #expect(home.count >= 150)
        var keys = Array(home.prefix(150).filter { k in !sameTag.contains { $0.0 == k || $0.1 == k } })
        for (a, b) in sameTag { keys += [a, b] }
        var t = MapTable()
        for (n, k) in keys.enumerated() { t[k] = .int(n) }
        #expect(t.count == keys.count)
        #expect(Array(t.keys) == keys)
        expectConsistent(t, missing: ["c-1", "", "d0"])
        for (n, k) in keys.enumerated() {
            guard case .int(let v)? = t[k] else { Issue.record("no value for \(k)"); continue }
            #expect(v == n)
        }
        // Remove every other key, then put the first back: order kept, the rest found.
        for k in keys.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) { t.removeValue(forKey: k) }
        let kept = keys.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(Array(t.keys) == kept)
        expectConsistent(t, missing: [keys[0], keys[2]])
        t[keys[0]] = .int(-1)
        #expect(Array(t.keys) == kept + [keys[0]])
        expectConsistent(t)
    }

    /// Removal keeps order in small (scanned) and big (indexed) tables, renumbers the
    /// entries after the removed one, and a table shrunk to the scan limit still works.
    @Test func removalKeepsOrderAtEverySize() {
        for size in [1, 5, 8, 9, 10, 17, 100, 5000] {
            var t = MapTable()
            for n in 0..<size { t["k\(n)"] = .int(n) }
            var expected = (0..<size).map { "k\($0)" }
            for victim in [size / 2, 0, size - 1] where expected.contains("k\(victim)") {
                let old = t.removeValue(forKey: "k\(victim)")
                guard case .int(let v)? = old else { Issue.record("removed nothing"); continue }
                #expect(v == victim)
                expected.removeAll { $0 == "k\(victim)" }
                #expect(Array(t.keys) == expected)
                expectConsistent(t, missing: ["k\(victim)"])
            }
            #expect(t.removeValue(forKey: "absent") == nil)
            t["k0"] = .int(0)
            expected.append("k0")
            #expect(Array(t.keys) == expected)
            expectConsistent(t)
        }
    }

    /// A copy of a table is a value: changing it (a new key, an update, a removal) does
    /// not change the table it was copied from, before or after the index exists.
    @Test func copiesAreIndependent() {
        for size in [3, 40] {
            var a = MapTable()
            for n in 0..<size { a["k\(n)"] = .int(n) }
            var b = a
            b["new"] = .int(99)
            b["k1"] = .int(-1)
            b.removeValue(forKey: "k0")
            #expect(a.count == size)
            #expect(a["new"] == nil)
            guard case .int(1)? = a["k1"], case .int(0)? = a["k0"] else {
                Issue.record("the original changed")
                continue
            }
            expectConsistent(a, missing: ["new"])
            expectConsistent(b, missing: ["k0"])
        }
    }

    /// Growth, reserve, `updateValue` and tables made from shared keys.
    @Test func growthReserveAndUpdate() {
        var t = MapTable()
        t.reserveCapacity(3)
        for n in 0..<20_000 { t.set("x\(n)", .int(n)) }
        #expect(t.updateValue(.int(7), forKey: "x5") != nil)
        #expect(t.updateValue(.int(8), forKey: "fresh") == nil)
        #expect(t.keys.last == "fresh")
        expectConsistent(t, missing: ["x20000"])
        var u = MapTable()
        for n in 0..<5 { u["a\(n)"] = .null }
        u.reserveCapacity(100)
        for n in 5..<50 { u["a\(n)"] = .null }
        #expect(Array(u.keys) == (0..<50).map { "a\($0)" })
        expectConsistent(u, missing: ["a50"])
        let shared = MapTable(uncheckedUniqueKeys: ContiguousArray((0..<30).map { "s\($0)" }),
                              values: ContiguousArray(repeating: .null, count: 30))
        expectConsistent(shared, missing: ["s30"])
    }

    /// The hash agrees with `==`: canonically equivalent keys hash alike (so a table
    /// finds either spelling), whatever their length.
    @Test func hashAgreesWithStringEquality() {
        let pairs: [(String, String)] = [
            ("K", "\u{212A}"), (";", "\u{37E}"), ("`", "\u{1FEF}"),
            ("Kelvin;abcdefghijklmnopqrstuvwxyz", "\u{212A}elvin\u{37E}abcdefghijklmnopqrstuvwxyz"),
            ("caf\u{E9}", "cafe\u{301}"), ("\u{E9}t\u{E9} long enough to be a large string", "e\u{301}t\u{E9} long enough to be a large string"),
        ]
        for (a, b) in pairs {
            #expect(a == b)
            #expect(MapKeyHash.hash(a) == MapKeyHash.hash(b), "\(a.debugDescription)")
            var t = MapTable()
            for n in 0..<12 { t["pad\(n)"] = .null }
            t[a] = .int(1)
            t[b] = .int(2)
            #expect(t.count == 13)
            guard case .int(2)? = t[a] else { Issue.record("\(a.debugDescription) not replaced"); continue }
        }
        #expect(MapKeyHash.hash("ab") != MapKeyHash.hash("ba"))
        #expect(MapKeyHash.hash("") != MapKeyHash.hash("\0"))
    }
}
