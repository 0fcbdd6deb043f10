// StackLibrary.swift: defines the stack functions of the embedded stdlib/stacks.dsh as globals.

import DockerEngine
import DshCore

extension DockerBindings {
    /// Defines `compose`, `plan`, `up`, `deploy`, `down`, `ps`, `logs` and `restart`, the functions
    /// of `stdlib/stacks.dsh` (see docs/stacks.md). The file is evaluated on the first call
    /// of one of them; scripts may still declare their own names.
    static func installStackLibrary(into interp: Interpreter) {
        let library = StackLibrary()
        for name in StackLibrary.names {
            interp.define(name, doc: StackLibrary.docs[name] ?? "") { args, rt in
                try rt.call(library.function(name, runtime: rt), args)
            }
        }
    }
}

/// The functions of `stdlib/stacks.dsh`, evaluated once, on first use.
private final class StackLibrary {
    /// The names the file exports.
    static let names = ["compose", "plan", "up", "deploy", "down", "ps", "logs", "restart"]
    /// One line of help for each.
    static let docs: [String: String] = [
        "compose": "compose(path, name:): a Compose file read into a stack map (${VAR} from the environment and .env)",
        "plan": "plan(stack, mode: \"containers\"): what up (mode: \"swarm\": deploy) would do, as [{action, kind, name, service, reason}]; changes nothing",
        "up": "up(stack, timeout: 60, build: false, quiet: false): make the engine match the stack; returns the plan applied",
        "deploy": "deploy(stack, build: false, quiet: false, wait: true, timeout: 60): make a swarm's services match the stack; returns the plan applied",
        "down": "down(stack, volumes: false): remove the stack's containers and networks (on a swarm manager also its services, secrets, configs; and volumes); returns what was removed",
        "ps": "ps(stack, all: false): the stack's containers (and swarm tasks) as {name, service, number, state, status, image}",
        "logs": "logs(stack, service:, follow: false, tail:): log lines prefixed \"service-N | \" (a swarm task's \"service.N | \"; follow: all of them, merged as they arrive)",
        "restart": "restart(stack, service): restart a service's containers; returns their names",
    ]
    private var functions: MapRef?

    /// The function `name`, evaluating the file in the interpreter first if needed.
    func function(_ name: String, runtime: any Runtime) throws -> Value {
        if functions == nil {
            guard let interp = runtime as? Interpreter else {
                throw DshError(.runtime, "\(name): the stack library needs the interpreter that defined it")
            }
            // The prefix shares the first line with the file's first comment, so line
            // numbers in errors match the file.
            let exports = Self.names.map { "\($0): \($0)" }.joined(separator: ", ")
            let source = "(fn(_native) { " + StdlibSource.stacks + "\nreturn {\(exports)}\n})"
            let maker = try interp.evaluate(SourceFile(name: "stdlib/stacks.dsh", text: source))
            let value = try interp.call(maker, Arguments([.map(Self.natives())]))
            guard case .map(let m) = value else {
                throw DshError(.runtime, "internal error: stdlib/stacks.dsh did not evaluate to a map")
            }
            functions = m
        }
        guard let fn = functions?[name] else {
            throw DshError(.runtime, "internal error: stdlib/stacks.dsh does not define \(name)")
        }
        return fn
    }

    /// What the dsh code cannot do itself: `sha256(text)`, `warn(message)` (to the error output),
    /// `global(name)` (a host's global, such as DshHost's `parse_yaml`, or nil),
    /// `merge_all(streams)` (the built-in `merge` over a list), `duration(v)` (nanoseconds
    /// of "2s", "500ms", a number of nanoseconds) and `healthcheck(h)` (a stack's health
    /// check as the API's HealthConfig), the last two as `docker.services.create` reads them.
    private static func natives() -> MapRef {
        let m = MapRef()
        m["sha256"] = .function(NativeFunction("sha256") { args, _ in
            guard case .string(let s)? = args[0] else { throw DshError.runtime("sha256: expected a string") }
            return .string(DockerEngine.SHA256.hex(s))
        })
        m["global"] = .function(NativeFunction("global") { args, rt in
            guard case .string(let name)? = args[0], let interp = rt as? Interpreter else { return .null }
            return interp.global(name) ?? .null
        })
        m["merge_all"] = .function(NativeFunction("merge_all") { args, rt in
            guard case .list(let streams)? = args[0], let merge = (rt as? Interpreter)?.global("merge") else {
                throw DshError.runtime("merge_all: expected a list of streams")
            }
            return try rt.call(merge, Arguments(streams.items))
        })
        m["duration"] = .function(NativeFunction("duration") { args, _ in
            try ContainerSpec.duration(args[0] ?? .null)
        })
        m["healthcheck"] = .function(NativeFunction("healthcheck") { args, _ in
            try ContainerSpec.healthcheck(args[0] ?? .null)
        })
        m["warn"] = .function(NativeFunction("warn") { args, rt in
            rt.writeError("warning: \(args[0]?.displayString ?? "")\n")
            return .null
        })
        return m
    }
}
