// DockerObject.swift: the `docker` global: the resource collections, `system` and
// `swarm`, `connect(...)` for another daemon, `request(...)` for any endpoint, and
// the shortcuts `events`, `version`, `info`, `ping`, `host`.
import DockerEngine
import DshCore

/// A Docker client as a dsh object.
final class DockerObject: BindingObject {
    private var collections: [String: Value] = [:]

    override var typeName: String { "docker" }
    override var methodPrefix: String { "docker" }
    override var extraMethods: [String] { ["ps", "logout"] }
    override var fieldNames: [String] {
        ["containers", "images", "networks", "volumes", "services", "tasks", "nodes", "secrets", "configs", "plugins",
         "swarm", "system", "builder", "host", "read_only"]
    }

    override var displayString: String {
        if let host = try? session.client().endpoint.description { return "<docker \(host)>" }
        return "<docker>"
    }

    override func field(_ name: String, _ runtime: any Runtime) throws -> Value? {
        if let cached = collections[name] { return cached }
        let value: Value
        switch name {
        case "containers", "images", "networks", "volumes", "services", "tasks", "nodes", "secrets", "configs", "plugins":
            value = .object(ResourceCollection(kind: ResourceKind(rawValue: String(name.dropLast()))!, session: session))
        case "system": value = .object(SystemObject(session: session))
        case "swarm": value = .object(SwarmObject(session: session))
        case "builder": value = .object(BuilderObject(session: session))
        case "host": return .string(try session.client().endpoint.description)
        case "read_only": return .bool(session.readOnly)
        default: return nil
        }
        collections[name] = value
        return value
    }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        switch name {
        case "connect":
            if args.named("context") != nil { return try Contexts.connect(session, args) }
            return try connect(args)
        case "contexts": return try Contexts.list(args)
        case "request": return try request(args, rt)
        case "login": return try LoginMethods.login(session, args, rt)
        case "logout": return try LoginMethods.logout(session, args, rt)
        case "ps": return try Views.ps(session, args, rt)
        case "df": return try Views.df(session, args, rt)
        case "distribution":
            try args.atMost(1)
            return try session.json(rt, Endpoints.distribution, try args.string(0, "image reference"))
        default: return try SystemObject.call(session, name, args, rt)
        }
    }

    /// `docker.connect("tcp://host:2376", tls: {ca:, cert:, key:, verify:}, api_version:)`
    /// or `docker.connect("ssh://user@host", ssh_options: ["-F", "ssh_config"])`: another
    /// client (read-only when this one is).
    private func connect(_ args: ArgReader) throws -> Value {
        try args.only(["tls", "api_version", "ssh_options"])
        let host = try args.string(0, "host (unix:///path or tcp://host:port)")
        var tls: DockerTLSOptions? = nil
        if let t = args.named("tls") {
            switch t {
            case .bool(true): tls = DockerTLSOptions()
            case .bool(false): tls = nil
            case .map(let m):
                func str(_ k: String) throws -> String? {
                    guard let v = m[k] else { return nil }
                    guard case .string(let s) = v else { throw DshError.runtime("tls: \(k) must be a file path") }
                    return s
                }
                var verify = true
                if case .bool(let b)? = m["verify"] { verify = b }
                if let dir = try str("dir") {
                    tls = DockerTLSOptions(directory: dir, verify: verify)
                } else {
                    tls = DockerTLSOptions(caFile: try str("ca"), certFile: try str("cert"), keyFile: try str("key"), verify: verify)
                }
            default: throw DshError.runtime("\(args.function): tls must be {ca:, cert:, key:, verify:} or true")
            }
        }
        let apiVersion = try args.string("api_version")
        var sshOptions: [String] = []
        if let o = args.named("ssh_options") {
            let wrong = DshError.runtime("\(args.function): ssh_options must be a list of strings (ssh's own flags: [\"-F\", \"ssh_config\"])")
            guard case .list(let l) = o else { throw wrong }
            for item in l.items {
                guard case .string(let flag) = item else { throw wrong }
                sshOptions.append(flag)
            }
        }
        let trace = session.trace
        let client: DockerClient
        do {
            client = try DockerClient(host: host, tls: tls, apiVersion: apiVersion, sshOptions: sshOptions, traceHook: trace)
        } catch { throw DockerErrors.map(error) }
        let newSession = DockerSession(client: { client }, readOnly: session.readOnly, trace: trace)
        return .object(DockerObject(session: newSession))
    }

    /// `docker.request(method, path, query: {...}, body: ..., stream: false, headers: {...},
    /// full: false)`: any endpoint, unchecked. `full: true` returns `{status, headers, body}`.
    private func request(_ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let method = try args.string(0, "method").uppercased()
        var path = try args.string(1, "path")
        var query: [(String, String)] = []
        if let q = path.firstIndex(of: "?") {
            for pair in path[path.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query.append((percentDecode(String(kv[0])), kv.count > 1 ? percentDecode(String(kv[1])) : ""))
            }
            path = String(path[..<q])
        }
        if let q = args.named("query") {
            guard case .map(let m) = q else { throw DshError.runtime("\(args.function): query must be a map") }
            for (k, v) in m.entries { query += try Query.parameters(k, v) }
        }
        var headers: [(String, String)] = []
        if let h = args.named("headers") {
            guard case .map(let m) = h else { throw DshError.runtime("\(args.function): headers must be a map") }
            for (k, v) in m.entries { headers.append((k, v.displayString)) }
        }
        var body = BuildContext.Prepared(body: .empty, pump: nil)
        if let b = args.named("body") {
            switch b {
            case .string(let text): body.body = .bytes(Array(text.utf8), contentType: "text/plain")
            case .map, .list: body.body = try DockerSession.jsonBody(b)
            case .object(let o) where !(o is BuildContext):
                guard let plain = o.plainValue else { throw DshError.runtime("\(args.function): cannot send a \(o.typeName) as a body") }
                body.body = try DockerSession.jsonBody(plain)
            default: body = try BuildContext.prepare(b, args.function, rt)
            }
        }
        let response = try session.streamPath(rt, method, path, query: query, headers: headers, body: body.body, pump: body.pump)
        let request = "\(method) \(path)"
        if try args.bool("stream") == true {
            return .stream(DockerStreams.json(label: "request", request: request, response))
        }
        let bytes = try Blocking.run(rt) { try await response.body.collect(upTo: 256 << 20) }
        let decoded = try DockerObject.decodeBody(bytes, contentType: response.contentType, request: request)
        guard try args.bool("full") == true else { return decoded }
        let headerMap = MapRef()
        for (name, value) in response.headers {
            if case .string(let previous)? = headerMap[name] {
                headerMap[name] = Value.string(previous + ", " + value)
            } else {
                headerMap[name] = Value.string(value)
            }
        }
        return .map(["status": .int(response.status), "headers": .map(headerMap), "body": decoded])
    }

    /// A response body as a value: JSON decoded, text as a string, else bytes; nil when empty.
    static func decodeBody(_ bytes: [UInt8], contentType: String?, request: String) throws -> Value {
        let contentType = (contentType ?? "").lowercased()
        if bytes.isEmpty { return .null }
        if contentType.contains("json") { return try DockerSession.decode(bytes, request: request) }
        if contentType.hasPrefix("text/") || contentType.isEmpty {
            if let s = String(validatingUTF8Bytes: bytes) { return .string(s) }
        }
        return .bytes(bytes)
    }
}

/// `%41` → `A` and `+` → space (for a query typed into a path).
func percentDecode(_ s: String) -> String {
    var out: [UInt8] = []
    var bytes = Array(s.utf8)[...]
    while let b = bytes.popFirst() {
        if b == UInt8(ascii: "%"), bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
            out.append(v)
            bytes = bytes.dropFirst(2)
        } else if b == UInt8(ascii: "+") {
            out.append(0x20)
        } else {
            out.append(b)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

extension String {
    /// The string when `bytes` are valid UTF-8, else nil.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var s = ""
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let u): s.unicodeScalars.append(u)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = s
    }
}

/// `docker.system`: info, version, ping, df, events.
final class SystemObject: BindingObject {
    override var typeName: String { "system" }
    override var methodPrefix: String { "docker.system" }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try SystemObject.call(session, name, args, rt)
    }

    static func call(_ s: DockerSession, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        switch name {
        case "info":
            try args.only([])
            return try s.json(rt, Endpoints.info)
        case "version":
            try args.only([])
            return try s.json(rt, Endpoints.version)
        case "ping":
            try args.only([])
            let r = try s.send(rt, Endpoints.ping)
            return .string(r.text)
        case "df":
            try args.atMost(0)
            return try s.json(rt, Endpoints.df, query: try args.query())
        case "events":
            try args.atMost(0)
            var q: [(String, String)] = []
            for (k, v) in args.args.named {
                if case .float(let d) = v, k != "filters" { q.append((k, String(d))) } else { q += try Query.parameters(k, v) }
            }
            let response = try s.stream(rt, Endpoints.events, query: q)
            return .stream(DockerStreams.json(label: "events", request: "GET /events", response))
        default:
            throw DshError.runtime("docker.system has no method '\(name)'")
        }
    }
}

/// `docker.swarm`: init, join, leave, inspect, update, unlock, unlock_key.
final class SwarmObject: BindingObject {
    override var typeName: String { "swarm" }
    override var methodPrefix: String { "docker.swarm" }

    /// The body: a positional map, API fields, and the entry's friendly names.
    private func body(_ args: ArgReader) throws -> MapRef {
        let body = MapRef()
        if case .map(let raw)? = args.args[0] { for (k, v) in raw.entries { body[k] = v } }
        let friendly = args.binding?.body ?? [:]
        for (k, v) in args.args.named {
            if let first = k.unicodeScalars.first, first.properties.isUppercase { body[k] = v; continue }
            guard let key = friendly[k] else { continue }
            if key == "RemoteAddrs", case .string = v { body[key] = .list([v]) } else { body[key] = v }
        }
        return body
    }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = session
        switch name {
        case "init":
            let b = try body(args)
            if b["ListenAddr"] == nil { b["ListenAddr"] = .string("0.0.0.0:2377") }
            return try s.json(rt, Endpoints.swarmInit, body: .map(b))
        case "join":
            _ = try s.json(rt, Endpoints.swarmJoin, body: .map(try body(args)))
            return .null
        case "leave":
            try args.only(["force"])
            var q: [(String, String)] = []
            if let f = try args.bool("force") { q.append(("force", String(f))) }
            _ = try s.send(rt, Endpoints.swarmLeave, query: q)
            return .null
        case "inspect":
            try args.only([])
            return try s.json(rt, Endpoints.swarmInspect)
        case "update":
            // The current spec changed by the given fields, at the current version.
            let current = try s.json(rt, Endpoints.swarmInspect)
            guard case .map(let m) = current else { return .null }
            let spec = MapRef()
            if case .map(let sp)? = m["Spec"] { for (k, v) in sp.entries { spec[k] = v } }
            var q: [(String, String)] = []
            if case .map(let v)? = m["Version"], let idx = v["Index"] { q.append(("version", idx.displayString)) }
            if case .map(let raw)? = args.args[0] { for (k, v) in raw.entries { spec[k] = v } }
            q += try args.query()
            let friendly = args.binding?.body ?? [:]
            for (k, v) in args.args.named {
                if let key = friendly[k] { spec[key] = k == "labels" ? try ContainerSpec.stringMap(v, k) : v }
                else if let first = k.unicodeScalars.first, first.properties.isUppercase { spec[k] = v }
            }
            _ = try s.json(rt, Endpoints.swarmUpdate, query: q, body: .map(spec))
            return .null
        case "unlock":
            try args.only(["key"])
            guard let key = try args.string("key", position: 0) else { throw DshError.runtime("\(args.function): missing the unlock key") }
            _ = try s.json(rt, Endpoints.swarmUnlock, body: .map(["UnlockKey": .string(key)]))
            return .null
        case "unlock_key":
            try args.only([])
            return try s.json(rt, Endpoints.swarmUnlockKey)
        default:
            throw DshError.runtime("docker.swarm has no method '\(name)'")
        }
    }
}

/// `docker.builder`: the build cache (`prune`).
final class BuilderObject: BindingObject {
    override var typeName: String { "builder" }
    override var methodPrefix: String { "docker.builder" }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        guard name == "prune" else { throw DshError.runtime("docker.builder has no method '\(name)'") }
        try args.atMost(0)
        return try session.json(rt, Endpoints.buildPrune, query: try args.query())
    }
}
