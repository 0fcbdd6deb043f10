// ContainerSpec.swift: turns the friendly arguments of `docker.containers.create(...)`
// into the Engine API's `POST /containers/create` body and query.
//
// Friendly names are lower case (`image`, `cmd`, `env: {A: "1"}`, `network: "none"`);
// any named argument that starts with an upper-case letter is an API body field and is
// passed through unchanged (`HostConfig: {...}`), so the raw API is always reachable.
// A positional map argument is taken as the raw body.
import DshCore

/// The API request made from friendly create arguments.
struct ContainerSpec {
    /// The friendly names and the API field each sets (for the binding table: checking,
    /// `:doc`, completion). `name` and `platform` are query parameters.
    static let friendly: [String: String] = [
        "image": "Image", "cmd": "Cmd", "command": "Cmd", "entrypoint": "Entrypoint", "env": "Env", "labels": "Labels",
        "workdir": "WorkingDir", "working_dir": "WorkingDir", "user": "User", "hostname": "Hostname", "tty": "Tty",
        "stdin": "OpenStdin", "open_stdin": "OpenStdin", "attach": "AttachStdout", "stop_signal": "StopSignal",
        "healthcheck": "Healthcheck", "exposed_ports": "ExposedPorts", "network": "HostConfig.NetworkMode",
        "network_mode": "HostConfig.NetworkMode", "binds": "HostConfig.Binds", "volumes": "HostConfig.Binds",
        "mounts": "HostConfig.Mounts", "auto_remove": "HostConfig.AutoRemove", "rm": "HostConfig.AutoRemove",
        "privileged": "HostConfig.Privileged", "memory": "HostConfig.Memory", "cpus": "HostConfig.NanoCpus",
        "restart": "HostConfig.RestartPolicy", "init": "HostConfig.Init", "read_only": "HostConfig.ReadonlyRootfs",
        "cap_add": "HostConfig.CapAdd", "cap_drop": "HostConfig.CapDrop", "ports": "HostConfig.PortBindings",
    ]

    /// The JSON body.
    var body: MapRef
    /// Query parameters (`name`, `platform`).
    var query: [(String, String)]

    /// Builds the request from a call's arguments.
    init(_ args: Arguments) throws {
        body = MapRef()
        query = []
        if case .map(let raw)? = args[0] {
            for (k, v) in raw.entries { body[k] = v }
        } else if case .string(let image)? = args[0] {
            body["Image"] = .string(image)
        }
        var hostConfig: MapRef {
            if case .map(let h)? = body["HostConfig"] { return h }
            let h = MapRef()
            body["HostConfig"] = .map(h)
            return h
        }
        for (name, value) in args.named {
            if case .null = value { continue }  // an omitted optional (`run(..., env: nil)`)
            if let first = name.unicodeScalars.first, first.properties.isUppercase {
                // HostConfig given as a field merges with what friendly names set in it.
                if name == "HostConfig", case .map(let given) = value {
                    let h = hostConfig
                    for (k, v) in given.entries { h[k] = v }
                } else {
                    body[name] = value
                }
                continue
            }
            switch name {
            case "name": query.append(("name", try Self.string(value, name)))
            case "platform": query.append(("platform", try Self.string(value, name)))
            case "image": body["Image"] = value
            case "cmd", "command": body["Cmd"] = try Self.command(value, name)
            case "entrypoint": body["Entrypoint"] = try Self.command(value, name)
            case "env": body["Env"] = try Self.keyValueList(value, name)
            case "labels": body["Labels"] = try Self.stringMap(value, name)
            case "workdir", "working_dir": body["WorkingDir"] = value
            case "user": body["User"] = value
            case "hostname": body["Hostname"] = value
            case "tty": body["Tty"] = value
            case "stdin", "open_stdin":
                body["OpenStdin"] = value
                body["AttachStdin"] = value
                body["StdinOnce"] = value
            case "attach":
                body["AttachStdout"] = value
                body["AttachStderr"] = value
            case "stop_signal": body["StopSignal"] = value
            case "healthcheck": body["Healthcheck"] = try Self.healthcheck(value)
            case "exposed_ports": body["ExposedPorts"] = try Self.portSet(value)
            case "network", "network_mode": hostConfig["NetworkMode"] = value
            case "binds", "volumes": hostConfig["Binds"] = value
            case "mounts": hostConfig["Mounts"] = value
            case "auto_remove", "rm": hostConfig["AutoRemove"] = value
            case "privileged": hostConfig["Privileged"] = value
            case "memory": hostConfig["Memory"] = try Self.size(value, name)
            case "cpus":
                guard let n = Self.number(value) else { throw DshError.runtime("cpus: expected a number") }
                hostConfig["NanoCpus"] = .int(Int(n * 1e9))
            case "restart":
                hostConfig["RestartPolicy"] = .map(["Name": value])
            case "init": hostConfig["Init"] = value
            case "read_only": hostConfig["ReadonlyRootfs"] = value
            case "cap_add": hostConfig["CapAdd"] = value
            case "cap_drop": hostConfig["CapDrop"] = value
            case "ports": try Self.ports(value, body: body, hostConfig: hostConfig)
            default:
                throw DshError.runtime("create: unknown argument '\(name)' (use an API field such as HostConfig: {...} for anything else)")
            }
        }
        if body["Image"] == nil { throw DshError.runtime("create: an image is required (image: \"name\")") }
    }

    /// A command as the API wants it: a list of strings; a string is run by `sh -c`.
    static func command(_ v: Value, _ name: String) throws -> Value {
        switch v {
        case .list: return v
        case .string(let s): return .list([.string("/bin/sh"), .string("-c"), .string(s)])
        case .null: return .null
        default: throw DshError.runtime("\(name): expected a list of strings or a string")
        }
    }

    /// `{A: "1"}` or `["A=1"]` as `["A=1"]`; a nil value (`{A: nil}`) is the bare name
    /// `"A"`, which the daemon reads as "take A from the environment" (create) or "remove
    /// A" (service update).
    static func keyValueList(_ v: Value, _ name: String) throws -> Value {
        switch v {
        case .list: return v
        case .map(let m):
            return .list(m.entries.map { entry -> Value in
                if case .null = entry.value { return .string(entry.key) }
                return .string("\(entry.key)=\(entry.value.displayString)")
            })
        default: throw DshError.runtime("\(name): expected a map or a list of \"KEY=value\" strings")
        }
    }

    /// A map whose values become strings (labels).
    static func stringMap(_ v: Value, _ name: String) throws -> Value {
        guard case .map(let m) = v else { throw DshError.runtime("\(name): expected a map") }
        let out = MapRef()
        for (k, x) in m.entries { out[k] = .string(x.displayString) }
        return .map(out)
    }

    static func string(_ v: Value, _ name: String) throws -> String {
        guard case .string(let s) = v else { throw DshError.runtime("\(name): expected a string") }
        return s
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    /// A size in bytes from an int or a string like "512m".
    static func size(_ v: Value, _ name: String) throws -> Value {
        switch v {
        case .int: return v
        case .string(let s):
            guard let n = try? SizeUnits.parse(s, binary: true) else { throw DshError.runtime("\(name): cannot read size '\(s)'") }
            return .int(n)
        default: throw DshError.runtime("\(name): expected bytes or a size string")
        }
    }

    /// `"30s"`, `"1m"`, ints (nanoseconds) for healthcheck durations.
    static func duration(_ v: Value) throws -> Value {
        switch v {
        case .int: return v
        case .float(let d): return .int(Int(d * 1e9))
        case .string(let s):
            let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
            for (suffix, mult) in units where s.hasSuffix(suffix) {
                if let n = Double(s.dropLast(suffix.count)) { return .int(Int(n * mult)) }
            }
            throw DshError.runtime("cannot read duration '\(s)' (use 500ms, 30s, 1m)")
        default: throw DshError.runtime("expected a duration")
        }
    }

    /// Friendly healthcheck `{test: "cmd" | [...], interval: "1s", timeout:, retries:, start_period:}`.
    static func healthcheck(_ v: Value) throws -> Value {
        guard case .map(let m) = v else { throw DshError.runtime("healthcheck: expected a map") }
        let out = MapRef()
        for (k, x) in m.entries {
            switch k {
            case "test":
                if case .string(let s) = x { out["Test"] = .list([.string("CMD-SHELL"), .string(s)]) } else { out["Test"] = x }
            case "interval": out["Interval"] = try duration(x)
            case "timeout": out["Timeout"] = try duration(x)
            case "start_period": out["StartPeriod"] = try duration(x)
            case "retries": out["Retries"] = x
            default: out[k] = x
            }
        }
        return .map(out)
    }

    /// `["80/tcp"]` or `{"80/tcp": {}}` as the API's ExposedPorts set.
    static func portSet(_ v: Value) throws -> Value {
        switch v {
        case .map: return v
        case .list(let l):
            let out = MapRef()
            for p in l.items { out[portKey(p.displayString)] = .map(MapRef()) }
            return .map(out)
        default: throw DshError.runtime("exposed_ports: expected a list")
        }
    }

    static func portKey(_ p: String) -> String { p.contains("/") ? p : p + "/tcp" }

    /// `ports: {"80/tcp": 8080, "53/udp": "127.0.0.1:5353"}` exposes and publishes.
    static func ports(_ v: Value, body: MapRef, hostConfig: MapRef) throws {
        guard case .map(let m) = v else { throw DshError.runtime("ports: expected a map of container port to host port") }
        let exposed = MapRef()
        let bindings = MapRef()
        for (port, host) in m.entries {
            let key = portKey(port)
            exposed[key] = .map(MapRef())
            var hostIP = ""
            var hostPort = host.displayString
            if case .string(let s) = host, let colon = s.lastIndex(of: ":") {
                hostIP = String(s[..<colon])
                hostPort = String(s[s.index(after: colon)...])
            }
            bindings[key] = .list([.map(["HostIp": .string(hostIP), "HostPort": .string(hostPort)])])
        }
        body["ExposedPorts"] = .map(exposed)
        hostConfig["PortBindings"] = .map(bindings)
    }
}
