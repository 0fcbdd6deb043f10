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

    override var methods: [String] {
        var m = ["list", "get"]
        switch kind {
        case .container, .network, .volume, .service, .secret, .config: m.append("create")
        default: break
        }
        switch kind {
        case .container, .image, .network, .volume: m.append("prune")
        default: break
        }
        if kind == .image { m += ["pull", "push", "build", "load", "save", "ls"] }
        return m
    }

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
        }
    }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = session
        if kind == .image && name == "ls" { return try Views.images(s, args, rt) }
        switch name {
        case "list":
            try args.atMost(0)
            var result = try s.json(rt, listEndpoint, query: try args.query())
            if kind == .volume, case .map(let m) = result { result = m["Volumes"] ?? .null }
            return try ResourceObject.makeList(kind, s, result)
        case "get":
            try args.only([])
            let ref: String
            switch try args.value(0, "id or name") {
            case .string(let id): ref = id
            case .object(let o as ResourceObject): ref = o.id
            case let other: throw DshError.runtime("\(args.function): expected an id or a name, not \(other.typeName)")
            }
            let made = try ResourceObject.make(kind, s, try s.json(rt, kind.inspect, ref))
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
            try args.only(["auth"])
            return try ImageMethods.push(s, try args.string(0, "image reference"), auth: args.named("auth"), rt)
        case "build": return try ImageMethods.build(s, args, rt)
        case "load": return try ImageMethods.load(s, args, rt)
        case "save": return try ImageMethods.save(s, args, rt)
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
            let body = try simpleBody(args, friendly: [
                "name": "Name", "driver": "Driver", "internal": "Internal", "attachable": "Attachable",
                "labels": "Labels", "options": "Options", "ipam": "IPAM", "enable_ipv6": "EnableIPv6",
                "check_duplicate": "CheckDuplicate", "scope": "Scope", "ingress": "Ingress",
            ])
            let created = try s.json(rt, Endpoints.networkCreate, body: .map(body))
            guard case .map(let m) = created, case .string(let id)? = m["Id"] else { throw DshError.runtime("create: the daemon returned no Id") }
            return try ResourceObject.make(.network, s, try s.json(rt, Endpoints.networkInspect, id))
        case .volume:
            let body = try simpleBody(args, friendly: ["name": "Name", "driver": "Driver", "labels": "Labels", "driver_opts": "DriverOpts"])
            return try ResourceObject.make(.volume, s, try s.json(rt, Endpoints.volumeCreate, body: .map(body)))
        case .secret, .config:
            let body = try simpleBody(args, friendly: ["name": "Name", "labels": "Labels", "data": "Data", "templating": "Templating", "driver": "Driver"])
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

    /// A body from a positional map, capitalised API fields and friendly names. A
    /// positional string is the name.
    private func simpleBody(_ args: ArgReader, friendly: [String: String]) throws -> MapRef {
        let body = MapRef()
        switch args.args[0] {
        case .map(let raw)?: for (k, v) in raw.entries { body[k] = v }
        case .string(let n)?: body["Name"] = .string(n)
        default: break
        }
        for (k, v) in args.args.named {
            if let first = k.unicodeScalars.first, first.properties.isUppercase { body[k] = v; continue }
            guard let key = friendly[k] else {
                throw DshError.runtime("\(args.function): unknown argument '\(k)' (accepted: \(friendly.keys.sorted().joined(separator: ", ")), or API fields)")
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
