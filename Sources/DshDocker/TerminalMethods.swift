// TerminalMethods.swift: interactive container methods on the local terminal:
// `c.shell(cmd: "/bin/sh")`, `c.exec(cmd, tty: true, interactive: true)` and
// `c.attach(interactive: true)`; each returns `{exit_code, detached}`.
import DockerEngine
import DshCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum TerminalMethods {
    /// The container methods this file adds.
    static let names = ["shell"]

    /// Whether a call of `exec` or `attach` is interactive (this file's).
    static func handles(_ name: String, _ args: ArgReader) -> Bool {
        if name == "shell" { return true }
        guard name == "exec" || name == "attach", case .bool(true)? = args.args["interactive"] else { return false }
        return true
    }

    /// Runs `shell`, or an interactive `exec` or `attach`.
    static func call(_ c: ResourceObject, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        switch name {
        case "shell":
            try args.only(["cmd", "user", "workdir", "env", "detach_keys", "tty", "privileged"])
            try args.atMost(1)
            let cmd = args.named("cmd", position: 0) ?? .string("/bin/sh")
            let command: Value = if case .string(let s) = cmd { .list([.string(s)]) } else { cmd }
            return try exec(c, command, args, rt)
        case "exec":
            try args.only(["cmd", "interactive", "tty", "user", "workdir", "env", "detach_keys", "privileged"])
            guard let cmd = args.named("cmd", position: 0) else { throw DshError.runtime("\(args.function): missing the command") }
            return try exec(c, try ContainerSpec.command(cmd, "cmd"), args, rt)
        default:
            return try attach(c, args, rt)
        }
    }

    /// An interactive exec: TTY when asked (`shell`: when standard input is a terminal).
    static func exec(_ c: ResourceObject, _ cmd: Value, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        let tty = try args.bool("tty") ?? (isatty(0) == 1)
        let keys = try detachKeys(c.session, args)
        let (execID, hijacked) = try ExecStart.start(c, cmd: cmd, attachStdin: true, tty: tty, detachKeys: keys.spec, args, rt)
        let client = try c.session.client()
        let path = Endpoints.execResize.path([execID])
        let session = TerminalSession(hijacked: hijacked, tty: tty, resize: { h, w in
            _ = try await client.request("POST", path, query: [("h", String(h)), ("w", String(w))])
        }, detachKeys: keys.keys)
        if try session.run(rt) == .detached { return outcome(nil, detached: true) }
        return outcome(try ContainerMethods.execExitCode(c.session, execID, rt), detached: false)
    }

    /// `c.attach(interactive: true, detach_keys:, start: false, logs: false)`: the main
    /// process on the terminal; with `start: true` the container is started once attached
    /// (so no output is missed, as `docker run -it` / `docker start -ai` do). The exit code
    /// is the container's once its output ends.
    static func attach(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["interactive", "detach_keys", "start", "logs"])
        try args.atMost(0)
        try c.reload(rt)
        let tty = try ContainerMethods.tty(c, rt)
        let keys = try detachKeys(c.session, args)
        var openStdin = false
        if case .map(let config)? = c.data["Config"], case .bool(true)? = config["OpenStdin"] { openStdin = true }
        let q: [(String, String)] = [
            ("stream", "true"), ("stdin", String(openStdin)), ("stdout", "true"), ("stderr", "true"),
            ("logs", String(try args.bool("logs") ?? false)), ("detachKeys", keys.spec),
        ]
        let hijacked = try c.session.hijack(rt, Endpoints.containerAttach, c.id, query: q)
        if try args.bool("start") == true {
            do { _ = try c.session.send(rt, Endpoints.containerStart, c.id) } catch {
                Blocking.detached { await hijacked.close() }
                throw error
            }
        }
        let client = try c.session.client()
        let path = Endpoints.containerResize.path([c.id])
        let session = TerminalSession(hijacked: hijacked, tty: tty, resize: { h, w in
            _ = try await client.request("POST", path, query: [("h", String(h)), ("w", String(w))])
        }, detachKeys: keys.keys)
        if try session.run(rt) == .detached { return outcome(nil, detached: true) }
        let status = try c.session.json(rt, Endpoints.containerWait, c.id, timeouts: DockerTimeouts(responseHeader: nil, idle: nil))
        if case .map(let m) = status, let code = m["StatusCode"] { return outcome(code, detached: false) }
        return outcome(nil, detached: false)
    }

    /// `{exit_code, detached}`.
    static func outcome(_ code: Value?, detached: Bool) -> Value {
        .map(["exit_code": code ?? .null, "detached": .bool(detached)])
    }

    /// The detach keys: `detach_keys:`, else `detachKeys` of the CLI's config.json, else
    /// `ctrl-p,ctrl-q`.
    /// The daemon is given the same sequence: it watches for its own (ctrl-p,ctrl-q by
    /// default) and would otherwise end the stream on keys meant for the process.
    static func detachKeys(_ s: DockerSession, _ args: ArgReader) throws -> (spec: String, keys: [UInt8]) {
        var spec = DetachKeys.defaultSpec
        if let given = try args.string("detach_keys") {
            spec = given
        } else if let dir = try? s.client().configuration.configDirectory,
                  let file = try? DockerConfigFile.load(directory: dir), let configured = file.detachKeys, !configured.isEmpty {
            spec = configured
        }
        return (spec, try DetachKeys.parse(spec))
    }
}
