// ValueBridging.swift: conversions between dsh values and plain Swift values, for
// embedders (`let v: Value = ["a": 1]`, `v.asInt`, `v.toSwift()`).
import OrderedCollections

extension Value: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral {
    /// A bool literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A float literal.
    public init(floatLiteral value: Double) { self = .float(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A list literal.
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    /// A map literal (keys in the order written).
    public init(dictionaryLiteral elements: (String, Value)...) {
        var d = MapTable()
        for (k, v) in elements { d[k] = v }
        self = .map(d)
    }

    /// A string value.
    public init(_ s: String) { self = .string(s) }
    /// An int value.
    public init(_ i: Int) { self = .int(i) }
    /// A float value.
    public init(_ d: Double) { self = .float(d) }
    /// A bool value.
    public init(_ b: Bool) { self = .bool(b) }
    /// A list value.
    public init(_ items: [Value]) { self = .list(items) }
    /// A map value (keys sorted, since Swift dictionaries have no order).
    public init(_ entries: [String: Value]) {
        var d = MapTable()
        for k in entries.keys.sorted() { d[k] = entries[k] }
        self = .map(d)
    }

    /// Converts a plain Swift value (nil, Bool, integers, Double, String, [UInt8],
    /// arrays and string-keyed dictionaries of these, or a `Value`); nil when it cannot.
    public init?(swift any: Any?) {
        guard let any else { self = .null; return }
        switch any {
        case let v as Value: self = v
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .int(i)
        case let i as Int32: self = .int(Int(i))
        case let i as Int64: self = .int(Int(i))
        case let i as UInt32: self = .int(Int(i))
        case let d as Double: self = .float(d)
        case let f as Float: self = .float(Double(f))
        case let s as String: self = .string(s)
        case let s as Substring: self = .string(String(s))
        case let b as [UInt8]: self = .bytes(b)
        case let a as [Any?]:
            var items: [Value] = []
            for x in a {
                guard let v = Value(swift: x) else { return nil }
                items.append(v)
            }
            self = .list(items)
        case let a as [Any]:
            var items: [Value] = []
            for x in a {
                guard let v = Value(swift: x) else { return nil }
                items.append(v)
            }
            self = .list(items)
        case let d as [String: Any?]:
            var out = MapTable()
            for k in d.keys.sorted() {
                guard let v = Value(swift: d[k]!) else { return nil }
                out[k] = v
            }
            self = .map(out)
        case let d as [String: Any]:
            var out = MapTable()
            for k in d.keys.sorted() {
                guard let v = Value(swift: d[k]) else { return nil }
                out[k] = v
            }
            self = .map(out)
        default:
            return nil
        }
    }

    /// The int, or nil when this is not an int (a whole float counts).
    public var asInt: Int? {
        switch self {
        case .int(let i): return i
        case .float(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int(d)
        default: return nil
        }
    }

    /// The number as a double, or nil.
    public var asDouble: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    /// The string, or nil when this is not a string.
    public var asString: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The bool, or nil when this is not a bool.
    public var asBool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The items, or nil when this is not a list.
    public var asList: [Value]? {
        if case .list(let l) = self { return l.items }
        return nil
    }

    /// The entries in order, or nil when this is not a map.
    public var asMap: OrderedDictionary<String, Value>? {
        if case .map(let m) = self {
            return OrderedDictionary(uncheckedUniqueKeys: m.entries.keys, values: m.entries.values)
        }
        return nil
    }

    /// The value as plain Swift: nil, Bool, Int, Double, String, [UInt8], [Any?],
    /// [String: Any?]; functions, streams and objects as themselves (host objects by
    /// their plain value when they have one); errors as their message.
    public func toSwift() -> Any? {
        switch self {
        case .null: return nil
        case .bool(let b): return b
        case .int(let i): return i
        case .float(let d): return d
        case .string(let s): return s
        case .bytes(let b): return b
        case .list(let l): return l.items.map { $0.toSwift() }
        case .map(let m):
            var d: [String: Any?] = [:]
            for (k, v) in m.entries { d[k] = v.toSwift() }
            return d
        case .function(let f): return f
        case .stream(let s): return s
        case .object(let o): return o.plainValue?.toSwift() ?? o
        case .error(let e): return e.message
        }
    }
}
