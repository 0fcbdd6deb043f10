// HostObject.swift: objects whose members and methods are supplied by Swift code.

/// A host object, such as `docker`, a container handle, or an embedding host's own
/// object. Members are read by name; methods are members whose value is a function.
public protocol HostObject: AnyObject {
    /// The type name shown by `str(v)` and the REPL, for example `"Container"`.
    var typeName: String { get }
    /// The member `name` (a field, or a method as a function value), or nil when the
    /// object has no such member.
    func member(_ name: String, _ runtime: any Runtime) throws -> Value?
    /// Assigns the member `name` (`obj.name = v`). The default refuses.
    func setMember(_ name: String, _ value: Value, _ runtime: any Runtime) throws
    /// The names completion and `:doc` offer after a dot.
    var memberNames: [String] { get }
    /// How `print` and `str` show the object.
    var displayString: String { get }
    /// The object as a plain value (a map of its fields) for `json`, `table` and display,
    /// or nil when it has none.
    var plainValue: Value? { get }
    /// A short record for the REPL's tables of such objects (a container's `docker ps`
    /// row), or nil to show the plain value.
    var summary: Value? { get }
}

extension HostObject {
    /// Refuses assignment: host objects are read-only unless they say otherwise.
    public func setMember(_ name: String, _ value: Value, _ runtime: any Runtime) throws {
        throw DshError.runtime("cannot assign member '\(name)' of \(typeName)")
    }
    /// No names by default.
    public var memberNames: [String] { [] }
    /// `<TypeName>` by default.
    public var displayString: String { "<\(typeName)>" }
    /// No plain value by default.
    public var plainValue: Value? { nil }
    /// No summary by default.
    public var summary: Value? { nil }
}
