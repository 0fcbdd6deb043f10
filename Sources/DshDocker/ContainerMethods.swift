// ContainerMethods.swift: the methods of a container object: lifecycle (start, stop,
// wait, remove...), output (logs, output, attach, exec), files (archives, export),
// and the rest of the container endpoints.
import DockerEngine
import DshCore
import NIOCore

enum ContainerMethods {
    static let names = [
        "inspect", "reload", "start", "stop", "restart", "kill", "pause", "unpause", "wait", "remove",
        "logs", "output", "attach", "exec", "top", "changes", "export", "get_archive", "put_archive",
        "stats", "rename", "update", "resize", "commit", "stat", "create_exec",
    ] + CopyMethods.names.filter { $0 != "stat" } + TerminalMethods.names

    static func call(_ c: ResourceObject, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        if CopyMethods.names.contains(name) { return try CopyMethods.call(c, name, args, rt) }
        if TerminalMethods.handles(name, args) { return try TerminalMethods.call(c, name, args, rt) }
        let s = c.session
        let id = c.id
        switch name {
        case "start":
            try args.atMost(0)
            _ = try s.send(rt, Endpoints.containerStart, id, query: try args.query())
            return .object(c)
        case "stop", "restart":
            try args.atMost(1)
            var q = try args.query()
            if args.named("t") == nil, let t = try args.int("t", position: 0) { q.append(("t", String(t))) }
            _ = try s.send(rt, name == "stop" ? Endpoints.containerStop : Endpoints.containerRestart, id, query: q, timeouts: .streaming)
            return .object(c)
        case "kill":
            try args.atMost(1)
            var q = try args.query()
            if args.named("signal") == nil, let sig = try args.string("signal", position: 0) { q.append(("signal", sig)) }
            _ = try s.send(rt, Endpoints.containerKill, id, query: q)
            return .object(c)
        case "pause", "unpause":
            try args.only([])
            _ = try s.send(rt, name == "pause" ? Endpoints.containerPause : Endpoints.containerUnpause, id)
            return .object(c)
        case "wait":
            try args.only(["condition"])
            var q: [(String, String)] = []
            if let cond = try args.string("condition", position: 0) { q.append(("condition", cond)) }
            let result = try s.json(rt, Endpoints.containerWait, id, query: q, timeouts: DockerTimeouts(responseHeader: nil, idle: nil))
            if case .map(let m) = result, case .map(let err)? = m["Error"], case .string(let msg)? = err["Message"], !msg.isEmpty {
                throw DshError.runtime(msg, fields: [("status", .null), ("message", .string(msg)), ("request", .string("POST /containers/\(id)/wait"))])
            }
            // `{StatusCode: n}`: the API's answer without its empty `Error`.
            if case .map(let m) = result, case .null? = m["Error"] { m.entries.removeValue(forKey: "Error") }
            return result
        case "remove":
            try args.atMost(0)
            let force = try args.bool("force") ?? false
            let q = try args.query()
            do {
                if try args.bool("link") == true {
                    // A link is removed by its name (`c2/mylink`), not the container's id.
                    _ = try s.send(rt, Endpoints.containerRemoveLink, c.ref ?? (c.name.displayString), query: q)
                } else {
                    _ = try s.send(rt, Endpoints.containerRemove, id, query: q)
                }
            } catch let e as DshError where force && e.statusField == 404 {
                // `remove(force: true)` of a container that is already gone is done
                // (so `defer { c.remove(force: true) }` is safe after an explicit remove).
            }
            return .null
        case "logs": return try logs(c, args, rt)
        case "output": return try output(c, args, rt)
        case "attach": return try attach(c, args, rt)
        case "exec": return try exec(c, args, rt)
        case "top":
            try args.atMost(1)
            var q = try args.query()
            if args.named("ps_args") == nil, let p = try args.string("ps_args", position: 0) { q.append(("ps_args", p)) }
            return try s.json(rt, Endpoints.containerTop, id, query: q)
        case "changes":
            try args.only([])
            let v = try s.json(rt, Endpoints.containerChanges, id)
            if case .null = v { return .list([]) }
            return v
        case "export":
            try args.only([])
            let response = try s.stream(rt, Endpoints.containerExport, id)
            return .stream(DockerStreams.bytes(label: "export", request: "GET /containers/\(id)/export", response.body))
        case "create_exec":
            let execID = try createExec(c, args, rt)
            return .object(ExecObject(id: execID, container: c, session: s))
        case "get_archive":
            try args.atMost(1)
            let path = try args.string("path", position: 0) ?? args.string(0, "path")
            let response = try s.stream(rt, Endpoints.containerArchiveGet, id, query: [("path", path)])
            if try args.bool("stream") == true {
                return .stream(DockerStreams.bytes(label: "archive", request: "GET /containers/\(id)/archive", response.body))
            }
            let bytes = try Blocking.run(rt) { try await response.body.collect(upTo: 1 << 32) }
            return .bytes(bytes)
        case "put_archive":
            try args.atMost(2)
            let path = try args.string("path", position: 0) ?? args.string(0, "path")
            let body = try BuildContext.requestBody(try args.value(1, "archive (a tar(...) context or bytes)"), args.function, rt)
            var q = try args.query().filter { $0.0 != "path" }
            q.insert(("path", path), at: 0)
            _ = try s.send(rt, Endpoints.containerArchivePut, id, query: q, body: body.body, pump: body.pump, timeouts: .streaming)
            return .null
        case "stats":
            try args.atMost(0)
            let streaming = try args.bool("stream") ?? true
            var q = try args.query().filter { $0.0 != "stream" }
            q.insert(("stream", String(streaming)), at: 0)
            if !streaming { return try s.json(rt, Endpoints.containerStats, id, query: q) }
            let response = try s.stream(rt, Endpoints.containerStats, id, query: q)
            return .stream(DockerStreams.json(label: "stats", request: "GET /containers/\(id)/stats", response))
        case "rename":
            try args.atMost(1)
            guard let newName = try args.string("name", position: 0) else { throw DshError.runtime("\(args.function): missing argument name") }
            _ = try s.send(rt, Endpoints.containerRename, id, query: [("name", newName)])
            c.data["Name"] = .string("/" + newName)
            if c.data["Names"] != nil { c.data["Names"] = .list([.string("/" + newName)]) }
            return .object(c)
        case "update":
            let body = try updateBody(args)
            return try s.json(rt, Endpoints.containerUpdate, id, body: .map(body))
        case "resize":
            try args.atMost(0)
            _ = try s.send(rt, Endpoints.containerResize, id, query: try args.sizeQuery())
            return .object(c)
        case "commit":
            try args.atMost(1)
            var q: [(String, String)] = [("container", id)]
            if var repo = try args.string("repo", position: 0) {
                var tag = try args.string("tag")
                if tag == nil, let (r, t) = ImageMethods.splitTag(repo) { repo = r; tag = t }
                q.append(("repo", repo))
                if let tag { q.append(("tag", tag)) }
            }
            for key in ["comment", "author"] { if let v = try args.string(key) { q.append((key, v)) } }
            if let p = try args.bool("pause") { q.append(("pause", String(p))) }
            if let ch = args.named("changes") {
                if case .list(let l) = ch { for item in l.items { q.append(("changes", item.displayString)) } } else { q.append(("changes", ch.displayString)) }
            }
            let result = try s.json(rt, Endpoints.commit, query: q, body: args.named("config") ?? .map(MapRef()))
            guard case .map(let m) = result, case .string(let imageID)? = m["Id"] else { return result }
            return try ResourceObject.make(.image, s, try s.json(rt, Endpoints.imageInspect, imageID))
        default:
            throw DshError.runtime("Container has no method '\(name)'")
        }
    }

    /// The body of `update`: API fields (capitalised names or a positional map) and the
    /// friendly `memory:`, `cpus:`, `restart:`.
    static func updateBody(_ args: ArgReader) throws -> MapRef {
        let body = MapRef()
        if case .map(let raw)? = args.args[0] { for (k, v) in raw.entries { body[k] = v } }
        for (name, value) in args.args.named {
            if let first = name.unicodeScalars.first, first.properties.isUppercase { body[name] = value; continue }
            switch name {
            case "memory": body["Memory"] = try ContainerSpec.size(value, name)
            case "cpus":
                guard let n = ContainerSpec.number(value) else { throw DshError.runtime("cpus: expected a number") }
                body["NanoCpus"] = .int(Int(n * 1e9))
            case "restart": body["RestartPolicy"] = .map(["Name": value])
            default: throw DshError.runtime("\(args.function): unknown argument '\(name)' (use API fields such as Memory: ...)")
            }
        }
        return body
    }

    /// Whether the container has a TTY (its output is then not multiplexed).
    static func tty(_ c: ResourceObject, _ rt: any Runtime) throws -> Bool {
        if case .map(let config)? = c.data["Config"] {
            if case .bool(let t)? = config["Tty"] { return t }
            return false
        }
        guard case .map(let m) = try c.inspectValue(rt), case .map(let config)? = m["Config"] else { return false }
        if case .bool(let t)? = config["Tty"] { return t }
        return false
    }

    /// `c.logs(follow:, stdout:, stderr:, tail:, since:, until:, timestamps:, raw:)`: a
    /// stream of `{stream, text}` lines (bytes chunks with `raw: true`).
    static func logs(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(0)
        let follow = try args.bool("follow") ?? false
        let timestamps = try args.bool("timestamps") ?? false
        let raw = try args.bool("raw") ?? false
        var q: [(String, String)] = [
            ("follow", String(follow)), ("stdout", String(try args.bool("stdout") ?? true)),
            ("stderr", String(try args.bool("stderr") ?? true)), ("timestamps", String(timestamps)),
        ]
        if let tail = try args.string("tail") { q.append(("tail", tail)) }
        for key in ["since", "until"] {
            if let v = args.named(key) {
                switch v {
                case .float(let d): q.append((key, String(d)))
                default: q.append((key, v.displayString))
                }
            }
        }
        if let d = try args.bool("details") { q.append(("details", String(d))) }
        let tty = try tty(c, rt)
        let request = "GET /containers/\(c.id)/logs"
        let timeouts: DockerTimeouts = follow ? .streaming : .default
        if raw {
            let response = try c.session.stream(rt, Endpoints.containerLogs, c.id, query: q, timeouts: timeouts)
            return .stream(DockerStreams.chunks(label: "logs", request: request, response.frames(tty: tty)))
        }
        return .stream(try DockerStreams.liveLines(label: "logs", request: request, timestamps: timestamps) { receiver in
            try c.session.streamLines(rt, Endpoints.containerLogs, c.id, query: q, timeouts: timeouts, tty: tty, receiver: receiver)
        })
    }

    /// `c.output()`: the container's whole stdout and stderr so far, exactly, as
    /// `{stdout: "...", stderr: "..."}`.
    static func output(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only([])
        let tty = try tty(c, rt)
        let response = try c.session.stream(rt, Endpoints.containerLogs, c.id, query: [
            ("follow", "false"), ("stdout", "true"), ("stderr", "true"),
        ], timeouts: .default)
        let (out, err) = try Blocking.run(rt) { try await collect(response.frames(tty: tty)) }
        return .map(["stdout": DockerStreams.output(out), "stderr": DockerStreams.output(err)])
    }

    /// Gathers stdout and stderr of demultiplexed output.
    static func collect<S: AsyncSequence>(_ frames: S) async throws -> ([UInt8], [UInt8]) where S.Element == DockerOutputChunk {
        var out: [UInt8] = []
        var err: [UInt8] = []
        for try await chunk in frames {
            if chunk.stream == .stderr { err.append(contentsOf: chunk.bytes.readableBytesView) } else { out.append(contentsOf: chunk.bytes.readableBytesView) }
        }
        return (out, err)
    }

    /// `c.attach(stdin:, stream: true, logs:, stdout:, stderr:, raw:)`: a stream of
    /// output lines, or with `stream: false` the whole `{stdout, stderr}` once the
    /// container's output ends. `stdin:` is written, then half-closed.
    static func attach(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(0)
        let feed = try args.named("stdin").map { try StdinFeed($0, args.function) }
        let streaming = try args.bool("stream") ?? true
        let raw = try args.bool("raw") ?? false
        let tty = try tty(c, rt)
        // Collecting from a container that is not running: there is nothing to wait for
        // (stream=true would wait for it to start again, for ever).
        var follow = true
        if !streaming, case .map(let m) = try c.inspectValue(rt), case .map(let state)? = m["State"], case .bool(false)? = state["Running"] {
            follow = false
        }
        var q: [(String, String)] = [
            ("stream", String(follow)), ("stdin", String(feed != nil)), ("stdout", String(try args.bool("stdout") ?? true)),
            ("stderr", String(try args.bool("stderr") ?? true)), ("logs", String(try args.bool("logs") ?? false)),
        ]
        if let keys = try args.string("detach_keys") ?? args.string("detachKeys") { q.append(("detachKeys", keys)) }
        let hijacked = try c.session.hijack(rt, Endpoints.containerAttach, c.id, query: q)
        return try finishHijack(hijacked, feed: feed, streaming: streaming, raw: raw, tty: tty, label: "attach",
                                request: "POST /containers/\(c.id)/attach", args.function, rt, exitCode: nil)
    }

    /// Output of a hijacked connection: a stream of lines (or chunks), or collected.
    static func finishHijack(
        _ hijacked: DockerHijackedStream, feed: StdinFeed?, streaming: Bool, raw: Bool, tty: Bool, label: String,
        request: String, _ function: String, _ rt: any Runtime, exitCode: ((any Runtime) throws -> Value)?
    ) throws -> Value {
        if streaming {
            let writer: Task<Void, Never>? = feed.map { feed in
                Task { try? await feed.write(to: hijacked) }
            }
            try feed?.pump(rt, function)
            let cleanup: @Sendable () async -> Void = {
                writer?.cancel()
                await hijacked.close()
            }
            let stream: StreamValue
            if raw {
                stream = DockerStreams.chunks(label: label, request: request, hijacked.frames(tty: tty), cleanup: cleanup)
            } else {
                stream = DockerStreams.lines(label: label, request: request, hijacked.lines(tty: tty), timestamps: false, cleanup: cleanup)
            }
            return .stream(stream)
        }
        let (out, err) = try Blocking.run(rt, whileRunning: feed.map { f in { try f.pump(rt, function) } }) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let feed { group.addTask { try await feed.write(to: hijacked) } }
                defer { group.cancelAll() }
                let result: ([UInt8], [UInt8])
                do {
                    result = try await collect(hijacked.frames(tty: tty))
                } catch {
                    await hijacked.close()
                    throw error
                }
                await hijacked.close()
                return result
            }
        }
        let m = MapRef()
        if let exitCode { m["exit_code"] = try exitCode(rt) }
        m["stdout"] = DockerStreams.output(out)
        m["stderr"] = DockerStreams.output(err)
        return .map(m)
    }

    /// `c.exec(cmd, stdin:, stream:, env:, workdir:, user:, tty:, privileged:, raw:, detach:)`:
    /// runs `cmd` (a list, or a string run by `sh -c`) in the running container and
    /// returns `{exit_code, stdout, stderr}`, or a stream of lines with `stream: true`, or
    /// with `detach: true` starts it and returns the Exec object at once.
    static func exec(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.atMost(1)
        let feed = try args.named("stdin").map { try StdinFeed($0, args.function) }
        let tty = try args.bool("tty") ?? false
        let detach = try args.bool("detach") ?? false
        let execID = try createExec(c, args, rt, attachStdin: feed != nil && !detach)
        if detach {
            _ = try c.session.json(rt, Endpoints.execStart, execID, body: .map(["Detach": .bool(true), "Tty": .bool(tty)]))
            return .object(ExecObject(id: execID, container: c, session: c.session))
        }
        return try startExec(c.session, execID, feed: feed, tty: tty, stream: try args.bool("stream") ?? false,
                             raw: try args.bool("raw") ?? false, args.function, rt)
    }

    /// `POST /containers/{id}/exec` from the friendly arguments and API fields; the exec's id.
    static func createExec(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime, attachStdin: Bool? = nil) throws -> String {
        guard let cmdValue = args.named("cmd", position: 0) else { throw DshError.runtime("\(args.function): missing the command") }
        let body = MapRef()
        if let attachStdin {
            body["AttachStdin"] = .bool(attachStdin)
        } else {
            body["AttachStdin"] = .bool(try args.bool("stdin") ?? false)
        }
        body["AttachStdout"] = .bool(true)
        body["AttachStderr"] = .bool(true)
        body["Tty"] = .bool(try args.bool("tty") ?? false)
        body["Cmd"] = try ContainerSpec.command(cmdValue, "cmd")
        if let env = args.named("env") { body["Env"] = try ContainerSpec.keyValueList(env, "env") }
        if let w = try args.string("workdir") { body["WorkingDir"] = .string(w) }
        if let u = try args.string("user") { body["User"] = .string(u) }
        if let p = try args.bool("privileged") { body["Privileged"] = .bool(p) }
        if let k = try args.string("detach_keys") { body["DetachKeys"] = .string(k) }
        if let size = args.named("console_size") { body["ConsoleSize"] = size }
        for (k, v) in args.args.named {
            if let first = k.unicodeScalars.first, first.properties.isUppercase { body[k] = v }
        }
        let created = try c.session.json(rt, Endpoints.containerExec, c.id, body: .map(body))
        guard case .map(let m) = created, case .string(let execID)? = m["Id"] else {
            throw DshError.runtime("exec: the daemon returned no exec id")
        }
        return execID
    }

    /// `POST /exec/{id}/start` on a hijacked connection: the result, or a stream.
    static func startExec(
        _ s: DockerSession, _ execID: String, feed: StdinFeed?, tty: Bool, stream: Bool, raw: Bool, _ function: String, _ rt: any Runtime
    ) throws -> Value {
        let start = MapRef()
        start["Detach"] = .bool(false)
        start["Tty"] = .bool(tty)
        let hijacked = try s.hijack(rt, Endpoints.execStart, execID, body: .map(start))
        return try finishHijack(hijacked, feed: feed, streaming: stream, raw: raw,
                                tty: tty, label: "exec", request: "POST /exec/\(execID)/start", function, rt,
                                exitCode: { rt in try execExitCode(s, execID, rt) })
    }

    /// The exit code of a finished exec (the daemon sets it once the process is reaped).
    static func execExitCode(_ s: DockerSession, _ execID: String, _ rt: any Runtime) throws -> Value {
        for attempt in 0..<200 {
            let info = try s.json(rt, Endpoints.execInspect, execID)
            if case .map(let m) = info, case .bool(false)? = m["Running"], let code = m["ExitCode"], case .int = code {
                return code
            }
            if attempt > 0 { try rt.checkInterrupt() }
            usleepSeconds(0.02)
        }
        return .null
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sleeps the current thread.
func usleepSeconds(_ s: Double) { usleep(UInt32(s * 1_000_000)) }
