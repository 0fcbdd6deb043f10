// ServiceSpec.swift: friendly arguments of `docker.services.create(...)` and
// `service.update(...)` turned into the API's ServiceSpec; capitalised names are
// Spec fields passed through unchanged.
import DshCore

enum ServiceSpec {
    /// The friendly names and the Spec field each sets (for the binding table).
    static let friendly: [String: String] = [
        "name": "Name", "labels": "Labels", "image": "TaskTemplate.ContainerSpec.Image",
        "cmd": "TaskTemplate.ContainerSpec.Command", "command": "TaskTemplate.ContainerSpec.Command",
        "args": "TaskTemplate.ContainerSpec.Args", "env": "TaskTemplate.ContainerSpec.Env",
        "workdir": "TaskTemplate.ContainerSpec.Dir", "user": "TaskTemplate.ContainerSpec.User",
        "container_labels": "TaskTemplate.ContainerSpec.Labels", "mounts": "TaskTemplate.ContainerSpec.Mounts",
        "tty": "TaskTemplate.ContainerSpec.TTY", "stop_grace_period": "TaskTemplate.ContainerSpec.StopGracePeriod",
        "healthcheck": "TaskTemplate.ContainerSpec.HealthCheck", "replicas": "Mode.Replicated.Replicas", "mode": "Mode",
        "network": "TaskTemplate.Networks", "networks": "TaskTemplate.Networks",
        "restart_condition": "TaskTemplate.RestartPolicy.Condition", "max_attempts": "TaskTemplate.RestartPolicy.MaxAttempts",
        "constraints": "TaskTemplate.Placement.Constraints", "force_update": "TaskTemplate.ForceUpdate",
        "ports": "EndpointSpec.Ports", "update_parallelism": "UpdateConfig.Parallelism", "update_delay": "UpdateConfig.Delay",
        "update_order": "UpdateConfig.Order", "update_failure_action": "UpdateConfig.FailureAction",
        "update_monitor": "UpdateConfig.Monitor", "update_max_failure_ratio": "UpdateConfig.MaxFailureRatio",
        "update_config": "UpdateConfig", "rollback_config": "RollbackConfig",
    ]

    /// The keys of `update_config:` / `rollback_config:` (compose's `deploy.update_config`
    /// names) and the UpdateConfig field each sets.
    static let updateConfigKeys: KeyValuePairs<String, String> = [
        "parallelism": "Parallelism", "delay": "Delay", "failure_action": "FailureAction",
        "monitor": "Monitor", "max_failure_ratio": "MaxFailureRatio", "order": "Order",
    ]

    /// The spec made from a call's arguments (a positional map is the raw spec).
    static func make(_ args: ArgReader) throws -> MapRef {
        let spec = MapRef()
        if case .map(let raw)? = args.args[0] { for (k, v) in raw.entries { spec[k] = v } }
        if case .string(let image)? = args.args[0] { try apply("image", .string(image), to: spec, function: args.function) }
        for (k, v) in args.args.named {
            if let first = k.unicodeScalars.first, first.properties.isUppercase { merge(k, v, into: spec); continue }
            try apply(k, v, to: spec, function: args.function)
        }
        return spec
    }

    /// Sets `key` to `value`, merging maps with what friendly names already set there
    /// (`TaskTemplate: {ContainerSpec: {Secrets: [...]}}` keeps `image:`).
    static func merge(_ key: String, _ value: Value, into target: MapRef) {
        if case .map(let given) = value, case .map(let existing)? = target[key] {
            for (k, v) in given.entries { merge(k, v, into: existing) }
        } else {
            target[key] = value
        }
    }

    static func sub(_ m: MapRef, _ key: String) -> MapRef {
        if case .map(let s)? = m[key] { return s }
        let s = MapRef()
        m[key] = .map(s)
        return s
    }

    /// Applies one friendly field.
    static func apply(_ name: String, _ value: Value, to spec: MapRef, function: String) throws {
        let task = sub(spec, "TaskTemplate")
        let container = sub(task, "ContainerSpec")
        switch name {
        case "name": spec["Name"] = value
        case "labels": spec["Labels"] = try ContainerSpec.stringMap(value, name)
        case "image": container["Image"] = value
        case "cmd", "command": container["Command"] = try ContainerSpec.command(value, name)
        case "args": container["Args"] = value
        case "env": container["Env"] = try ContainerSpec.keyValueList(value, name)
        case "workdir": container["Dir"] = value
        case "user": container["User"] = value
        case "container_labels": container["Labels"] = try ContainerSpec.stringMap(value, name)
        case "mounts": container["Mounts"] = value
        case "tty": container["TTY"] = value
        case "stop_grace_period": container["StopGracePeriod"] = try ContainerSpec.duration(value)
        case "healthcheck": container["HealthCheck"] = try ContainerSpec.healthcheck(value)
        case "replicas": spec["Mode"] = .map(["Replicated": .map(["Replicas": value])])
        case "mode":
            if case .string("global") = value { spec["Mode"] = .map(["Global": .map(MapRef())]) } else { spec["Mode"] = value }
        case "network", "networks":
            let list: [Value]
            if case .list(let l) = value { list = l.items } else { list = [value] }
            task["Networks"] = .list(list.map { n in
                if case .map = n { return n }
                return .map(["Target": .string(n.displayString)])
            })
        case "restart_condition": sub(task, "RestartPolicy")["Condition"] = value
        case "max_attempts": sub(task, "RestartPolicy")["MaxAttempts"] = value
        case "constraints": sub(task, "Placement")["Constraints"] = value
        case "force_update":
            // An int sets the counter; true bumps it (current + 1), which makes the
            // swarm redeploy the tasks; false changes nothing.
            var current = 0
            if case .int(let n)? = task["ForceUpdate"] { current = n }
            switch value {
            case .int(let n): task["ForceUpdate"] = .int(n)
            case .bool(true): task["ForceUpdate"] = .int(current + 1)
            case .bool(false): break
            default: throw DshError.runtime("\(function): force_update must be true, false or an int, not \(value.typeName)")
            }
        case "ports":
            guard case .map(let m) = value else { throw DshError.runtime("ports: expected {\"80/tcp\": 8080}") }
            var ports: [Value] = []
            for (target, published) in m.entries {
                let parts = target.split(separator: "/")
                let entry = MapRef()
                entry["Protocol"] = .string(parts.count > 1 ? String(parts[1]) : "tcp")
                entry["TargetPort"] = .int(Int(parts.first ?? "") ?? 0)
                if case .int = published { entry["PublishedPort"] = published } else { entry["PublishedPort"] = .int(Int(published.displayString) ?? 0) }
                ports.append(.map(entry))
            }
            sub(spec, "EndpointSpec")["Ports"] = .list(ports)
        case "update_parallelism", "update_delay", "update_order", "update_failure_action", "update_monitor", "update_max_failure_ratio":
            try setUpdateField(String(name.dropFirst("update_".count)), value, in: sub(spec, "UpdateConfig"), rollback: false, function: function)
        case "update_config", "rollback_config":
            guard case .map(let config) = value else {
                throw DshError.runtime("\(function): \(name) must be a map such as {parallelism: 2, delay: \"5s\", failure_action: \"rollback\"}, not \(value.typeName)")
            }
            let target = sub(spec, name == "update_config" ? "UpdateConfig" : "RollbackConfig")
            for (k, v) in config.entries {
                try setUpdateField(k, v, in: target, rollback: name == "rollback_config", function: function)
            }
        default:
            throw DshError.runtime("\(function): unknown argument '\(name)' (use Spec fields such as TaskTemplate: {...} for anything else)")
        }
    }

    /// Sets one field of an UpdateConfig/RollbackConfig from its compose name
    /// (`parallelism`, `delay`, `failure_action`, `monitor`, `max_failure_ratio`, `order`);
    /// durations as `"5s"` or nanoseconds, the enumerations checked before sending.
    static func setUpdateField(_ key: String, _ value: Value, in config: MapRef, rollback: Bool, function: String) throws {
        let what = rollback ? "rollback_config" : "update_config"
        guard let field = updateConfigKeys.first(where: { $0.key == key })?.value else {
            let known = updateConfigKeys.map(\.key).joined(separator: ", ")
            throw DshError.runtime("\(function): unknown \(what) key '\(key)' (known: \(known))")
        }
        switch key {
        case "delay", "monitor":
            config[field] = try ContainerSpec.duration(value)
        case "failure_action", "order":
            // A rollback that fails cannot roll back: its failure action is continue or pause.
            let allowed = key == "order" ? ["stop-first", "start-first"] : rollback ? ["continue", "pause"] : ["continue", "pause", "rollback"]
            guard case .string(let s) = value, allowed.contains(s) else {
                throw DshError.runtime("\(function): \(what) \(key) must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), not \(value.sourceString)")
            }
            config[field] = value
        default:
            config[field] = value
        }
    }
}
