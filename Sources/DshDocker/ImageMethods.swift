// ImageMethods.swift: the methods of an image object (tag, history, remove, push,
// save) and the image collection's pull, push, build, load and save, with registry
// credentials from config.json or an explicit `auth:`.
import DockerEngine
import DshCore
import NIOCore

enum ImageMethods {
    static let names = ["inspect", "reload", "tag", "history", "remove", "push", "save", "attestations", "distribution"]

    static func call(_ i: ResourceObject, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = i.session
        // The reference the image was fetched by (a tag), else its id.
        let ref = i.ref ?? i.id
        switch name {
        case "tag":
            try args.atMost(1)
            var repo = try args.string("repo", position: 0) ?? ""
            var tag = try args.string("tag")
            if repo.isEmpty { throw DshError.runtime("\(args.function): missing \"repo:tag\"") }
            if tag == nil, let (r, t) = splitTag(repo) { repo = r; tag = t }
            var q: [(String, String)] = [("repo", repo)]
            if let tag { q.append(("tag", tag)) }
            _ = try s.send(rt, Endpoints.imageTag, ref, query: q)
            return .object(i)
        case "history":
            try args.atMost(0)
            return try s.json(rt, Endpoints.imageHistory, ref, query: try args.query())
        case "remove":
            try args.atMost(0)
            return try s.json(rt, Endpoints.imageRemove, ref, query: try args.query())
        case "push":
            // The reference the image was fetched by (else its first tag); a bare tag
            // (`push("v2")`) pushes that repository's tag, a full reference pushes it.
            try args.atMost(1)
            let base: String? = i.reference ?? { if case .string(let n) = i.name { return n }; return nil }()
            var target = base
            if let given = try args.string("tag", position: 0) {
                if given.contains("/") || given.contains(":") || given.contains("@") {
                    target = given
                } else {
                    guard let base else { throw DshError.runtime("\(args.function): the image has no repository to tag \(given) in; give repo:tag") }
                    target = (splitTag(base)?.0 ?? base) + ":" + given
                }
            }
            guard let target else { throw DshError.runtime("\(args.function): the image has no tag to push; give one: push(\"registry/repo:tag\")") }
            let extra = try args.query().filter { $0.0 != "tag" }
            return try push(s, target, auth: args.named("auth"), extraQuery: extra, rt)
        case "attestations":
            try args.atMost(0)
            return try s.json(rt, Endpoints.imageAttestations, ref, query: try args.query())
        case "distribution":
            try args.atMost(0)
            return try s.json(rt, Endpoints.distribution, ref)
        case "save":
            try args.atMost(0)
            let response = try s.stream(rt, Endpoints.imageGet, ref, query: try args.query())
            return .stream(DockerStreams.bytes(label: "save", request: "GET /images/\(ref)/get", response.body))
        default:
            throw DshError.runtime("Image has no method '\(name)'")
        }
    }

    /// `repo:tag` → (repo, tag); nil when the reference has no tag (a `:` in a registry
    /// port does not count) or has a digest.
    static func splitTag(_ ref: String) -> (String, String)? {
        if ref.contains("@") { return nil }
        guard let colon = ref.lastIndex(of: ":") else { return nil }
        if let slash = ref.lastIndex(of: "/"), slash > colon { return nil }
        return (String(ref[..<colon]), String(ref[ref.index(after: colon)...]))
    }

    /// The credentials for `ref`: `auth: {username:, password:, serveraddress:}` or
    /// `{identitytoken:}` when given, else those config.json stores for its registry.
    static func credentials(_ s: DockerSession, _ ref: String, _ auth: Value?) throws -> RegistryCredentials? {
        let server = RegistryAuth.server(forImage: ref)
        if let auth {
            guard case .map(let m) = auth else { throw DshError.runtime("auth: expected {username: ..., password: ...}") }
            func str(_ k: String) -> String? { if case .string(let v)? = m[k] { return v }; return nil }
            return RegistryCredentials(
                username: str("username"), password: str("password"), identityToken: str("identitytoken") ?? str("identity_token"),
                registryToken: str("registrytoken") ?? str("registry_token"), serverAddress: str("serveraddress") ?? str("server") ?? server)
        }
        return try registryAuth(s)?.credentials(for: server)
    }

    /// The registry credentials of the client's config directory, if it has a config.json.
    static func registryAuth(_ s: DockerSession) throws -> RegistryAuth? {
        let dir = try s.client().configuration.configDirectory
        do {
            return try RegistryAuth(configDirectory: dir)
        } catch {
            return nil
        }
    }

    /// `POST /images/create`: a stream of the daemon's progress messages. A reference
    /// without a tag pulls `latest` (never every tag).
    static func pull(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(1)
        let ref = try args.string(0, "image reference")
        var image = ref
        var tag = try args.string("tag")
        let allTags = try args.bool("all_tags") ?? false
        if tag == nil {
            if let (r, t) = splitTag(ref) { image = r; tag = t } else if !ref.contains("@") && !allTags { tag = "latest" }
        }
        var q: [(String, String)] = [("fromImage", image)]
        if let tag { q.append(("tag", tag)) }
        if let p = try args.string("platform") { q.append(("platform", p)) }
        let creds = try credentials(s, ref, args.named("auth"))
        let response = try s.stream(rt, Endpoints.imageCreate, query: q, headers: [("X-Registry-Auth", RegistryAuth.authHeader(creds))])
        return .stream(DockerStreams.json(label: "pull", request: "POST /images/create", response))
    }

    /// `POST /images/{name}/push`: a stream of the daemon's progress messages.
    static func push(_ s: DockerSession, _ ref: String, auth: Value?, extraQuery: [(String, String)] = [], _ rt: any Runtime) throws -> Value {
        var name = ref
        var q: [(String, String)] = []
        if let (r, t) = splitTag(ref) { name = r; q.append(("tag", t)) }
        q += extraQuery
        let creds = try credentials(s, ref, auth)
        let response = try s.stream(rt, Endpoints.imagePush, name, query: q, headers: [("X-Registry-Auth", RegistryAuth.authHeader(creds))])
        return .stream(DockerStreams.json(label: "push", request: "POST /images/\(name)/push", response))
    }

    /// `POST /build`: streams the context and returns the daemon's messages as a stream;
    /// a failing step raises the daemon's message. Every known credential is sent in
    /// `X-Registry-Config`.
    static func build(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(1)
        let context = try args.value(0, "context (tar(\"dir\"), tar({...}) or bytes)")
        let q = try args.query()
        let body = try BuildContext.requestBody(context, args.function, rt)
        var headers: [(String, String)] = []
        if let given = args.named("auth") {
            headers.append(("X-Registry-Config", RegistryAuth.configHeader(try buildCredentials(s, given, args.function))))
        } else if let auth = try registryAuth(s) {
            headers.append(("X-Registry-Config", RegistryAuth.configHeader(auth.allCredentials())))
        }
        let response = try s.stream(rt, Endpoints.build, query: q, headers: headers, body: body.body, pump: body.pump,
                                    timeouts: DockerTimeouts(responseHeader: nil, idle: nil))
        return .stream(DockerStreams.json(label: "build", request: "POST /build", response))
    }

    /// The credentials of `build(auth: ...)`: one `{username, password, serveraddress}`
    /// or a map of registry → `{username, password}`.
    static func buildCredentials(_ s: DockerSession, _ given: Value, _ function: String) throws -> [RegistryCredentials] {
        guard case .map(let m) = given else { throw DshError.runtime("\(function): auth must be {username:, password:, serveraddress:} or {registry: {...}}") }
        if m["username"] != nil || m["identitytoken"] != nil || m["password"] != nil {
            let server: String
            if case .string(let a)? = m["serveraddress"] { server = a } else { server = "https://index.docker.io/v1/" }
            return [try credentials(s, server, given).map { c in var c = c; c.serverAddress = server; return c }].compactMap { $0 }
        }
        return try m.entries.compactMap { (server, value) in
            try credentials(s, server, value).map { c in var c = c; c.serverAddress = server; return c }
        }
    }

    /// `POST /images/load`: loads a tar (bytes or a stream of bytes); a stream of messages.
    static func load(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(1)
        let body = try BuildContext.requestBody(try args.value(0, "archive (bytes or a stream of bytes)"), args.function, rt)
        var q = try args.query().filter { $0.0 != "quiet" }
        q.insert(("quiet", String(try args.bool("quiet") ?? false)), at: 0)
        let response = try s.stream(rt, Endpoints.imageLoad, query: q, body: body.body, pump: body.pump,
                                    timeouts: DockerTimeouts(responseHeader: nil, idle: nil))
        return .stream(DockerStreams.json(label: "load", request: "POST /images/load", response))
    }

    /// `GET /images/get?names=`: a tar of the images as a stream of bytes.
    static func save(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(1)
        let names = try args.value(0, "image names")
        var q = try args.query()
        switch names {
        case .string(let n): q.append(("names", n))
        case .list(let l): for item in l.items { q.append(("names", item.displayString)) }
        case .object(let o as ResourceObject): q.append(("names", o.id))
        default: throw DshError.runtime("\(args.function): expected a name or a list of names")
        }
        let response = try s.stream(rt, Endpoints.imageGetAll, query: q)
        return .stream(DockerStreams.bytes(label: "save", request: "GET /images/get", response.body))
    }
}
