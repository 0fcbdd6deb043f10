// ExecStart.swift: creates an exec (`POST /containers/{id}/exec`) from a command and
// the friendly `env:`, `workdir:`, `user:`, `privileged:` arguments, and starts it on a
// hijacked connection: shared by `c.exec(...)` and the interactive sessions.
import DockerEngine
import DshCore

enum ExecStart {
    /// The exec's id and its connection.
    static func start(
        _ c: ResourceObject, cmd: Value, attachStdin: Bool, tty: Bool, detachKeys: String? = nil, _ args: ArgReader, _ rt: any Runtime
    ) throws -> (id: String, hijacked: DockerHijackedStream) {
        let body = MapRef()
        body["AttachStdin"] = .bool(attachStdin)
        body["AttachStdout"] = .bool(true)
        body["AttachStderr"] = .bool(true)
        body["Tty"] = .bool(tty)
        body["Cmd"] = cmd
        if let env = args.named("env") { body["Env"] = try ContainerSpec.keyValueList(env, "env") }
        if let w = try args.string("workdir") { body["WorkingDir"] = .string(w) }
        if let u = try args.string("user") { body["User"] = .string(u) }
        if let p = try args.bool("privileged") { body["Privileged"] = .bool(p) }
        if let k = detachKeys { body["DetachKeys"] = .string(k) }
        let created = try c.session.json(rt, Endpoints.containerExec, c.id, body: .map(body))
        guard case .map(let m) = created, case .string(let execID)? = m["Id"] else {
            throw DshError.runtime("exec: the daemon returned no exec id")
        }
        let start = MapRef()
        start["Detach"] = .bool(false)
        start["Tty"] = .bool(tty)
        return (execID, try c.session.hijack(rt, Endpoints.execStart, execID, body: .map(start)))
    }
}
