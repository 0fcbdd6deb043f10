// ExecObject.swift: an exec instance (`c.exec(cmd, detach: true)`, `c.create_exec(cmd)`):
// `inspect()`, `start(...)`, `resize(h:, w:)`, and `id`.
import DockerEngine
import DshCore

/// One exec instance of a container.
final class ExecObject: BindingObject {
    /// The exec's id.
    let id: String
    /// The container it runs in.
    let container: ResourceObject

    init(id: String, container: ResourceObject, session: DockerSession) {
        self.id = id
        self.container = container
        super.init(session: session)
    }

    override var typeName: String { "Exec" }
    override var methodPrefix: String { "exec" }
    override var fieldNames: [String] { ["id", "container"] }
    override var displayString: String { "<Exec \(id.prefix(12))>" }
    override var plainValue: Value? { .map(["Id": .string(id)]) }

    override func field(_ name: String, _ runtime: any Runtime) throws -> Value? {
        switch name {
        case "id", "Id": return .string(id)
        case "container": return .object(container)
        default: return nil
        }
    }

    override func call(_ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        switch name {
        case "inspect":
            try args.atMost(0)
            return try session.json(rt, Endpoints.execInspect, id)
        case "resize":
            try args.atMost(0)
            _ = try session.send(rt, Endpoints.execResize, id, query: try args.sizeQuery())
            return .object(self)
        case "start":
            try args.atMost(0)
            let tty = try args.bool("tty") ?? false
            if try args.bool("detach") == true {
                _ = try session.json(rt, Endpoints.execStart, id, body: .map(["Detach": .bool(true), "Tty": .bool(tty)]))
                return .null
            }
            let feed = try args.named("stdin").map { try StdinFeed($0, args.function) }
            return try ContainerMethods.startExec(session, id, feed: feed, tty: tty, stream: try args.bool("stream") ?? false,
                                                  raw: try args.bool("raw") ?? false, args.function, rt)
        default:
            throw DshError.runtime("Exec has no method '\(name)'")
        }
    }
}
