// ResourceCollection.swift: `docker.containers`, `docker.images`, ... : `list(...)`
// (named arguments become query parameters, `filters` encoded as the API wants),
// `get(id_or_name)`, `create(...)` and `prune(...)`, plus the image collection's
// pull, push, build, load and save.
import DockerEngine
import DshCore

/// One collection of resources.
final class ResourceCollection: BindingObject {
    let kind: ResourceKind

    init(kind: ResourceKind, session: DockerSession) {
        self.kind = kind
        super.init(session: session)
    }

    override var typeName: String { kind.plural }
    override var methodPrefix: String { "docker.\(kind.plural)" }
    override var displayString: String { "<docker.\(kind.plural)>" }

    override var extraMethods: [String] { kind == .image ? ["ls"] : [] }

    private var listEndpoint: Endpoint {
        switch kind {
        case .container: return Endpoints.containerList
        case .image: return Endpoints.imageList
        case .network: return Endpoints.networkList
        case .volume: return Endpoints.volumeList
        case .service: return Endpoints.serviceList
        case .task: return Endpoints.taskList
        case .node: return Endpoints.nodeList
        case .secret: return Endpoints.secretList
        case .config: return Endpoints.configList
        case .plugin: return Endpoints.pluginList
        }
    }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = session
        if kind == .plugin, name == "privileges" || name == "install" || name == "create" {
            return try PluginMethods.collection(s, name, args, rt)
        }
        if kind == .image && name == "ls" { return try Views.images(s, args, rt) }
        switch name {
        case "list":
            try args.atMost(0)
            var result = try s.json(rt, listEndpoint, query: try args.query())
            if kind == .volume, case .map(let m) = result { result = m["Volumes"] ?? .null }
            return try ResourceObject.makeList(kind, s, result)
        case "get":
            try args.atMost(1)
            let ref: String
            switch try args.value(0, "id or name") {
            case .string(let id): ref = id
            case .object(let o as ResourceObject): ref = o.id
            case let other: throw DshError.runtime("\(args.function): expected an id or a name, not \(other.typeName)")
            }
            let made = try ResourceObject.make(kind, s, try s.json(rt, kind.inspect, ref, query: try args.query()))
            if case .object(let o as ResourceObject) = made { o.ref = ref }
            return made
        case "create": return try create(args, rt)
        case "prune":
            try args.atMost(0)
            let endpoint: Endpoint = [.container: Endpoints.containerPrune, .image: Endpoints.imagePrune,
                                      .network: Endpoints.networkPrune, .volume: Endpoints.volumePrune][kind]!
            return try s.json(rt, endpoint, query: try args.query())
        case "pull": return try ImageMethods.pull(s, args, rt)
        case "push":
            try args.atMost(1)
            var ref = try args.string(0, "image reference")
            if let tag = try args.string("tag") { ref = (ImageMethods.splitTag(ref)?.0 ?? ref) + ":" + tag }
            return try ImageMethods.push(s, ref, auth: args.named("auth"), extraQuery: try args.query().filter { $0.0 != "tag" }, rt)
        case "build": return try ImageMethods.build(s, args, rt)
        case "load": return try ImageMethods.load(s, args, rt)
        case "save": return try ImageMethods.save(s, args, rt)
        case "search":
            try args.atMost(1)
            var q = try args.query()
            if let term = args.args[0] {
                guard case .string(let t) = term else { throw DshError.runtime("\(args.function): the search term must be a string") }
                q.removeAll { $0.0 == "term" }
                q.insert(("term", t), at: 0)
            }
            guard q.contains(where: { $0.0 == "term" }) else { throw DshError.runtime("\(args.function): missing the search term") }
            return try s.json(rt, Endpoints.imageSearch, query: q)

        default: throw DshError.runtime("docker.\(kind.plural) has no method '\(name)'")
        }
    }

    /// Creates a resource and returns it inspected.
    private func create(_ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = session
        switch kind {
        case .container:
            let spec = try ContainerSpec(args.args)
            let created = try s.json(rt, Endpoints.containerCreate, query: spec.query, body: .map(spec.body))
            guard case .map(let m) = created, case .string(let id)? = m["Id"] else { throw DshError.runtime("create: the daemon returned no Id") }
            return try ResourceObject.make(.container, s, try s.json(rt, Endpoints.containerInspect, id))
        case .network:
            let body = try simpleBody(args)
            let created = try s.json(rt, Endpoints.networkCreate, body: .map(body))
            guard case .map(let m) = created, case .string(let id)? = m["Id"] else { throw DshError.runtime("create: the daemon returned no Id") }
            return try ResourceObject.make(.network, s, try s.json(rt, Endpoints.networkInspect, id))
        case .volume:
            let body = try simpleBody(args)
            return try ResourceObject.make(.volume, s, try s.json(rt, Endpoints.volumeCreate, body: .map(body)))
        case .secret, .config:
            let body = try simpleBody(args)
            switch body["Data"] {
            case .string(let text)?: body["Data"] = .string(base64(Array(text.utf8)))
            case .bytes(let b)?: body["Data"] = .string(base64(b))
            default: break
            }
            let created = try s.json(rt, kind == .secret ? Endpoints.secretCreate : Endpoints.configCreate, body: .map(body))
            guard case .map(let m) = created, case .string(let id)? = m["ID"] else { throw DshError.runtime("create: the daemon returned no ID") }
            return try ResourceObject.make(kind, s, try s.json(rt, kind.inspect, id))
        case .service:
            let spec = try ServiceSpec.make(args)
            let created = try s.json(rt, Endpoints.serviceCreate, body: .map(spec))
            guard case .map(let m) = created, case .string(let id)? = m["ID"] else { throw DshError.runtime("create: the daemon returned no ID") }
            return try ResourceObject.make(.service, s, try s.json(rt, Endpoints.serviceInspect, id))
        default:
            throw DshError.runtime("docker.\(kind.plural) has no create")
        }
    }

    /// A body from a positional map, capitalised API fields and the entry's friendly
    /// names. A positional string is the name.
    private func simpleBody(_ args: ArgReader) throws -> MapRef {
        let friendly = args.binding?.body ?? [:]
        let body = MapRef()
        switch args.args[0] {
        case .map(let raw)?: for (k, v) in raw.entries { body[k] = v }
        case .string(let n)?: body["Name"] = .string(n)
        default: break
        }
        for (k, v) in args.args.named {
            if let first = k.unicodeScalars.first, first.properties.isUppercase { body[k] = v; continue }
            guard let key = friendly[k] else {
                throw DshError.runtime("\(args.function): unknown argument `\(k)`" + SpecCheck.hint(k, friendly.keys.sorted()))
            }
            body[key] = k == "labels" ? try ContainerSpec.stringMap(v, k) : v
        }
        return body
    }
}

/// Standard base64 (secrets and configs carry their data so).
func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var i = 0
    while i + 2 < bytes.count {
        let n = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
        out += [table[n >> 18], table[(n >> 12) & 63], table[(n >> 6) & 63], table[n & 63]]
        i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
        let n = Int(bytes[i]) << 16
        out += [table[n >> 18], table[(n >> 12) & 63], UInt8(ascii: "="), UInt8(ascii: "=")]
    } else if rest == 2 {
        let n = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8
        out += [table[n >> 18], table[(n >> 12) & 63], table[(n >> 6) & 63], UInt8(ascii: "=")]
    }
    return String(decoding: out, as: UTF8.self)
}
