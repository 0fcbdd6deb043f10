// OtherMethods.swift: the methods of networks, volumes, services, tasks, nodes,
// secrets and configs.
import DockerEngine
import DshCore

enum OtherMethods {
    static func call(_ r: ResourceObject, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = r.session
        let id = r.id
        switch (r.kind, name) {
        case (.network, "connect"), (.network, "disconnect"):
            try args.atMost(1)
            guard let target = args.named("container", position: 0) else { throw DshError.runtime("\(args.function): missing the container") }
            let body = MapRef()
            body["Container"] = .string(containerID(target))
            for (k, v) in args.args.named {
                if let first = k.unicodeScalars.first, first.properties.isUppercase { body[k] = v }
            }
            if name == "connect" {
                let endpoint = MapRef()
                if case .map(let cfg)? = args.named("config") { for (k, v) in cfg.entries { endpoint[k] = v } }
                if let aliases = args.named("aliases") { endpoint["Aliases"] = aliases }
                if !endpoint.entries.isEmpty { body["EndpointConfig"] = .map(endpoint) }
            } else if let f = try args.bool("force") {
                body["Force"] = .bool(f)
            }
            _ = try s.json(rt, name == "connect" ? Endpoints.networkConnect : Endpoints.networkDisconnect, id, body: .map(body))
            return .object(r)
        case (.network, "remove"):
            try args.atMost(0)
            _ = try s.send(rt, Endpoints.networkRemove, id)
            return .null
        case (.volume, "remove"):
            try args.atMost(0)
            _ = try s.send(rt, Endpoints.volumeRemove, id, query: try args.query())
            return .null
        case (.volume, "update"):
            // Cluster volumes only: the current spec merged with what is given.
            let current = r.spec
            if case .map(let raw)? = args.args[0] { for (k, v) in raw.entries { current[k] = v } }
            for (k, v) in args.args.named { current[k] = v }
            var version = "0"
            if case .map(let cv)? = r.data["ClusterVolume"], case .map(let ver)? = cv["Version"], let idx = ver["Index"] { version = idx.displayString }
            _ = try s.json(rt, Endpoints.volumeUpdate, id, query: [("version", version)], body: .map(["Spec": .map(current)]))
            return .object(r)
        case (.service, "remove"), (.node, "remove"), (.secret, "remove"), (.config, "remove"):
            try args.atMost(0)
            let q = try args.query()
            let endpoint: Endpoint = [.service: Endpoints.serviceRemove, .node: Endpoints.nodeRemove,
                                      .secret: Endpoints.secretRemove, .config: Endpoints.configRemove][r.kind]!
            _ = try s.send(rt, endpoint, id, query: q)
            return .null
        case (.service, "update"), (.node, "update"), (.secret, "update"), (.config, "update"):
            // The current spec, changed by a positional map / capitalised fields (and the
            // friendly fields of a service), sent with the current version.
            try r.reload(rt)
            let spec = r.spec
            if case .map(let raw)? = args.args[0] { for (k, v) in raw.entries { spec[k] = v } }
            let q: [(String, String)] = [("version", r.versionIndex)] + (try args.query())
            let specParams = Set(q.map(\.0))
            for (k, v) in args.args.named {
                if let first = k.unicodeScalars.first, first.properties.isUppercase { ServiceSpec.merge(k, v, into: spec); continue }
                if let p = args.binding?.param(named: k), specParams.contains(p) { continue }
                if r.kind == .service {
                    try ServiceSpec.apply(k, v, to: spec, function: args.function)
                } else if k == "labels" {
                    spec["Labels"] = try ContainerSpec.stringMap(v, k)
                } else if r.kind == .node, k == "availability" || k == "role" || k == "name" {
                    spec[k.prefix(1).uppercased() + k.dropFirst()] = v
                } else {
                    throw DshError.runtime("\(args.function): unknown argument '\(k)' (use Spec fields such as Labels: {...})")
                }
            }
            let endpoint: Endpoint = [.service: Endpoints.serviceUpdate, .node: Endpoints.nodeUpdate,
                                      .secret: Endpoints.secretUpdate, .config: Endpoints.configUpdate][r.kind]!
            _ = try s.json(rt, endpoint, id, query: q, body: .map(spec))
            try r.reload(rt)
            return .object(r)
        case (.service, "scale"):
            try args.atMost(1)
            guard let n = try args.int("replicas", position: 0) else { throw DshError.runtime("\(args.function): missing the replica count") }
            try r.reload(rt)
            let spec = r.spec
            spec["Mode"] = .map(["Replicated": .map(["Replicas": .int(n)])])
            _ = try s.json(rt, Endpoints.serviceUpdate, id, query: [("version", r.versionIndex)], body: .map(spec))
            try r.reload(rt)
            return .object(r)
        case (.service, "logs"), (.task, "logs"):
            try args.atMost(0)
            let follow = try args.bool("follow") ?? false
            let timestamps = try args.bool("timestamps") ?? false
            var q: [(String, String)] = [
                ("follow", String(follow)), ("stdout", String(try args.bool("stdout") ?? true)),
                ("stderr", String(try args.bool("stderr") ?? true)), ("timestamps", String(timestamps)),
            ]
            if let t = try args.string("tail") { q.append(("tail", t)) }
            if let since = args.named("since") { q.append(("since", since.displayString)) }
            if let d = try args.bool("details") { q.append(("details", String(d))) }
            let endpoint = r.kind == .service ? Endpoints.serviceLogs : Endpoints.taskLogs
            let tty = serviceTTY(r)
            let response = try s.stream(rt, endpoint, id, query: q, timeouts: follow ? .streaming : .default)
            let request = "GET /\(r.kind.plural)/\(id)/logs"
            if try args.bool("raw") == true { return .stream(DockerStreams.chunks(label: "logs", request: request, response.frames(tty: tty))) }
            return .stream(DockerStreams.lines(label: "logs", request: request, response.lines(tty: tty), timestamps: timestamps))
        case (.service, "tasks"):
            try args.atMost(0)
            let filters = MapRef()
            if case .map(let extra)? = args.named("filters") { for (k, v) in extra.entries { filters[k] = v } }
            filters["service"] = .list([.string(id)])
            let list = try s.json(rt, Endpoints.taskList, query: [("filters", try Query.filters(.map(filters)))])
            return try ResourceObject.makeList(.task, s, list)
        default:
            throw DshError.runtime("\(r.kind.typeName) has no method '\(name)'")
        }
    }

    /// A container argument as an id: a container object or a string.
    static func containerID(_ v: Value) -> String {
        if case .object(let o as ResourceObject) = v { return o.id }
        return v.displayString
    }

    /// Whether a service's (or task's) containers have a TTY.
    static func serviceTTY(_ r: ResourceObject) -> Bool {
        var spec: MapRef? = nil
        if case .map(let s)? = r.data["Spec"] { spec = s }
        if r.kind == .service, case .map(let t)? = spec?["TaskTemplate"] { spec = t }
        if case .map(let c)? = spec?["ContainerSpec"], case .bool(let tty)? = c["TTY"] { return tty }
        return false
    }
}

