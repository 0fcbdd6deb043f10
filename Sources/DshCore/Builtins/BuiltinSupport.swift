// BuiltinSupport.swift: shared helpers for the built-ins: argument checking, walking
// any sequence (list, stream, map, string, bytes), lazy derived streams, key functions
// and hash keys for `unique`.

/// The Swift signature every native function has.
typealias NativeBody = (Arguments, any Runtime) throws -> Value

// MARK: - Arguments

extension Arguments {
    /// Checks the number of positional arguments and that every named argument is one
    /// of `named`; throws a readable error naming the built-in otherwise.
    func expect(_ fn: String, _ minCount: Int, _ maxCount: Int, named: [String] = []) throws {
        let n = positional.count
        if n < minCount || n > maxCount {
            let want: String
            if minCount == maxCount {
                want = "\(minCount) argument\(minCount == 1 ? "" : "s")"
            } else if maxCount == Int.max {
                want = "at least \(minCount) argument\(minCount == 1 ? "" : "s")"
            } else {
                want = "\(minCount) to \(maxCount) arguments"
            }
            throw DshError.runtime("\(fn): expected \(want), got \(n)")
        }
        for entry in self.named where !named.contains(entry.name) {
            if named.isEmpty {
                throw DshError.runtime("\(fn): takes no named arguments (got '\(entry.name)')")
            }
            throw DshError.runtime("\(fn): unknown named argument '\(entry.name)' (expected \(named.map { "'\($0)'" }.joined(separator: ", ")))")
        }
    }

    /// The positional argument `i`, or `.null` when absent.
    func at(_ i: Int) -> Value { i < positional.count ? positional[i] : .null }

    /// The named argument `name`, or nil when absent or nil.
    func option(_ name: String) -> Value? {
        guard let v = self[name] else { return nil }
        if case .null = v { return nil }
        return v
    }

    /// A boolean named option (truthiness), `fallback` when absent.
    func flag(_ name: String, _ fallback: Bool = false) -> Bool {
        guard let v = self[name] else { return fallback }
        return v.isTruthy
    }
}

// MARK: - Typed extraction

/// Helpers that read a value as a particular type or fail with `fn: ...` errors.
enum Expect {
    /// The value as an int (a whole float is accepted).
    static func int(_ v: Value, _ fn: String, _ what: String) throws -> Int {
        switch v {
        case .int(let i): return i
        case .float(let d) where d == d.rounded() && abs(d) < 9.2e18: return Int(d)
        default: throw DshError.runtime("\(fn): \(what) must be an int, got \(v.typeName)")
        }
    }

    /// The value as a double (ints convert).
    static func number(_ v: Value, _ fn: String, _ what: String) throws -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: throw DshError.runtime("\(fn): \(what) must be a number, got \(v.typeName)")
        }
    }

    /// The value as a string.
    static func string(_ v: Value, _ fn: String, _ what: String) throws -> String {
        if case .string(let s) = v { return s }
        throw DshError.runtime("\(fn): \(what) must be a string, got \(v.typeName)")
    }

    /// The value as a function value (returned as the value, ready for `runtime.call`).
    static func function(_ v: Value, _ fn: String, _ what: String) throws -> Value {
        if case .function = v { return v }
        throw DshError.runtime("\(fn): \(what) must be a function, got \(v.typeName)")
    }
}

// MARK: - Walking sequences

/// Walks the items of anything iterable: a list (its items), a stream (pulled one at a
/// time), a map (`[key, value]` pairs), a string (its characters) or bytes (ints).
enum Seq {
    /// Whether `v` is something the sequence built-ins accept.
    static func isIterable(_ v: Value) -> Bool {
        switch v {
        case .list, .stream, .map, .string, .bytes: return true
        case .object(let o): return o.plainValue.map(isIterable) ?? false
        default: return false
        }
    }

    /// The error for a value that is not a sequence.
    static func notIterable(_ v: Value, _ fn: String) -> DshError {
        DshError.runtime("\(fn): expected a list or stream, got \(v.typeName)")
    }

    /// The items of a non-stream sequence as an array (nil for a stream).
    static func eagerItems(_ v: Value, _ fn: String) throws -> [Value]? {
        switch v {
        case .list(let l): return l.items
        case .stream: return nil
        case .map(let m): return m.entries.map { Value.list([.string($0.key), $0.value]) }
        case .string(let s): return try characters(s, fn)
        case .bytes(let b):
            if b.count > SizeLimits.maxItems { throw SizeLimits.tooLarge("\(fn): the bytes as a list", SizeLimits.maxItems) }
            return b.map { Value.int(Int($0)) }
        case .object(let o):
            if let p = o.plainValue, isIterable(p) { return try eagerItems(p, fn) }
            throw notIterable(v, fn)
        default: throw notIterable(v, fn)
        }
    }

    /// Calls `body` on each item until it returns false. A stream is closed when the
    /// walk stops early, ends or fails. Checks for interrupts once per item.
    static func forEach(_ v: Value, _ fn: String, _ rt: any Runtime, _ body: (Value) throws -> Bool) throws {
        if case .stream(let s) = v {
            do {
                while let item = try s.next(rt) {
                    try rt.checkInterrupt()
                    if try !body(item) { break }
                }
            } catch {
                s.close()
                throw error
            }
            s.close()
            return
        }
        if case .list(let l) = v {
            var i = 0
            while i < l.items.count {
                let item = l.items[i]
                i += 1
                try rt.checkInterrupt()
                if try !body(item) { return }
            }
            return
        }
        for item in try eagerItems(v, fn) ?? [] {
            try rt.checkInterrupt()
            if try !body(item) { return }
        }
    }

    /// The characters of `s` as one-character strings (at most `SizeLimits.maxItems`).
    static func characters(_ s: String, _ fn: String) throws -> [Value] {
        if s.utf8.count > SizeLimits.maxItems, s.count > SizeLimits.maxItems {
            throw SizeLimits.tooLarge("\(fn): the characters as a list", SizeLimits.maxItems)
        }
        return s.map { Value.string(String($0)) }
    }

    /// All items as an array (drains a stream).
    static func array(_ v: Value, _ fn: String, _ rt: any Runtime) throws -> [Value] {
        if let items = try eagerItems(v, fn) { return items }
        var out: [Value] = []
        // Collecting a stream grows a list no variable holds yet: each item is reported.
        let meter = MemoryMeter.current
        if meter == nil, case .stream(let s) = v, let n = s.remainingHint, n > 1 {
            // A stream that knows its length (`range(n) | map(f)`) fills a list reserved
            // once, not one regrown and copied ~20 times; capped, since the hint is only
            // a hint (and with a memory limit, room is never taken ahead of the charge).
            out.reserveCapacity(min(n, Seq.reserveCap))
        }
        var built = 0
        try forEach(v, fn, rt) {
            if let meter {
                let size = MemoryMeter.footprint($0)
                built &+= size
                try meter.charge(size, building: built)
            }
            out.append($0)
            return true
        }
        return out
    }

    /// The most items `array` reserves room for ahead of pulling them (24 MB of values).
    static let reserveCap = 1 << 20

    /// `items`, once reported to the memory limit as a new list (a built-in's result).
    static func reserveMemory(for items: [Value], _ rt: any Runtime) throws -> [Value] {
        if MemoryMeter.current != nil { try rt.reserveMemory(forNew: MemoryMeter.footprint(items)) }
        return items
    }

    /// A pull cursor over `v`, for building lazy streams.
    static func cursor(_ v: Value, _ fn: String) throws -> Cursor {
        if case .stream(let s) = v { return Cursor(stream: s) }
        return Cursor(items: try eagerItems(v, fn) ?? [])
    }
}

/// Pulls items one at a time from an array or a stream.
final class Cursor {
    private var items: [Value]
    private var index = 0
    /// The stream pulled from, when the source is one.
    let stream: StreamValue?

    /// A cursor over an array.
    init(items: [Value]) { self.items = items; self.stream = nil }
    /// A cursor over a stream.
    init(stream: StreamValue) { self.items = []; self.stream = stream }

    /// The next item, or nil at the end.
    func next(_ rt: any Runtime) throws -> Value? {
        if let stream { return try stream.next(rt) }
        guard index < items.count else { return nil }
        defer { index += 1 }
        return items[index]
    }

    /// Closes the stream, if any.
    func close() { stream?.close() }
}

/// A lazy stream derived from other streams (`map`, `filter`, `take` on a stream):
/// pulls through a closure, and closing it (or its end, or an error) closes the sources.
final class LazyStream: StreamValue {
    private var pull: ((any Runtime) throws -> Value?)?
    private var sources: [Cursor]

    /// Makes a stream that pulls through `pull` and closes `sources` when done.
    init(label: String, sources: [Cursor], _ pull: @escaping (any Runtime) throws -> Value?) {
        self.pull = pull
        self.sources = sources
        super.init(label: label)
    }

    /// Pulls the next item; closes the sources at the end or on an error.
    override func next(_ runtime: any Runtime) throws -> Value? {
        guard let pull else { return nil }
        do {
            if let v = try pull(runtime) { return v }
        } catch {
            close()
            throw error
        }
        close()
        return nil
    }

    /// Stops the stream and closes its sources. Idempotent.
    override func close() {
        guard pull != nil else { return }
        pull = nil
        let s = sources
        sources = []
        for c in s { c.close() }
    }
}

// MARK: - Keys

enum Keys {
    /// Turns a `key:` argument into a function of an item: a function is called, a string
    /// reads that field of a map or host object, nil is the identity.
    static func function(_ key: Value?, _ fn: String, _ rt: any Runtime) throws -> ((Value) throws -> Value)? {
        guard let key else { return nil }
        switch key {
        case .null: return nil
        case .function:
            return { item in try rt.call(key, with: item) }
        case .string(let field):
            return { item in try Keys.field(item, field, fn, rt) }
        default:
            throw DshError.runtime("\(fn): key must be a function or a field name, got \(key.typeName)")
        }
    }

    /// The field `name` of a map (nil when missing) or host object.
    static func field(_ item: Value, _ name: String, _ fn: String, _ rt: any Runtime) throws -> Value {
        switch item {
        case .map(let m): return m[name] ?? .null
        case .object(let o): return try o.member(name, rt) ?? .null
        case .error(let e): return name == "message" ? .string(e.message) : (e.fields[name] ?? .null)
        default: throw DshError.runtime("\(fn): cannot read field '\(name)' of \(item.typeName)")
        }
    }
}

/// A hashable stand-in for a value, so `unique` and friends run in linear time.
/// Values that equal each other (`1 == 1.0`) get equal keys; values without a cheap
/// key (maps, functions, objects) return nil and fall back to `Value.equals`.
enum HashKey: Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([HashKey])

    /// The most nodes one key is made of: a value that shares one list many times over
    /// would stand for an exponential key; past this it has none (`Value.equals` copes).
    static let maxNodes = 1 << 16

    /// The key of `v`, or nil when it has none.
    init?(_ v: Value) {
        var budget = HashKey.maxNodes
        self.init(v, depth: 0, budget: &budget)
    }

    private init?(_ v: Value, depth: Int, budget: inout Int) {
        if depth >= Value.maxComparisonDepth { return nil }  // too deep: `Value.equals` reports it
        budget -= 1
        if budget < 0 { return nil }
        switch v {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let d):
            if d == d.rounded(), abs(d) < 9.2e18 { self = .int(Int(d)) } else { self = .float(d) }
        case .string(let s): self = .string(s)
        case .bytes(let b): self = .bytes(b)
        case .list(let l):
            var keys: [HashKey] = []
            keys.reserveCapacity(l.items.count)
            for item in l.items {
                guard let k = HashKey(item, depth: depth + 1, budget: &budget) else { return nil }
                keys.append(k)
            }
            self = .list(keys)
        default: return nil
        }
    }
}

/// A set of values with `Value.equals` semantics.
struct ValueSet {
    private var hashed: Set<HashKey> = []
    private var others: [Value] = []

    /// Inserts `v`; returns true when it was not there yet.
    mutating func insert(_ v: Value) throws -> Bool {
        if let k = HashKey(v) { return hashed.insert(k).inserted }
        for o in others where try Value.equals(o, v) { return false }
        others.append(v)
        return true
    }
}
