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
        try equals(a, b, depth: 0)
    }

    static func tooDeep() -> DshError {
        DshError.runtime("values nested too deeply to compare (does one contain itself?)")
    }

    private static func equals(_ a: Value, _ b: Value, depth: Int) throws -> Bool {
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
            for i in 0..<x.items.count where try !equals(x.items[i], y.items[i], depth: depth + 1) { return false }
            return true
        case let (.map(x), .map(y)):
            if x === y { return true }
            guard x.entries.count == y.entries.count else { return false }
            if depth >= maxComparisonDepth { throw tooDeep() }
            for (k, v) in x.entries {
                guard let w = y.entries[k], try equals(v, w, depth: depth + 1) else { return false }
            }
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
        try compare(a, b, depth: 0)
    }

    private static func compare(_ a: Value, _ b: Value, depth: Int) throws -> Int {
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
            let n = min(x.items.count, y.items.count)
            for i in 0..<n {
                let c = try compare(x.items[i], y.items[i], depth: depth + 1)
                if c != 0 { return c }
            }
            return x.items.count < y.items.count ? -1 : (x.items.count == y.items.count ? 0 : 1)
        default:
            throw DshError.runtime("cannot compare \(a.typeName) with \(b.typeName)")
        }
    }
}
