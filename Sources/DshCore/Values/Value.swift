// Value.swift: the one type every dsh value has.
//
// A `Value` is a small enum: scalars (nil, bool, int, float) live inline, so
// arithmetic never allocates; strings are Swift strings; lists, maps, functions,
// streams, host objects and errors are references (they have identity and, for
// lists and maps, shared mutable state, as in Python or JavaScript).
//
// Values are not `Sendable`: an interpreter and its values belong to one thread.
// Async producers (the Docker client) hand `Sendable` data to a stream, which turns
// it into values on the interpreter's thread when the script pulls.
import OrderedCollections

/// A dsh value.
public enum Value {
    /// `nil`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A 64-bit integer; arithmetic that overflows is an error, never a wrap.
    case int(Int)
    /// A double.
    case float(Double)
    /// A Unicode string.
    case string(String)
    /// A byte string.
    case bytes([UInt8])
    /// A mutable, shared list.
    case list(ListRef)
    /// A mutable, shared, insertion-ordered map with string keys.
    case map(MapRef)
    /// A function: a closure made by the script or a native function of the host.
    case function(FunctionValue)
    /// A lazy, pull-based sequence of values.
    case stream(StreamValue)
    /// A host object: members and methods supplied by Swift code (for example `docker`).
    case object(any HostObject)
    /// An error value (what `catch e` binds and `error(msg)` makes).
    case error(ErrorValue)
}

/// The storage behind a list value. Shared: `let b = a; b[0] = 1` changes `a`.
public final class ListRef {
    /// The items, in order. (No dynamic exclusivity check: like `MapRef.entries`, every
    /// access is a short, non-reentrant read or in-place update.)
    @exclusivity(unchecked)
    public var items: [Value]
    /// Makes a list holding `items`.
    public init(_ items: [Value] = []) { self.items = items }

    deinit {
        if items.contains(where: \.isContainer) { ContainerRelease.drain(&items) }
    }
}

extension Value {
    /// Whether this is a list or a map (what `ContainerRelease` unnests).
    @inline(__always) var isContainer: Bool {
        switch self {
        case .list, .map: return true
        default: return false
        }
    }
}

/// Frees nested lists and maps without recursing once per level: releasing a list
/// nested a million deep (`x = [x]` in a loop) would otherwise run out of native stack.
enum ContainerRelease {
    /// Releases the values in `items` (left empty): a list or map only referenced from
    /// there gives its own values to the work list and is freed empty, so no release
    /// nests inside another.
    static func drain(_ items: inout [Value]) {
        var work: [Value] = []
        swap(&work, &items)
        while var v = work.popLast() {
            if case .list = v {
                var l = takeList(&v)
                if isKnownUniquelyReferenced(&l) {
                    for item in l.items where item.isContainer { work.append(item) }
                    l.items.removeAll()
                }
            } else if case .map = v {
                var m = takeMap(&v)
                if isKnownUniquelyReferenced(&m) {
                    for item in m.entries.values where item.isContainer { work.append(item) }
                    m.entries.removeAll()
                }
            }
        }
    }

    /// The list in `v`, moved out: the caller holds the reference `v` held.
    private static func takeList(_ v: inout Value) -> ListRef {
        guard case .list(let l) = v else { preconditionFailure("not a list") }
        v = .null
        return l
    }

    /// The map in `v`, moved out.
    private static func takeMap(_ v: inout Value) -> MapRef {
        guard case .map(let m) = v else { preconditionFailure("not a map") }
        v = .null
        return m
    }
}

/// The storage behind a map value: string keys in insertion order.
public final class MapRef {
    /// The entries, in insertion order. (No dynamic exclusivity check: every access is a
    /// short, non-reentrant read or in-place update, and the check cost ~5% of a map build.)
    @exclusivity(unchecked)
    public var entries: MapTable
    /// Makes a map holding `entries`.
    public init(_ entries: MapTable = [:]) { self.entries = entries }

    deinit {
        if entries.values.contains(where: \.isContainer) {
            var values = Array(entries.values)
            entries.removeAll()
            ContainerRelease.drain(&values)
        }
    }
    /// Makes a map of `keys` (which must be distinct: not checked) and `values`, in order.
    /// For maps built per item with the same keys (a log line's): the key array is shared
    /// rather than copied, and there is no duplicate check or per-key insertion (a small
    /// map has no hash index), where a dictionary literal paid ~1,100 Ir for two keys.
    public convenience init(distinctKeys keys: ContiguousArray<String>, values: ContiguousArray<Value>) {
        self.init(MapTable(uncheckedUniqueKeys: keys, values: values))
    }
    /// Sets `key` to `value`, as `entries[key] = value` does (one hash of the key).
    @inline(__always)
    public func set(_ key: consuming String, _ value: consuming Value) {
        entries.set(key, value)
    }
    /// The value under `key`, or nil.
    public subscript(key: String) -> Value? {
        get { entries[key] }
        set { entries[key] = newValue }
    }
}

/// An error as a dsh value: a message plus optional fields (for example a daemon
/// error's `status` and `request`), readable as members (`e.message`, `e.status`).
public final class ErrorValue {
    /// The human-readable message.
    public let message: String
    /// Extra members; `message` is always readable too.
    public let fields: OrderedDictionary<String, Value>
    /// The value given to `throw` when it was not an error (so `catch e` gets it back).
    public let payload: Value?
    /// Makes an error value.
    public init(message: String, fields: OrderedDictionary<String, Value> = [:], payload: Value? = nil) {
        self.message = message
        self.fields = fields
        self.payload = payload
    }
}

extension Value {
    /// The name `type(v)` returns for this value.
    public var typeName: String {
        switch self {
        case .null: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .bytes: return "bytes"
        case .list: return "list"
        case .map: return "map"
        case .function: return "function"
        case .stream: return "stream"
        case .object: return "object"
        case .error: return "error"
        }
    }

    /// Truthiness: `nil`, `false`, `0`, `0.0`, `""`, and empty bytes/lists/maps are false.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .bytes(let b): return !b.isEmpty
        case .list(let l): return !l.items.isEmpty
        case .map(let m): return !m.entries.isEmpty
        default: return true
        }
    }

    /// Makes a list value.
    public static func list(_ items: [Value]) -> Value { .list(ListRef(items)) }
    /// Makes a map value.
    public static func map(_ entries: MapTable) -> Value { .map(MapRef(entries)) }
}
