// BuiltinsSequence.swift: the sequence built-ins. Each accepts a list, a stream, a map
// (as `[key, value]` pairs), a string (characters) or bytes (ints). On a stream the
// lazy ones (map, filter, take, skip, zip, enumerate, unique, flat_map, flatten, chunk,
// take_while, skip_while) return a new lazy stream; the eager ones drain it; first,
// find, any, all stop early and close it.

extension Builtins {
    static var sequenceFunctions: [(String, NativeBody)] {
        [
            ("range", range),
            ("map", map),
            ("filter", { try filter($0, $1, "filter") }),
            ("where", { try filter($0, $1, "where") }),
            ("each", each),
            ("reduce", reduce),
            ("sort", sort),
            ("sort_by", sortBy),
            ("group_by", groupBy),
            ("unique", unique),
            ("take", take),
            ("skip", skip),
            ("take_while", takeWhile),
            ("skip_while", skipWhile),
            ("first", first),
            ("last", last),
            ("find", find),
            ("index_of", indexOf),
            ("count", count),
            ("sum", sum),
            ("min", { try minMax($0, $1, "min", wantLess: true) }),
            ("max", { try minMax($0, $1, "max", wantLess: false) }),
            ("any", { try anyAll($0, $1, "any") }),
            ("all", { try anyAll($0, $1, "all") }),
            ("collect", collect),
            ("zip", zip),
            ("enumerate", enumerate),
            ("reverse", reverse),
            ("flatten", flatten),
            ("flat_map", flatMap),
            ("chunk", chunk),
        ]
    }

    // MARK: - Pipeline machinery

    /// One step of an item-wise operation: given an item, appends zero or more outputs
    /// to `out` and returns false to stop (the source is then closed at once).
    typealias Step = (Value, any Runtime, inout [Value]) throws -> Bool

    /// Runs `step` over `xs`: lazily when `xs` is a stream (a new stream), eagerly
    /// otherwise (a list). `finish` may emit trailing outputs once the input ends.
    static func pipeline(_ xs: Value, _ fn: String, _ rt: any Runtime,
                         finish: ((inout [Value]) -> Void)? = nil, _ step: @escaping Step) throws -> Value {
        if case .stream(let s) = xs {
            let cursor = Cursor(stream: s)
            var pending: [Value] = []
            var index = 0
            var done = false
            return .stream(LazyStream(label: fn, sources: [cursor]) { rt in
                while true {
                    if index < pending.count {
                        let v = pending[index]
                        index += 1
                        return v
                    }
                    if done { return nil }
                    pending.removeAll(keepingCapacity: true)
                    index = 0
                    guard let item = try cursor.next(rt) else {
                        done = true
                        cursor.close()
                        finish?(&pending)
                        continue
                    }
                    try rt.checkInterrupt()
                    if try !step(item, rt, &pending) {
                        done = true
                        cursor.close()
                    }
                }
            })
        }
        var out: [Value] = []
        if case .list(let l) = xs { out.reserveCapacity(l.items.count) }
        try Seq.forEach(xs, fn, rt) { item in try step(item, rt, &out) }
        finish?(&out)
        return .list(out)
    }

    /// Calls `f(x)`.
    @inline(__always)
    static func call1(_ rt: any Runtime, _ f: Value, _ x: Value) throws -> Value {
        try rt.call(f, with: x)
    }

    // MARK: - range

    /// `range(n)`, `range(a, b)`, `range(a, b, step)`: a lazy stream of ints.
    static func range(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("range", 1, 3)
        var start = 0, end: Int, step = 1
        if args.count == 1 {
            end = try Expect.int(args.at(0), "range", "the end")
        } else {
            start = try Expect.int(args.at(0), "range", "the start")
            end = try Expect.int(args.at(1), "range", "the end")
            if args.count == 3 { step = try Expect.int(args.at(2), "range", "the step") }
        }
        if step == 0 { throw DshError.runtime("range: step must not be zero") }
        return .stream(RangeStream(start: start, end: end, step: step))
    }

    // MARK: - lazy item-wise operations

    /// `map(xs, f)`.
    static func map(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("map", 2, 2)
        let f = try Expect.function(args.at(1), "map", "the function")
        if case .list(let l) = args.at(0) {
            var out: [Value] = []
            out.reserveCapacity(l.items.count)
            var i = 0
            while i < l.items.count {
                try rt.checkInterrupt()
                out.append(try call1(rt, f, l.items[i]))
                i += 1
            }
            return .list(out)
        }
        if case .stream(let source) = args.at(0) {
            // The common case, without the general pipeline's buffer.
            return .stream(MapStream(source, f))
        }
        return try pipeline(args.at(0), "map", rt) { x, rt, out in
            out.append(try call1(rt, f, x)); return true
        }
    }

    /// `filter(xs, f?)` / `where(xs, f?)`: the items for which `f` is truthy (the
    /// truthy items without `f`).
    static func filter(_ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> Value {
        try args.expect(fn, 1, 2)
        let f = args.count > 1 ? try Expect.function(args.at(1), fn, "the predicate") : nil
        if case .stream(let source) = args.at(0) {
            let cursor = Cursor(stream: source)
            return .stream(LazyStream(label: fn, sources: [cursor]) { rt in
                while let x = try source.next(rt) {
                    if try f.map({ try call1(rt, $0, x).isTruthy }) ?? x.isTruthy { return x }
                    try rt.checkInterrupt()
                }
                return nil
            })
        }
        if case .list(let l) = args.at(0) {
            var out: [Value] = []
            var i = 0
            while i < l.items.count {
                let x = l.items[i]
                i += 1
                try rt.checkInterrupt()
                if try f.map({ try call1(rt, $0, x).isTruthy }) ?? x.isTruthy { out.append(x) }
            }
            return .list(out)
        }
        return try pipeline(args.at(0), fn, rt) { x, rt, out in
            let keep = try f.map { try call1(rt, $0, x).isTruthy } ?? x.isTruthy
            if keep { out.append(x) }
            return true
        }
    }

    /// `take(xs, n)`: the first `n` items; on a stream, closes the source once it has them.
    static func take(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("take", 2, 2)
        let n = try Expect.int(args.at(1), "take", "the count")
        switch args.at(0) {
        case .list(let l): return .list(Array(l.items.prefix(max(0, n))))
        case .string(let s): return .string(String(s.prefix(max(0, n))))
        case .bytes(let b): return .bytes(Array(b.prefix(max(0, n))))
        case .stream(let s) where n <= 0:
            s.close()
            return .stream(LazyStream(label: "take", sources: []) { _ in nil })
        default: break
        }
        var taken = 0
        return try pipeline(args.at(0), "take", rt) { x, _, out in
            guard taken < n else { return false }
            out.append(x)
            taken += 1
            return taken < n
        }
    }

    /// `skip(xs, n)`: all but the first `n` items.
    static func skip(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("skip", 2, 2)
        let n = try Expect.int(args.at(1), "skip", "the count")
        switch args.at(0) {
        case .list(let l): return .list(Array(l.items.dropFirst(max(0, n))))
        case .string(let s): return .string(String(s.dropFirst(max(0, n))))
        case .bytes(let b): return .bytes(Array(b.dropFirst(max(0, n))))
        default: break
        }
        var skipped = 0
        return try pipeline(args.at(0), "skip", rt) { x, _, out in
            if skipped < n { skipped += 1 } else { out.append(x) }
            return true
        }
    }

    /// `take_while(xs, f)`: items while `f` is truthy.
    static func takeWhile(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("take_while", 2, 2)
        let f = try Expect.function(args.at(1), "take_while", "the predicate")
        return try pipeline(args.at(0), "take_while", rt) { x, rt, out in
            guard try call1(rt, f, x).isTruthy else { return false }
            out.append(x)
            return true
        }
    }

    /// `skip_while(xs, f)`: items from the first one for which `f` is falsy.
    static func skipWhile(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("skip_while", 2, 2)
        let f = try Expect.function(args.at(1), "skip_while", "the predicate")
        var skipping = true
        return try pipeline(args.at(0), "skip_while", rt) { x, rt, out in
            if skipping, try call1(rt, f, x).isTruthy { return true }
            skipping = false
            out.append(x)
            return true
        }
    }

    /// `unique(xs, key: f?)`: first occurrences only.
    static func unique(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("unique", 1, 2, named: ["key"])
        let keyArg = args.count > 1 ? args.at(1) : args.option("key")
        let key = try Keys.function(keyArg, "unique", rt)
        var seen = ValueSet()
        return try pipeline(args.at(0), "unique", rt) { x, _, out in
            if try seen.insert(try key?(x) ?? x) { out.append(x) }
            return true
        }
    }

    /// `enumerate(xs, start: 0)`: `[i, x]` pairs.
    static func enumerate(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("enumerate", 1, 1, named: ["start"])
        // The next index; nil once it has passed the largest int.
        var next: Int? = try args.option("start").map { try Expect.int($0, "enumerate", "start") } ?? 0
        return try pipeline(args.at(0), "enumerate", rt) { x, _, out in
            guard let i = next else { throw DshError.runtime("enumerate: the index passed the largest int") }
            out.append(.list([.int(i), x]))
            let (n, overflow) = i.addingReportingOverflow(1)
            next = overflow ? nil : n
            return true
        }
    }

    /// `flat_map(xs, f)`: `f` returns a list (or stream) per item; the results are concatenated.
    static func flatMap(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("flat_map", 2, 2)
        let f = try Expect.function(args.at(1), "flat_map", "the function")
        return try pipeline(args.at(0), "flat_map", rt) { x, rt, out in
            let r = try call1(rt, f, x)
            switch r {
            case .list, .stream: try Seq.forEach(r, "flat_map", rt) { out.append($0); return true }
            default: out.append(r)
            }
            return true
        }
    }

    /// `flatten(xs)`: one level of nested lists (and streams) spliced in.
    static func flatten(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("flatten", 1, 1)
        return try pipeline(args.at(0), "flatten", rt) { x, rt, out in
            switch x {
            case .list, .stream: try Seq.forEach(x, "flatten", rt) { out.append($0); return true }
            default: out.append(x)
            }
            return true
        }
    }

    /// `chunk(xs, n)`: lists of `n` items (the last may be shorter).
    static func chunk(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("chunk", 2, 2)
        let n = try Expect.int(args.at(1), "chunk", "the size")
        guard n > 0 else { throw DshError.runtime("chunk: size must be positive") }
        var current: [Value] = []
        return try pipeline(args.at(0), "chunk", rt, finish: { out in
            if !current.isEmpty { out.append(.list(current)); current = [] }
        }) { x, _, out in
            current.append(x)
            if current.count == n { out.append(.list(current)); current = [] }
            return true
        }
    }

    /// `zip(a, b, ...)`: lists of the items at the same position, up to the shortest input.
    static func zip(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("zip", 1, Int.max)
        let inputs = args.positional
        let lazy = inputs.contains { if case .stream = $0 { return true }; return false }
        if !lazy {
            let arrays = try inputs.map { try Seq.eagerItems($0, "zip") ?? [] }
            let n = arrays.map(\.count).min() ?? 0
            return .list((0..<n).map { i in .list(arrays.map { $0[i] }) })
        }
        let cursors = try inputs.map { try Seq.cursor($0, "zip") }
        return .stream(LazyStream(label: "zip", sources: cursors) { rt in
            var row: [Value] = []
            row.reserveCapacity(cursors.count)
            for c in cursors {
                guard let v = try c.next(rt) else { return nil }
                row.append(v)
            }
            return .list(row)
        })
    }

    // MARK: - eager operations

    /// `each(xs, f)`: calls `f` on every item for its side effects; returns nil.
    static func each(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("each", 2, 2)
        let f = try Expect.function(args.at(1), "each", "the function")
        try Seq.forEach(args.at(0), "each", rt) { _ = try call1(rt, f, $0); return true }
        return .null
    }

    /// `reduce(xs, f, initial?)`: folds with `f(acc, x)`; without `initial` the first
    /// item starts (an empty input is then an error).
    static func reduce(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("reduce", 2, 3, named: ["initial"])
        let f = try Expect.function(args.at(1), "reduce", "the function")
        var acc: Value? = args.count > 2 ? args.at(2) : args["initial"]
        try Seq.forEach(args.at(0), "reduce", rt) { x in
            if let a = acc { acc = try rt.call(f, Arguments([a, x])) } else { acc = x }
            return true
        }
        guard let acc else { throw DshError.runtime("reduce: empty sequence and no initial value") }
        return acc
    }

    /// Sorts `items` by `key` (stable; `reverse` keeps equal items in input order).
    static func sorted(_ items: [Value], key: ((Value) throws -> Value)?, reverse: Bool, _ rt: any Runtime) throws -> [Value] {
        let keys = try key.map { k in try items.map { try rt.checkInterrupt(); return try k($0) } } ?? items
        if let ints = intKeys(keys) {
            // Every key an int: sort machine integers instead of comparing `Value`s
            // through the general total order (~8x fewer instructions for 1M ints).
            if key == nil {
                // Equal ints cannot be told apart, so stability needs no tie-break.
                var sortedInts = ints
                if reverse { sortedInts.sort(by: >) } else { sortedInts.sort() }
                return sortedInts.map { .int($0) }
            }
            var order = Array(ints.indices)
            order.sort { a, b in
                let x = ints[a], y = ints[b]
                if x != y { return reverse ? x > y : x < y }
                return a < b
            }
            return order.map { items[$0] }
        }
        var order = Array(keys.indices)
        try order.sort { a, b in
            let c = try Value.sortOrder(keys[a], keys[b])
            if c != 0 { return reverse ? c > 0 : c < 0 }
            return a < b
        }
        return order.map { items[$0] }
    }

    /// The keys as machine integers when every one is an int (nil otherwise).
    private static func intKeys(_ keys: [Value]) -> [Int]? {
        var ints: [Int] = []
        ints.reserveCapacity(keys.count)
        for k in keys {
            guard case .int(let n) = k else { return nil }
            ints.append(n)
        }
        return ints
    }

    /// `sort(xs, key: f?, reverse: false)`.
    static func sort(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("sort", 1, 1, named: ["key", "reverse"])
        let items = try Seq.array(args.at(0), "sort", rt)
        let key = try Keys.function(args.option("key"), "sort", rt)
        return .list(try sorted(items, key: key, reverse: args.flag("reverse"), rt))
    }

    /// `sort_by(xs, f, reverse: false)`: `f` is a function or a field name.
    static func sortBy(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("sort_by", 2, 2, named: ["reverse"])
        let items = try Seq.array(args.at(0), "sort_by", rt)
        let key = try Keys.function(args.at(1), "sort_by", rt)
        return .list(try sorted(items, key: key, reverse: args.flag("reverse"), rt))
    }

    /// `group_by(xs, f)`: a map from `str(f(x))` to the items with that key, in first-seen order.
    static func groupBy(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("group_by", 2, 2)
        guard let key = try Keys.function(args.at(1), "group_by", rt) else {
            throw DshError.runtime("group_by: key must be a function or a field name")
        }
        let result = MapRef()
        try Seq.forEach(args.at(0), "group_by", rt) { x in
            let k = try key(x).displayString
            if case .list(let l)? = result.entries[k] { l.items.append(x) } else { result.entries[k] = .list([x]) }
            return true
        }
        return .map(result)
    }

    /// `first(xs, f?)`: the first item (matching `f`), or nil; stops a stream early.
    static func first(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("first", 1, 2)
        if args.count == 2 { return try find(args, rt, "first") }
        if case .list(let l) = args.at(0) { return l.items.first ?? .null }
        var found: Value = .null
        try Seq.forEach(args.at(0), "first", rt) { found = $0; return false }
        return found
    }

    /// `find(xs, f)`: the first item for which `f` is truthy, or nil.
    static func find(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("find", 2, 2)
        return try find(args, rt, "find")
    }

    private static func find(_ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> Value {
        let f = try Expect.function(args.at(1), fn, "the predicate")
        var found: Value = .null
        try Seq.forEach(args.at(0), fn, rt) { x in
            if try call1(rt, f, x).isTruthy { found = x; return false }
            return true
        }
        return found
    }

    /// `last(xs, f?)`: the last item (matching `f`), or nil; drains a stream.
    static func last(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("last", 1, 2)
        let f = args.count > 1 ? try Expect.function(args.at(1), "last", "the predicate") : nil
        if f == nil, case .list(let l) = args.at(0) { return l.items.last ?? .null }
        var found: Value = .null
        try Seq.forEach(args.at(0), "last", rt) { x in
            if try f.map({ try call1(rt, $0, x).isTruthy }) ?? true { found = x }
            return true
        }
        return found
    }

    /// `index_of(xs, x)`: the position of the first item equal to `x` (of a substring
    /// in a string, in characters), or nil.
    static func indexOf(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("index_of", 2, 2)
        if case .string(let s) = args.at(0) {
            let needle = try Expect.string(args.at(1), "index_of", "the substring")
            guard let r = StringSearch.firstRange(of: needle, in: s) else { return .null }
            return .int(s.distance(from: s.startIndex, to: r.lowerBound))
        }
        let target = args.at(1)
        var index = 0
        var found: Value = .null
        try Seq.forEach(args.at(0), "index_of", rt) { x in
            if try Value.equals(x, target) { found = .int(index); return false }
            index += 1
            return true
        }
        return found
    }

    /// `count(xs, f?)`: the number of items (for which `f` is truthy); drains a stream.
    static func count(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("count", 1, 2)
        let f = args.count > 1 ? try Expect.function(args.at(1), "count", "the predicate") : nil
        if f == nil {
            switch args.at(0) {
            case .list(let l): return .int(l.items.count)
            case .map(let m): return .int(m.entries.count)
            case .string(let s): return .int(s.count)
            case .bytes(let b): return .int(b.count)
            default: break
            }
        }
        var n = 0
        try Seq.forEach(args.at(0), "count", rt) { x in
            if try f.map({ try call1(rt, $0, x).isTruthy }) ?? true { n += 1 }
            return true
        }
        return .int(n)
    }

    /// `sum(xs)`: ints stay ints (overflow is an error); any float makes a float.
    static func sum(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("sum", 1, 2)
        var isum = 0
        var fsum = 0.0
        var isFloat = false
        if args.count > 1 {
            switch args.at(1) {
            case .int(let i): isum = i
            case .float(let d): fsum = d; isFloat = true
            case let v: throw DshError.runtime("sum: start must be a number, got \(v.typeName)")
            }
        }
        try Seq.forEach(args.at(0), "sum", rt) { x in
            switch x {
            case .int(let i):
                if isFloat { fsum += Double(i) } else {
                    let (r, o) = isum.addingReportingOverflow(i)
                    if o { throw DshError.runtime("sum: integer overflow") }
                    isum = r
                }
            case .float(let d):
                if !isFloat { isFloat = true; fsum = Double(isum) }
                fsum += d
            default:
                throw DshError.runtime("sum: cannot add \(x.typeName)")
            }
            return true
        }
        return isFloat ? .float(fsum) : .int(isum)
    }

    /// `min(xs)` / `min(a, b, ...)` and `max`, with `key: f` and `default: v` for empty input.
    static func minMax(_ args: Arguments, _ rt: any Runtime, _ fn: String, wantLess: Bool) throws -> Value {
        try args.expect(fn, 1, Int.max, named: ["key", "default"])
        let key = try Keys.function(args.option("key"), fn, rt)
        var best: (item: Value, key: Value)?
        let consider: (Value) throws -> Bool = { x in
            let k = try key?(x) ?? x
            if let b = best {
                let c = try Value.sortOrder(k, b.key)
                if wantLess ? c < 0 : c > 0 { best = (x, k) }
            } else {
                best = (x, k)
            }
            return true
        }
        if args.count == 1 {
            guard Seq.isIterable(args.at(0)) else {
                throw DshError.runtime("\(fn): expected a list or stream, or several values, got \(args.at(0).typeName)")
            }
            try Seq.forEach(args.at(0), fn, rt, consider)
        } else {
            for x in args.positional { _ = try consider(x) }
        }
        if let best { return best.item }
        if let d = args["default"] { return d }
        throw DshError.runtime("\(fn): empty sequence (pass default: to get a value instead)")
    }

    /// `any(xs, f?)` / `all(xs, f?)`: stop at the first deciding item.
    static func anyAll(_ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> Value {
        try args.expect(fn, 1, 2)
        let f = args.count > 1 ? try Expect.function(args.at(1), fn, "the predicate") : nil
        let isAny = fn == "any"
        var result = !isAny
        try Seq.forEach(args.at(0), fn, rt) { x in
            let t = try f.map { try call1(rt, $0, x).isTruthy } ?? x.isTruthy
            if isAny && t { result = true; return false }
            if !isAny && !t { result = false; return false }
            return true
        }
        return .bool(result)
    }

    /// `collect(xs)`: the items as a new list (drains a stream).
    static func collect(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("collect", 1, 1)
        return .list(try Seq.array(args.at(0), "collect", rt))
    }

    /// `reverse(xs)`: a reversed list (or string, or bytes).
    static func reverse(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("reverse", 1, 1)
        switch args.at(0) {
        case .string(let s): return .string(String(s.reversed()))
        case .bytes(let b): return .bytes(b.reversed())
        case let v: return .list(try Seq.array(v, "reverse", rt).reversed())
        }
    }
}

/// `map(stream, f)`: pulls an item of the source and calls `f` on it, in one class (no
/// pull closure, as a `LazyStream` has). Its end, an error or `close` closes the source.
final class MapStream: StreamValue {
    /// (A constant, read without retaining it for each pull; `closed` says it is done.)
    private let source: StreamValue
    private let function: Value
    private var closed = false

    init(_ source: StreamValue, _ function: Value) {
        self.source = source
        self.function = function
        super.init(label: "map")
    }

    /// As many as its source has left.
    override var remainingHint: Int? { closed ? 0 : source.remainingHint }

    override func next(_ runtime: any Runtime) throws -> Value? {
        if closed { return nil }
        do {
            if let x = try source.next(runtime) { return try runtime.call(function, with: x) }
        } catch {
            close()
            throw error
        }
        close()
        return nil
    }

    override func close() {
        if closed { return }
        closed = true
        source.close()
    }
}

/// `range(...)`: a lazy stream of ints, cheap to make whatever its length.
final class RangeStream: StreamValue {
    private var current: Int
    private let end: Int
    private let step: Int
    private var done = false

    init(start: Int, end: Int, step: Int) {
        self.current = start
        self.end = end
        self.step = step
        super.init(label: "range")
    }

    override func next(_ runtime: any Runtime) throws -> Value? {
        guard let v = nextInt() else { return nil }
        return .int(v)
    }

    /// The next int, or nil at the end: what `next(_:)` yields, without a dynamic call
    /// or a `Value?` (the `for` loop's fast path over `range(...)`).
    @inline(__always)
    func nextInt() -> Int? {
        if done { return nil }
        if step > 0 ? current >= end : current <= end { done = true; return nil }
        let v = current
        let (n, o) = current.addingReportingOverflow(step)
        if o { done = true } else { current = n }
        return v
    }

    /// The ints left: the steps from `current` that stay short of `end` (nil when the
    /// difference overflows).
    override var remainingHint: Int? {
        if done { return 0 }
        let (d, o) = step > 0 ? end.subtractingReportingOverflow(current) : current.subtractingReportingOverflow(end)
        if o { return nil }
        if d <= 0 { return 0 }
        let m = step.magnitude
        return Int(truncatingIfNeeded: (d.magnitude - 1) / m + 1)
    }

    /// A range holds nothing to release, so closing does not end it: a stream is
    /// consumed as it is read, and `let s = range(5); s | take(2)` leaves `[2, 3, 4]` in `s`.
    override func close() {}
}
