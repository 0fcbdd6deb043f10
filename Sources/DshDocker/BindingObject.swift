// BindingObject.swift: the base of the bindings' host objects: methods are looked up
// by name in a list (so completion sees them) and called through one dispatch
// function; other members come from `field`.
import DshCore

/// A host object with a fixed list of methods.
class BindingObject: HostObject {
    /// The session whose client the object uses.
    let session: DockerSession

    init(session: DockerSession) { self.session = session }

    /// The type name (`Container`, `docker`, ...).
    var typeName: String { "object" }
    /// The prefix of method names in messages (`container.stop`).
    var methodPrefix: String { typeName.lowercased() }
    /// The method names.
    var methods: [String] { [] }
    /// The non-method member names.
    var fieldNames: [String] { [] }

    /// Runs the method `name`.
    func call(_ name: String, _ args: ArgReader, _ runtime: any Runtime) throws -> Value {
        throw DshError.runtime("\(typeName) has no method '\(name)'")
    }

    /// A non-method member, or nil when there is none.
    func field(_ name: String, _ runtime: any Runtime) throws -> Value? { nil }

    func member(_ name: String, _ runtime: any Runtime) throws -> Value? {
        if methods.contains(name) {
            let qualified = "\(methodPrefix).\(name)"
            return .function(NativeFunction(qualified) { [self] args, rt in
                try self.call(name, ArgReader(args, qualified), rt)
            })
        }
        return try field(name, runtime)
    }

    var memberNames: [String] { fieldNames + methods }
    var displayString: String { "<\(typeName)>" }
    var plainValue: Value? { nil }
    var summary: Value? { nil }
}
