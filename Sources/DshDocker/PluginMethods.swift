// PluginMethods.swift: `docker.plugins` (privileges, install, create) and the methods of
// a plugin object (enable, disable, remove, upgrade, push, configure).
import DockerEngine
import DshCore

enum PluginMethods {
    /// The collection's methods beyond list and get.
    static func collection(_ s: DockerSession, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        switch name {
        case "privileges":
            try args.atMost(1)
            return try s.json(rt, Endpoints.pluginPrivileges, query: try remoteQuery(args))
        case "install":
            try args.atMost(1)
            let (q, remote) = try pull(s, Endpoints.pluginPull, nil, args, rt)
            let installed = q.first { $0.0 == "name" }?.1 ?? remote
            return try ResourceObject.make(.plugin, s, try s.json(rt, Endpoints.pluginInspect, installed))
        case "create":
            try args.atMost(2)
            guard let pluginName = try args.string("name", position: 0) else { throw DshError.runtime("\(args.function): missing the plugin name") }
            let body = try BuildContext.requestBody(try args.value(1, "context (tar(...) of rootfs/ and config.json)"), args.function, rt)
            _ = try s.send(rt, Endpoints.pluginCreate, query: [("name", pluginName)], body: body.body, pump: body.pump, timeouts: .streaming)
            return try ResourceObject.make(.plugin, s, try s.json(rt, Endpoints.pluginInspect, pluginName))
        default:
            throw DshError.runtime("docker.plugins has no method '\(name)'")
        }
    }

    /// Pulls a plugin (install, upgrade): grants `privileges:` (default: those the
    /// daemon lists for the remote), sends the credentials, and reads the progress to its
    /// end (an error message raises). The query sent and the remote.
    private static func pull(
        _ s: DockerSession, _ endpoint: Endpoint, _ name: String?, _ args: ArgReader, _ rt: any Runtime
    ) throws -> ([(String, String)], String) {
        let q = try remoteQuery(args)
        let remote = q.first { $0.0 == "remote" }!.1
        let privileges = try args.named("privileges") ?? s.json(rt, Endpoints.pluginPrivileges, query: [("remote", remote)])
        let creds = try ImageMethods.credentials(s, remote, args.named("auth"))
        let headers = [("X-Registry-Auth", RegistryAuth.authHeader(creds))]
        let body = try DockerSession.jsonBody(privileges)
        // The name fills `{name}` of an upgrade; a pull's path has no parameter.
        let answer = try s.stream(rt, endpoint, name ?? "", query: q, headers: headers, body: body)
        let messages = DockerStreams.json(label: "plugin", request: "\(endpoint.method) \(endpoint.template)", answer)
        while try messages.next(rt) != nil {}
        return (q, remote)
    }

    /// The checked query with `remote` taken from the first positional argument too.
    private static func remoteQuery(_ args: ArgReader) throws -> [(String, String)] {
        var q = try args.query()
        if !q.contains(where: { $0.0 == "remote" }) {
            q.insert(("remote", try args.string(0, "remote reference")), at: 0)
        }
        return q
    }

    /// A plugin's methods.
    static func call(_ p: ResourceObject, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let s = p.session
        let ref = p.name.displayString
        switch name {
        case "enable", "disable", "remove":
            try args.atMost(0)
            let endpoint = [("enable", Endpoints.pluginEnable), ("disable", Endpoints.pluginDisable), ("remove", Endpoints.pluginRemove)]
                .first { $0.0 == name }!.1
            _ = try s.send(rt, endpoint, ref, query: try args.query(), timeouts: .streaming)
            if name == "remove" { return .null }
            try p.reload(rt)
            return .object(p)
        case "upgrade":
            try args.atMost(1)
            _ = try pull(s, Endpoints.pluginUpgrade, ref, args, rt)
            try p.reload(rt)
            return .object(p)
        case "push":
            try args.atMost(0)
            let creds = try ImageMethods.credentials(s, ref, args.named("auth"))
            let response = try s.stream(rt, Endpoints.pluginPush, ref, headers: [("X-Registry-Auth", RegistryAuth.authHeader(creds))])
            return .stream(DockerStreams.json(label: "push", request: "POST /plugins/\(ref)/push", response))
        case "configure":
            try args.atMost(1)
            let settings: Value
            switch try args.value(0, "settings ({KEY: value} or [\"KEY=value\"])") {
            case .map(let m): settings = .list(m.entries.map { .string("\($0.key)=\($0.value.displayString)") })
            case .list(let l): settings = .list(l.items)
            case let other: throw DshError.runtime("\(args.function): settings must be a map or a list, not \(other.typeName)")
            }
            _ = try s.json(rt, Endpoints.pluginSet, ref, body: settings)
            try p.reload(rt)
            return .object(p)
        default:
            throw DshError.runtime("Plugin has no method '\(name)'")
        }
    }
}
