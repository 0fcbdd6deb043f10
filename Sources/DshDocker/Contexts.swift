// Contexts.swift: `docker.contexts()` (the CLI's contexts, as `docker context ls`) and
// `docker.connect(context: name)` (a client of a context's daemon).
import DockerEngine
import DshCore

/// The context methods of the `docker` object.
enum Contexts {
    /// `docker.contexts()`: `[{name, host, description, current}]`, "default" first.
    static func list(_ args: ArgReader) throws -> Value {
        try args.atMost(0)
        let contexts: [DockerContext]
        do { contexts = try DockerContexts.list() } catch { throw DockerErrors.map(error) }
        return .list(contexts.map { c in
            .map(["name": .string(c.name), "host": .string(c.host), "description": .string(c.description), "current": .bool(c.current)])
        })
    }

    /// `docker.connect(context: "name")`: a client configured from the context as the CLI
    /// would (its endpoint and TLS files), read-only when this one is.
    static func connect(_ session: DockerSession, _ args: ArgReader) throws -> Value {
        try args.only(["context"])
        try args.atMost(0)
        guard let name = try args.string("context"), !name.isEmpty else {
            throw DshError.runtime("\(args.function): context must be a context's name")
        }
        let trace = session.trace
        let client: DockerClient
        do {
            client = try DockerClient(configuration: try DockerContexts.configuration(name: name), traceHook: trace)
        } catch {
            throw DockerErrors.map(error)
        }
        let newSession = DockerSession(client: { client }, readOnly: session.readOnly, trace: trace)
        return .object(DockerObject(session: newSession))
    }
}
