// SendableValue.swift: a dsh value as plain, immutable, `Sendable` data, for results
// that cross threads or tasks (`Interpreter.evaluateAsync`), with map order kept.
import OrderedCollections

/// A dsh value copied out as plain data: safe to send to another thread or task.
public enum SendableValue: Sendable, Hashable {
    /// `nil`.
    case null
    /// A bool.
    case bool(Bool)
    /// An int.
    case int(Int)
    /// A float.
    case float(Double)
    /// A string.
    case string(String)
    /// Bytes.
    case bytes([UInt8])
    /// A list, its items copied.
    case list([SendableValue])
    /// A map, its keys in the dsh map's order.
    case map(OrderedDictionary<String, SendableValue>)
    /// An error value: its message and fields.
    case error(message: String, fields: OrderedDictionary<String, SendableValue>)
    /// A value with no data form (a function, stream or host object, or a list or map
    /// met again inside itself): its type name and how `print` shows it.
    case opaque(type: String, display: String)
}

extension Value {
    /// The value as plain `Sendable` data (lists and maps copied, map order kept).
    public var sendable: SendableValue {
        var path = Set<ObjectIdentifier>()
        return Value.copy(self, &path)
    }

    private static func copy(_ v: Value, _ path: inout Set<ObjectIdentifier>) -> SendableValue {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .bytes(b)
        case .list(let l):
            guard path.insert(ObjectIdentifier(l)).inserted else { return .opaque(type: "list", display: "[...]") }
            defer { path.remove(ObjectIdentifier(l)) }
            return .list(l.items.map { copy($0, &path) })
        case .map(let m):
            guard path.insert(ObjectIdentifier(m)).inserted else { return .opaque(type: "map", display: "{...}") }
            defer { path.remove(ObjectIdentifier(m)) }
            var out = OrderedDictionary<String, SendableValue>()
            for (k, x) in m.entries { out[k] = copy(x, &path) }
            return .map(out)
        case .error(let e):
            var fields = OrderedDictionary<String, SendableValue>()
            for (k, x) in e.fields { fields[k] = copy(x, &path) }
            return .error(message: e.message, fields: fields)
        case .function, .stream, .object:
            return .opaque(type: v.typeName, display: v.displayString)
        }
    }

    /// The dsh value of plain data (an `.opaque` value becomes its display string).
    public init(_ s: SendableValue) {
        switch s {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .float(let d): self = .float(d)
        case .string(let x): self = .string(x)
        case .bytes(let b): self = .bytes(b)
        case .list(let items): self = .list(items.map(Value.init))
        case .map(let entries):
            var d = MapTable()
            d.reserveCapacity(entries.count)
            for (k, x) in entries { d[k] = Value(x) }
            self = .map(d)
        case .error(let message, let fields):
            var d = OrderedDictionary<String, Value>()
            for (k, x) in fields { d[k] = Value(x) }
            self = .error(ErrorValue(message: message, fields: d))
        case .opaque(_, let display): self = .string(display)
        }
    }
}
