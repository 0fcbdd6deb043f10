// ArgReader.swift: reads a binding's call arguments with clear errors (the function's
// name, the argument, what was expected) and turns named arguments into query
// parameters as the Engine API wants them (`filters` as JSON of string lists).
import DshCore

/// The arguments of one binding call, with the function name for messages.
struct ArgReader {
    let args: Arguments
    let function: String
    /// The binding's entry, once the arguments were checked against it.
    var binding: Binding?
    /// The named arguments that stand for spec parameters, encoded as query parameters
    /// under the spec's names (set by ``checked(_:_:_:)``).
    var specQuery: [(String, String)] = []

    init(_ args: Arguments, _ function: String) {
        self.args = args
        self.function = function
    }

    /// Checks every named argument against the binding's entry and the operation's spec
    /// before anything is sent: a name the entry does not know raises an error naming the
    /// closest valid ones; a parameter of the wrong type, or one the daemon's API version
    /// does not have, raises an error saying so. Parameters are encoded into `specQuery`.
    func checked(_ entry: Binding, _ session: DockerSession, _ runtime: any Runtime) throws -> ArgReader {
        var out = self
        out.binding = entry
        var gates: [VersionGate] = []
        if let id = entry.operation, let since = BindingTable.newerOperations[id] {
            let op = APISpec.shared.operation(id)
            gates.append(VersionGate(what: "\(op.method) \(op.path)", versions: APIVersions(Substring(since.description), "-")))
        }
        // The table is read only when there is something to check: a call without named
        // arguments (`docker.system.version()`) costs no parse at start-up.
        guard !args.named.isEmpty else {
            try session.checkVersions(gates, function: function, runtime)
            return out
        }
        let op = entry.operation.map { APISpec.shared.operation($0) }
        for (name, value) in args.named {
            if entry.local[name] != nil || entry.body[name] != nil { continue }
            if let specName = entry.param(named: name), let param = op?.param(specName) {
                if param.versions.isGated { gates.append(VersionGate(what: name, versions: param.versions)) }
                out.specQuery += try Query.encode(param, value, argument: name, function: function)
                continue
            }
            if entry.rawBody, let first = name.unicodeScalars.first, first.properties.isUppercase { continue }
            var candidates = entry.acceptedNames
            if entry.rawBody, let type = op?.body, let def = APISpec.shared.definition(type) {
                // API fields too, but not one that differs from a friendly name by case only.
                let friendly = Set(candidates.map { $0.lowercased() })
                candidates += def.fields.map(\.name).filter { !friendly.contains($0.lowercased()) }
            }
            throw DshError.runtime("\(function): unknown argument `\(name)`" + SpecCheck.hint(name, candidates))
        }
        try session.checkVersions(gates, function: function, runtime)
        return out
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

    /// The checked query of a TTY resize, which needs both `h` and `w`.
    func sizeQuery() throws -> [(String, String)] {
        let q = try query()
        guard q.contains(where: { $0.0 == "h" }), q.contains(where: { $0.0 == "w" }) else {
            throw DshError.runtime("\(function): give h: and w:")
        }
        return q
    }

    /// Named arguments (except `skipping`) as query parameters; once checked against a
    /// binding, the spec parameters among them under the spec's names.
    func query(skipping: [String] = []) throws -> [(String, String)] {
        if binding != nil { return specQuery }
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
    /// `name=value` pairs for a spec parameter, the value checked against its type:
    /// booleans `true`/`false`, integers, strings (a number is written out); a list for a
    /// list parameter is repeated; `filters` takes a map of lists; a parameter the spec
    /// says is JSON (`buildargs`, `labels`, `cachefrom`) takes a map or a list, sent as
    /// JSON; `extrahosts` takes `{host: ip}` or `["host:ip"]`, sent as repeated `host:ip`.
    static func encode(_ param: APIParam, _ value: Value, argument: String, function: String) throws -> [(String, String)] {
        var v = value
        if case .object(let o) = value, let plain = o.plainValue { v = plain }
        if case .null = v { return [] }
        let name = param.name
        func wrong(_ what: String) -> DshError {
            DshError.runtime("\(function): `\(argument)` must be \(what), not \(v.typeName)")
        }
        switch param.type {
        case .boolean:
            guard case .bool(let b) = v else { throw wrong("true or false") }
            return [(name, b ? "true" : "false")]
        case .integer:
            switch v {
            case .int(let i): return [(name, String(i))]
            case .float(let d) where d == d.rounded() && abs(d) < 1e15: return [(name, String(Int(d)))]
            default: throw wrong("an int")
            }
        case .list:
            switch v {
            case .list(let l): return try l.items.flatMap { try scalar(name, $0, wrong) }
            default: return try scalar(name, v, wrong)
            }
        default:
            if name == "filters" {
                guard case .map = v else { throw wrong("a map such as {label: [\"a=b\"]}") }
                return [(name, try filters(v))]
            }
            if name == "extrahosts" {
                switch v {
                case .map(let m): return m.entries.map { (name, "\($0.key):\($0.value.displayString)") }
                case .list(let l): return try l.items.flatMap { try scalar(name, $0, wrong) }
                default: return try scalar(name, v, wrong)
                }
            }
            if param.doc.contains("JSON") {
                switch v {
                case .map(let m):
                    let out = MapRef()
                    for (k, x) in m.entries { out[k] = .string(x.displayString) }
                    return [(name, try JSON.encode(.map(out)))]
                case .list: return [(name, try JSON.encode(v))]
                default: break
                }
            }
            // A list for a plain string parameter repeats it (`t` of a build).
            if case .list(let l) = v { return try l.items.flatMap { try scalar(name, $0, wrong) } }
            return try scalar(name, v, wrong)
        }
    }

    /// One scalar as a query value (strings as they are, numbers written out).
    private static func scalar(_ name: String, _ v: Value, _ wrong: (String) -> DshError) throws -> [(String, String)] {
        switch v {
        case .string, .int, .float, .bool: return try parameters(name, v)
        default: throw wrong("a string")
        }
    }

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
