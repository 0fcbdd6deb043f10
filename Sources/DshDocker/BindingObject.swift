// BindingObject.swift: the base of the bindings' host objects: methods are the
// binding table's entries for the object (plus any the object adds), each call's named
// arguments are checked against its entry and the spec before dispatch; other members
// come from `field`.
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
    /// The method names: the binding table's entries for `methodPrefix`, then `extraMethods`.
    var methods: [String] {
        let names = BindingTable.entries(methodPrefix).map(\.name)
        return names + extraMethods.filter { !names.contains($0) }
    }
    /// Methods without an entry in the binding table (their arguments are checked by
    /// their own code).
    var extraMethods: [String] { [] }
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
            let entry = BindingTable.entry(methodPrefix, name)
            let describe: () -> (doc: String, namedArguments: [String]) = {
                guard let entry else { return ("", []) }
                return (BindingDoc.text(entry), entry.acceptedNames)
            }
            return .function(NativeFunction(qualified, describe: describe) { [self] args, rt in
                try session.calling(qualified) {
                    var reader = ArgReader(args, qualified)
                    if let entry { reader = try reader.checked(entry, session, rt) }
                    return try self.call(name, reader, rt)
                }
            })
        }
        if let value = try field(name, runtime) { return value }
        // A misspelt method: name the closest ones.
        let near = SpecCheck.closest(name, methods + fieldNames.filter { $0.first?.isLowercase ?? false })
        if !near.isEmpty {
            throw DshError.runtime("\(typeName) has no member '\(name)'; did you mean " + near.map { "`\($0)`" }.joined(separator: " or ") + "?")
        }
        return nil
    }

    var memberNames: [String] { fieldNames + methods }
    var displayString: String { "<\(typeName)>" }
    var plainValue: Value? { nil }
    var summary: Value? { nil }
}
