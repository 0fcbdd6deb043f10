// ValueComparison.swift: equality and ordering of values, shared by the evaluator
// (`==`, `<`) and the built-ins (`sort`, `unique`, `min`, `in`).

extension Value {
    /// How deep `equals` and `compare` follow nested lists and maps before deciding a
    /// value contains itself (Python raises RecursionError in the same place).
    public static let maxComparisonDepth = 2_000

    /// Structural equality: numbers compare by value (`1 == 1.0`), strings, bytes,
    /// lists and maps by content; functions, streams, objects and errors by identity.
    /// Throws when the values nest deeper than `maxComparisonDepth` (a value that
    /// contains itself), instead of overflowing the stack.
    public static func equals(_ a: Value, _ b: Value) throws -> Bool {
        var known: Set<ContainerPair> = []
        return try equals(a, b, depth: 0, known: &known)
    }

    /// Two containers compared with each other.
    struct ContainerPair: Hashable {
        let a: ObjectIdentifier, b: ObjectIdentifier
    }

    /// From this depth on, pairs of containers found equal are remembered and not
    /// compared again: values that share one list many times over (`x = [x, x]` thirty
    /// times) then compare in time linear in their distinct lists, not exponential.
    static let rememberedDepth = 16

    static func tooDeep() -> DshError {
        DshError.runtime("values nested too deeply to compare (does one contain itself?)")
    }

    private static func equals(_ a: Value, _ b: Value, depth: Int, known: inout Set<ContainerPair>) throws -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x == y
        case let (.int(x), .float(y)): return Double(x) == y
        case let (.float(x), .int(y)): return x == Double(y)
        case let (.string(x), .string(y)): return x == y
        case let (.bytes(x), .bytes(y)): return x == y
        case let (.list(x), .list(y)):
            if x === y { return true }
            guard x.items.count == y.items.count else { return false }
            if depth >= maxComparisonDepth { throw tooDeep() }
            let pair = ContainerPair(a: ObjectIdentifier(x), b: ObjectIdentifier(y))
            if depth >= rememberedDepth, known.contains(pair) { return true }
            for i in 0..<x.items.count where try !equals(x.items[i], y.items[i], depth: depth + 1, known: &known) { return false }
            if depth >= rememberedDepth { known.insert(pair) }
            return true
        case let (.map(x), .map(y)):
            if x === y { return true }
            guard x.entries.count == y.entries.count else { return false }
            if depth >= maxComparisonDepth { throw tooDeep() }
            let pair = ContainerPair(a: ObjectIdentifier(x), b: ObjectIdentifier(y))
            if depth >= rememberedDepth, known.contains(pair) { return true }
            for (k, v) in x.entries {
                guard let w = y.entries[k], try equals(v, w, depth: depth + 1, known: &known) else { return false }
            }
            if depth >= rememberedDepth { known.insert(pair) }
            return true
        case let (.function(x), .function(y)): return x === y
        case let (.stream(x), .stream(y)): return x === y
        case let (.object(x), .object(y)): return x === y
        case let (.error(x), .error(y)): return x === y
        default: return false
        }
    }

    /// Ordering for `<`, `sort`, `min`, `max`: numbers with numbers, strings with
    /// strings (by Unicode scalars), bytes with bytes, lists lexicographically,
    /// booleans (false < true). Returns -1, 0 or 1; other pairs are an error.
    public static func compare(_ a: Value, _ b: Value) throws -> Int {
        var known: Set<ContainerPair> = []
        return try compare(a, b, depth: 0, total: false, known: &known)
    }

    /// The order `sort`, `sort_by`, `min` and `max` use: `compare`, made total on
    /// numbers by putting NaN after every other number (NaN equals NaN here). `<` keeps
    /// IEEE semantics, where every comparison with NaN is false and a sort by it would
    /// leave the list in no defined order.
    public static func sortOrder(_ a: Value, _ b: Value) throws -> Int {
        var known: Set<ContainerPair> = []
        return try compare(a, b, depth: 0, total: true, known: &known)
    }

    /// NaN's place in the total order: nil when neither is NaN.
    private static func nanOrder(_ x: Double, _ y: Double) -> Int? {
        switch (x.isNaN, y.isNaN) {
        case (false, false): return nil
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        }
    }

    private static func compare(_ a: Value, _ b: Value, depth: Int, total: Bool, known: inout Set<ContainerPair>) throws -> Int {
        if total {
            switch (a, b) {
            case let (.float(x), .float(y)): if let o = nanOrder(x, y) { return o }
            case let (.float(x), .int(y)): if let o = nanOrder(x, Double(y)) { return o }
            case let (.int(x), .float(y)): if let o = nanOrder(Double(x), y) { return o }
            default: break
            }
        }
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.float(x), .float(y)): return x < y ? -1 : (x == y ? 0 : 1)
        case let (.int(x), .float(y)): let dx = Double(x); return dx < y ? -1 : (dx == y ? 0 : 1)
        case let (.float(x), .int(y)): let dy = Double(y); return x < dy ? -1 : (x == dy ? 0 : 1)
        case let (.string(x), .string(y)):
            return x == y ? 0 : (x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1)
        case let (.bytes(x), .bytes(y)):
            return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
        case let (.bool(x), .bool(y)): return x == y ? 0 : (!x ? -1 : 1)
        case let (.list(x), .list(y)):
            if depth >= maxComparisonDepth { throw tooDeep() }
            let pair = ContainerPair(a: ObjectIdentifier(x), b: ObjectIdentifier(y))
            if depth >= rememberedDepth, known.contains(pair) { return 0 }
            let n = min(x.items.count, y.items.count)
            for i in 0..<n {
                let c = try compare(x.items[i], y.items[i], depth: depth + 1, total: total, known: &known)
                if c != 0 { return c }
            }
            if depth >= rememberedDepth, x.items.count == y.items.count { known.insert(pair) }
            return x.items.count < y.items.count ? -1 : (x.items.count == y.items.count ? 0 : 1)
        default:
            throw DshError.runtime("cannot compare \(a.typeName) with \(b.typeName)")
        }
    }
}
