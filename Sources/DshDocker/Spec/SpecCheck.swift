// SpecCheck.swift: checks a binding call's named arguments and request bodies against
// the operation's spec before anything is sent: unknown names (with the closest valid
// ones), wrong types, and names the daemon's API version does not have yet (or any more).
import DockerEngine
import DshCore

/// Something a call uses that not every API version has.
struct VersionGate {
    /// How the message names it (`signal`, `HostConfig.Annotations`).
    let what: String
    let versions: APIVersions
}

/// The checks.
enum SpecCheck {
    // MARK: names

    /// The candidates closest to `name` (edit distance with transpositions, case
    /// ignored, or a candidate that starts the name), best first, at most three.
    static func closest(_ name: String, _ candidates: [String]) -> [String] {
        let lower = name.lowercased()
        var scored: [(Int, String)] = []
        for c in Set(candidates) {
            let cl = c.lowercased()
            let d = distance(lower, cl)
            let limit = max(1, min(3, cl.count / 3))
            if d <= limit { scored.append((d, c)) }
            else if cl.count >= 3, lower.hasPrefix(cl) || cl.hasPrefix(lower) && lower.count >= 3 { scored.append((limit + 1, c)) }
        }
        return scored.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(3).map(\.1)
    }

    /// "; did you mean `filters`?" or "; accepted: a, b" (or "; it takes none").
    static func hint(_ name: String, _ candidates: [String]) -> String {
        let near = closest(name, candidates)
        if !near.isEmpty { return "; did you mean " + near.map { "`\($0)`" }.joined(separator: " or ") + "?" }
        if candidates.isEmpty { return "; it takes none" }
        let sorted = Array(Set(candidates)).sorted()
        return "; accepted: " + sorted.prefix(40).joined(separator: ", ") + (sorted.count > 40 ? ", ..." : "")
    }

    /// Optimal-string-alignment distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a), t = Array(b)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: t.count + 1), count: s.count + 1)
        for i in 0...s.count { d[i][0] = i }
        for j in 0...t.count { d[0][j] = j }
        for i in 1...s.count {
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[s.count][t.count]
    }

    // MARK: types

    /// "an int", "a string", ...
    static func article(_ type: APIType) -> String {
        switch type {
        case .integer: return "an int"
        case .any: return "any value"
        case .list: return "a list \(type)"
        case .map, .ref: return "a map"
        default: return "a \(type)"
        }
    }

    /// Checks `value` against `type`; maps of a definition have their keys checked too
    /// (unknown → the closest field names). `path` names the place (`HostConfig.Memory`).
    static func value(
        _ value: Value, _ type: APIType, path: String, function: String, gates: inout [VersionGate]
    ) throws {
        var v = value
        if case .object(let o) = value, let plain = o.plainValue { v = plain }
        if case .null = v { return }
        func wrong() -> DshError {
            DshError.runtime("\(function): `\(path)` must be \(article(type)), not \(v.typeName)")
        }
        switch type {
        case .any: return
        case .string: guard case .string = v else { throw wrong() }
        case .boolean: guard case .bool = v else { throw wrong() }
        case .integer:
            switch v {
            case .int: return
            case .float(let d) where d == d.rounded(): return
            default: throw wrong()
            }
        case .number:
            switch v {
            case .int, .float: return
            default: throw wrong()
            }
        case .list(let item):
            guard case .list(let l) = v else { throw wrong() }
            for (i, x) in l.items.enumerated() { try value_(x, item, path: "\(path)[\(i)]", function: function, gates: &gates) }
        case .map(let item):
            guard case .map(let m) = v else { throw wrong() }
            for (k, x) in m.entries { try value_(x, item, path: "\(path).\(k)", function: function, gates: &gates) }
        case .ref(let name):
            guard let def = APISpec.shared.definitions[name] else { return }
            guard case .map(let m) = v else { throw wrong() }
            try fields(m, def, path: path, function: function, gates: &gates)
        }
    }

    /// `value` under another name (Swift cannot call the function from inside its own
    /// parameter named `value`).
    private static func value_(_ v: Value, _ type: APIType, path: String, function: String, gates: inout [VersionGate]) throws {
        try value(v, type, path: path, function: function, gates: &gates)
    }

    /// Checks each key of `m` against the definition's fields.
    static func fields(_ m: MapRef, _ def: APIDefinition, path: String, function: String, gates: inout [VersionGate]) throws {
        for (k, x) in m.entries {
            let place = path.isEmpty ? k : "\(path).\(k)"
            if let field = def.field(k) {
                if field.versions.isGated { gates.append(VersionGate(what: place, versions: field.versions)) }
                try value(x, field.type, path: place, function: function, gates: &gates)
            } else if let extra = def.extra {
                try value(x, extra, path: place, function: function, gates: &gates)
            } else {
                let owner = def.name.hasSuffix("Body") ? "the request body" : def.name
                throw DshError.runtime("\(function): unknown field `\(place)` (\(owner) has no `\(k)`)" + hint(k, def.fields.map(\.name)))
            }
        }
    }

    /// Checks a request body against the operation's body schema.
    static func body(_ body: Value, _ op: APIOperation, function: String, gates: inout [VersionGate]) throws {
        guard let type = op.body else { return }
        if case .ref = type, case .map(let m) = body, let def = APISpec.shared.definition(type) {
            try fields(m, def, path: "", function: function, gates: &gates)
            return
        }
        try value(body, type, path: "body", function: function, gates: &gates)
    }

    // MARK: versions

    /// Throws when the daemon's version lacks something a call uses.
    static func versions(_ gates: [VersionGate], daemon: APIVersion, function: String) throws {
        for g in gates where !g.versions.contains(daemon) {
            if daemon < g.versions.since {
                throw DshError.runtime("\(function): `\(g.what)` came in API \(g.versions.since); the daemon speaks \(daemon)")
            }
            if let u = g.versions.until {
                throw DshError.runtime("\(function): `\(g.what)` is gone after API \(u); the daemon speaks \(daemon)")
            }
        }
    }
}
