// ArgReader.swift: reads a binding's call arguments with clear errors (the function's
// name, the argument, what was expected) and turns named arguments into query
// parameters as the Engine API wants them (`filters` as JSON of string lists).
import DshCore

/// The arguments of one binding call, with the function name for messages.
struct ArgReader {
    let args: Arguments
    let function: String

    init(_ args: Arguments, _ function: String) {
        self.args = args
        self.function = function
    }

    /// Refuses named arguments outside `allowed`.
    func only(_ allowed: [String]) throws {
        for (name, _) in args.named where !allowed.contains(name) {
            let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            throw DshError.runtime("\(function): unknown argument '\(name)' (accepted: \(list))")
        }
    }

    /// Refuses more than `n` positional arguments.
    func atMost(_ n: Int) throws {
        if args.count > n {
            throw DshError.runtime("\(function): expected at most \(n) positional argument\(n == 1 ? "" : "s"), got \(args.count)")
        }
    }

    /// The positional argument `i`, required.
    func value(_ i: Int, _ what: String) throws -> Value {
        guard let v = args[i], !isNull(v) else { throw DshError.runtime("\(function): missing argument \(what)") }
        return v
    }

    /// The positional string `i`, required.
    func string(_ i: Int, _ what: String) throws -> String {
        let v = try value(i, what)
        guard case .string(let s) = v else { throw DshError.runtime("\(function): \(what) must be a string, not \(v.typeName)") }
        return s
    }

    /// A named argument, or the positional one at `position` when given.
    func named(_ name: String, position: Int? = nil) -> Value? {
        if let v = args[name], !isNull(v) { return v }
        if let p = position, let v = args[p], !isNull(v) { return v }
        return nil
    }

    /// A named string.
    func string(_ name: String, position: Int? = nil) throws -> String? {
        guard let v = named(name, position: position) else { return nil }
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        default: throw DshError.runtime("\(function): \(name) must be a string, not \(v.typeName)")
        }
    }

    /// A named boolean.
    func bool(_ name: String) throws -> Bool? {
        guard let v = named(name) else { return nil }
        guard case .bool(let b) = v else { throw DshError.runtime("\(function): \(name) must be true or false, not \(v.typeName)") }
        return b
    }

    /// A named integer.
    func int(_ name: String, position: Int? = nil) throws -> Int? {
        guard let v = named(name, position: position) else { return nil }
        switch v {
        case .int(let i): return i
        case .float(let d) where d == d.rounded(): return Int(d)
        default: throw DshError.runtime("\(function): \(name) must be an integer, not \(v.typeName)")
        }
    }

    /// A named number (int or float).
    func number(_ name: String) throws -> Double? {
        guard let v = named(name) else { return nil }
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: throw DshError.runtime("\(function): \(name) must be a number, not \(v.typeName)")
        }
    }

    /// Named arguments (except `skipping`) as query parameters.
    func query(skipping: [String] = []) throws -> [(String, String)] {
        var out: [(String, String)] = []
        for (name, value) in args.named where !skipping.contains(name) {
            out += try Query.parameters(name, value)
        }
        return out
    }

    private func isNull(_ v: Value) -> Bool {
        if case .null = v { return true }
        return false
    }
}

/// Query-parameter encoding of dsh values.
enum Query {
    /// `name=value` pairs for one named argument: booleans as `true`/`false`, lists as
    /// repeated parameters, maps as JSON; `filters` is normalised to a map of string lists.
    static func parameters(_ name: String, _ value: Value) throws -> [(String, String)] {
        switch value {
        case .null: return []
        case .bool(let b): return [(name, b ? "true" : "false")]
        case .int(let i): return [(name, String(i))]
        case .float(let d): return [(name, d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d))]
        case .string(let s): return [(name, s)]
        case .list(let l):
            if name == "filters" { throw DshError.runtime("filters must be a map such as {label: [\"a=b\"]}") }
            return try l.items.flatMap { try parameters(name, $0) }
        case .map:
            if name == "filters" { return [(name, try filters(value))] }
            return [(name, try JSON.encode(value))]
        default:
            if case .object(let o) = value, let plain = o.plainValue { return try parameters(name, plain) }
            throw DshError.runtime("\(name): a \(value.typeName) cannot be a query parameter")
        }
    }

    /// The `filters` JSON the API wants: a map of string to list of strings. A single
    /// string becomes a one-item list; a map value (`{"a=b": true}`) passes through.
    static func filters(_ value: Value) throws -> String {
        guard case .map(let m) = value else { throw DshError.runtime("filters must be a map such as {label: [\"a=b\"]}") }
        let out = MapRef()
        for (key, v) in m.entries {
            switch v {
            case .string: out[key] = .list([v])
            case .int, .bool, .float: out[key] = .list([.string(v.displayString)])
            case .list(let l):
                out[key] = .list(l.items.map { item in
                    if case .string = item { return item }
                    return .string(item.displayString)
                })
            case .map: out[key] = v
            default: throw DshError.runtime("filters: the value of '\(key)' must be a string, a list of strings or a map")
            }
        }
        return try JSON.encode(.map(out))
    }
}
