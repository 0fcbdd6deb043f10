// ResourceObject.swift: a container, image, network, volume, service, task, node,
// secret or config as a dsh object: its JSON fields read as members (`c.Id`,
// `c.State`), `id` and `name` are conveniences, and its methods (lower case) come
// from the kind's method file. `plainValue` is the JSON map, so `table()` and
// `json()` show it as the API returned it.
import DshCore

/// The kinds of resources.
enum ResourceKind: String, Sendable, CaseIterable {
    case container, image, network, volume, service, task, node, secret, config, plugin

    /// `Container`, `Image`, ...
    var typeName: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    /// The collection's name (`containers`).
    var plural: String { rawValue + "s" }

    /// The JSON key of the identifier.
    var idKey: String {
        switch self {
        case .container, .image, .network: return "Id"
        case .volume, .plugin: return "Name"
        case .service, .task, .node, .secret, .config: return "ID"
        }
    }

    /// The inspect endpoint.
    var inspect: Endpoint {
        switch self {
        case .container: return Endpoints.containerInspect
        case .image: return Endpoints.imageInspect
        case .network: return Endpoints.networkInspect
        case .volume: return Endpoints.volumeInspect
        case .service: return Endpoints.serviceInspect
        case .task: return Endpoints.taskInspect
        case .node: return Endpoints.nodeInspect
        case .secret: return Endpoints.secretInspect
        case .config: return Endpoints.configInspect
        case .plugin: return Endpoints.pluginInspect
        }
    }

    /// Methods of a resource of this kind beyond its binding-table entries.
    var extraMethods: [String] {
        switch self {
        case .container: return ContainerMethods.names
        case .image: return ImageMethods.names
        default: return []
        }
    }
}

/// One resource.
final class ResourceObject: BindingObject {
    let kind: ResourceKind
    /// The resource's JSON (what list or inspect returned).
    var data: MapRef
    /// The reference the resource was fetched by (`docker.images.get("repo:tag")`), so
    /// that `remove()` untags that reference rather than deleting the image by id.
    var ref: String?

    init(kind: ResourceKind, session: DockerSession, data: MapRef) {
        self.kind = kind
        self.data = data
        super.init(session: session)
    }

    /// Wraps a JSON answer (a map) as a resource.
    static func make(_ kind: ResourceKind, _ session: DockerSession, _ value: Value) throws -> Value {
        guard case .map(let m) = value else {
            throw DshError.runtime("the daemon returned \(value.typeName) where a \(kind.rawValue) was expected")
        }
        return .object(ResourceObject(kind: kind, session: session, data: m))
    }

    /// Wraps each map of a JSON list.
    static func makeList(_ kind: ResourceKind, _ session: DockerSession, _ value: Value) throws -> Value {
        guard case .list(let l) = value else {
            if case .null = value { return .list([]) }
            throw DshError.runtime("the daemon returned \(value.typeName) where a list of \(kind.plural) was expected")
        }
        return .list(try l.items.map { try make(kind, session, $0) })
    }

    override var typeName: String { kind.typeName }
    override var methodPrefix: String { kind.rawValue }
    override var extraMethods: [String] { kind.extraMethods }
    override var fieldNames: [String] { ["id", "name"] + Array(data.entries.keys) }

    /// The reference an image was fetched by, when it is a name (not its id).
    var reference: String? {
        guard kind == .image, let ref, !ref.isEmpty else { return nil }
        let bareID = id.hasPrefix("sha256:") ? String(id.dropFirst(7)) : id
        if ref == id || bareID.hasPrefix(ref) || ref.hasPrefix("sha256:") { return nil }
        return ref
    }

    /// The identifier used in API paths.
    var id: String {
        if case .string(let s)? = data[kind.idKey] { return s }
        if kind == .volume, case .string(let s)? = data["Name"] { return s }
        return ""
    }

    /// A readable name: the container's name without `/`, the image's first tag, the
    /// service's, secret's or config's `Spec.Name`, the node's hostname.
    var name: Value {
        func str(_ v: Value?) -> String? { if case .string(let s)? = v { return s }; return nil }
        func spec(_ key: String) -> Value? { if case .map(let s)? = data["Spec"] { return s[key] }; return nil }
        switch kind {
        case .container:
            if let n = str(data["Name"]) { return .string(n.hasPrefix("/") ? String(n.dropFirst()) : n) }
            if case .list(let names)? = data["Names"], let first = str(names.items.first) {
                return .string(first.hasPrefix("/") ? String(first.dropFirst()) : first)
            }
            return .null
        case .image:
            if let reference { return .string(reference) }
            if case .list(let tags)? = data["RepoTags"], let first = str(tags.items.first) { return .string(first) }
            return .null
        case .network, .volume, .plugin: return data["Name"] ?? .null
        case .service, .secret, .config: return spec("Name") ?? .null
        case .node:
            if case .map(let d)? = data["Description"], let h = d["Hostname"] { return h }
            return .null
        case .task: return data["Name"] ?? .null
        }
    }

    override func field(_ name: String, _ runtime: any Runtime) throws -> Value? {
        if let v = data[name] { return v }
        switch name {
        case "id": return .string(id)
        case "name": return self.name
        default:
            // A JSON field the daemon left out reads as nil, as a map's missing key does.
            if let first = name.unicodeScalars.first, first.properties.isUppercase { return .null }
            return nil
        }
    }

    override var displayString: String {
        let short = kind == .image && id.hasPrefix("sha256:") ? String(id.dropFirst(7).prefix(12)) : String(id.prefix(12))
        if case .string(let n) = name { return "<\(typeName) \(short) \(n)>" }
        return "<\(typeName) \(short)>"
    }

    override var plainValue: Value? { .map(data) }

    /// The REPL's row for a container or image (the CLI's `ps` / `images` columns).
    override var summary: Value? { Views.summary(self) }

    /// Inspects the resource afresh.
    func inspectValue(_ runtime: any Runtime, query: [(String, String)] = []) throws -> Value {
        try session.json(runtime, kind.inspect, id, query: query)
    }

    /// Replaces the data with a fresh inspect.
    func reload(_ runtime: any Runtime, query: [(String, String)] = []) throws {
        guard case .map(let m) = try inspectValue(runtime, query: query) else { return }
        data = m
    }

    override func call(_ name: String, _ args: ArgReader, _ runtime: any Runtime) throws -> Value {
        switch name {
        case "inspect":
            try args.atMost(0)
            return try ResourceObject.make(kind, session, try inspectValue(runtime, query: try args.query()))
        case "reload":
            try args.atMost(0)
            try reload(runtime, query: try args.query())
            return .object(self)
        default: break
        }
        switch kind {
        case .container: return try ContainerMethods.call(self, name, args, runtime)
        case .image: return try ImageMethods.call(self, name, args, runtime)
        case .plugin: return try PluginMethods.call(self, name, args, runtime)
        default: return try OtherMethods.call(self, name, args, runtime)
        }
    }

    /// The version index swarm objects need for updates.
    var versionIndex: String {
        if case .map(let v)? = data["Version"], case .int(let i)? = v["Index"] { return String(i) }
        return "0"
    }

    /// The current `Spec` (a copy), for updates.
    var spec: MapRef {
        if case .map(let s)? = data["Spec"] { return MapRef(s.entries) }
        return MapRef()
    }
}
