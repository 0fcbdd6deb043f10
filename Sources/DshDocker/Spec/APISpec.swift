// APISpec.swift: the Engine API as the vendored specs describe it (every operation, its
// parameters, body schemas, and the API versions that have each), read from the
// generated table APISpecData on first use, never at start-up.
import DockerEngine

/// A type of the spec.
indirect enum APIType: Sendable, Equatable, CustomStringConvertible {
    case string, integer, number, boolean, any
    /// A list of items.
    case list(APIType)
    /// A map (`additionalProperties`) of values.
    case map(APIType)
    /// A named object definition.
    case ref(String)

    /// Parses `string`, `[T]`, `{T}`, `@Name`.
    init(_ text: Substring) {
        switch text {
        case "string": self = .string
        case "integer": self = .integer
        case "number": self = .number
        case "boolean": self = .boolean
        default:
            if text.hasPrefix("["), text.hasSuffix("]") { self = .list(APIType(text.dropFirst().dropLast())) }
            else if text.hasPrefix("{"), text.hasSuffix("}") { self = .map(APIType(text.dropFirst().dropLast())) }
            else if text.hasPrefix("@") { self = .ref(String(text.dropFirst())) }
            else { self = .any }
        }
    }

    /// How `:doc` and messages name the type (`[string]`, `{string}`, `HostConfig`).
    var description: String {
        switch self {
        case .string: return "string"
        case .integer: return "int"
        case .number: return "number"
        case .boolean: return "bool"
        case .any: return "any"
        case .list(let t): return "[\(t)]"
        case .map(let t): return "{\(t)}"
        case .ref(let n): return n.hasSuffix("Body") ? "map" : n
        }
    }
}

/// The versions of the vendored specs that have an item: `since` is the first (the
/// oldest vendored spec, 1.41, stands for "1.41 or older"), `until` the last when a
/// later spec dropped it.
struct APIVersions: Sendable, Equatable {
    let since: APIVersion
    let until: APIVersion?

    init(_ since: Substring, _ until: Substring) {
        self.since = APIVersion(String(since)) ?? APIVersion(major: 1, minor: 41)
        self.until = until == "-" ? nil : APIVersion(String(until))
    }

    /// Whether a daemon speaking `version` knows the item.
    func contains(_ version: APIVersion) -> Bool {
        (version >= since || since == APISpec.oldest) && (until.map { version <= $0 } ?? true)
    }

    /// Whether checking needs the daemon's version (the item is not in every spec).
    var isGated: Bool { since > APISpec.oldest || until != nil }

    /// "API 1.42+", "API 1.41 to 1.43", "" for every version.
    var text: String {
        switch (since > APISpec.oldest, until) {
        case (false, nil): return ""
        case (true, nil): return "API \(since)+"
        case (false, let u?): return "API ≤\(u)"
        case (true, let u?): return "API \(since) to \(u)"
        }
    }
}

/// A path, query or header parameter.
struct APIParam: Sendable {
    let location: String
    let name: String
    let type: APIType
    let versions: APIVersions
    let required: Bool
    let defaultValue: String?
    let doc: String

    /// The name as a dsh named argument: snake_case (`shared-size` → `shared_size`,
    /// `insertDefaults` → `insert_defaults`).
    var snakeName: String { APISpec.snake(name) }
}

/// One operation of the API.
struct APIOperation: Sendable {
    let id: String
    let method: String
    let path: String
    let versions: APIVersions
    let body: APIType?
    let tag: String
    let summary: String
    var params: [APIParam]

    /// The parameter `name` (as the spec spells it) at `location` (any when nil).
    func param(_ name: String, in location: String? = nil) -> APIParam? {
        params.first { $0.name == name && (location == nil || $0.location == location) }
    }
}

/// A field of an object definition.
struct APIField: Sendable {
    let name: String
    let type: APIType
    let versions: APIVersions
}

/// An object definition: named fields, and the type of other keys when it allows them.
struct APIDefinition: Sendable {
    let name: String
    let extra: APIType?
    var fields: [APIField]

    func field(_ name: String) -> APIField? { fields.first { $0.name == name } }
}

/// The parsed table.
final class APISpec: Sendable {
    /// The table of the vendored specs, parsed on first use.
    static let shared = APISpec(APISpecData.text)
    /// The oldest vendored spec.
    static let oldest = APIVersion(major: 1, minor: 41)

    /// The vendored versions, oldest first.
    let versions: [APIVersion]
    /// Every operation by its operationId.
    let operations: [String: APIOperation]
    /// Operation ids in the table's order.
    let operationIDs: [String]
    /// Every object definition by name.
    let definitions: [String: APIDefinition]

    init(_ text: String) {
        var versions: [APIVersion] = []
        var ops: [String: APIOperation] = [:]
        var ids: [String] = []
        var defs: [String: APIDefinition] = [:]
        var currentOp: APIOperation?
        var currentDef: APIDefinition?
        func flush() {
            if let o = currentOp { ops[o.id] = o; ids.append(o.id) }
            if let d = currentDef { defs[d.name] = d }
            currentOp = nil
            currentDef = nil
        }
        for line in text.split(separator: "\n") {
            guard let kind = line.first else { continue }
            switch kind {
            case "V":
                versions = line.split(separator: " ").dropFirst().compactMap { APIVersion(String($0)) }
            case "O":
                flush()
                let f = line.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: false)
                currentOp = APIOperation(
                    id: String(f[1]), method: String(f[2]), path: String(f[3]), versions: APIVersions(f[4], f[5]),
                    body: f[6] == "-" ? nil : APIType(f[6]), tag: String(f[7]), summary: f.count > 8 ? String(f[8]) : "", params: [])
            case "P":
                let f = line.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: false)
                let def = f[7] == "-" ? nil : String(f[7]).replacingPercent20()
                currentOp?.params.append(APIParam(
                    location: String(f[1]), name: String(f[2]), type: APIType(f[3]), versions: APIVersions(f[4], f[5]),
                    required: f[6] == "1", defaultValue: def, doc: f.count > 8 ? String(f[8]) : ""))
            case "D":
                flush()
                let f = line.split(separator: " ")
                currentDef = APIDefinition(name: String(f[1]), extra: f[2] == "-" ? nil : APIType(f[2]), fields: [])
            case "F":
                let f = line.split(separator: " ")
                currentDef?.fields.append(APIField(name: String(f[1]), type: APIType(f[2]), versions: APIVersions(f[3], f[4])))
            default: continue
            }
        }
        flush()
        self.versions = versions
        self.operations = ops
        self.operationIDs = ids
        self.definitions = defs
    }

    /// The newest vendored version.
    var newest: APIVersion { versions.last ?? APISpec.oldest }

    /// The operation `id`; a missing one is a defect of the binding table.
    func operation(_ id: String) -> APIOperation {
        guard let op = operations[id] else { preconditionFailure("no operation \(id) in the vendored specs") }
        return op
    }

    /// The definition a type names (nil for other types).
    func definition(_ type: APIType) -> APIDefinition? {
        if case .ref(let n) = type { return definitions[n] }
        return nil
    }

    /// snake_case of a spec name: `shared-size` → `shared_size`, `insertDefaults` →
    /// `insert_defaults`, `copyUIDGID` → `copy_uidgid`, `ps_args` unchanged.
    static func snake(_ name: String) -> String {
        var out = ""
        var previousLower = false
        for ch in name {
            if ch == "-" { out.append("_"); previousLower = false; continue }
            if ch.isUppercase {
                if previousLower { out.append("_") }
                out += ch.lowercased()
                previousLower = false
            } else {
                out.append(ch)
                previousLower = ch.isLowercase || ch.isNumber
            }
        }
        return out
    }
}

extension String {
    fileprivate func replacingPercent20() -> String {
        split(separator: "%20", omittingEmptySubsequences: false).joined(separator: " ")
    }
}
