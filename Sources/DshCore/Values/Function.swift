// Function.swift: callable values, and the arguments a call passes.

/// The arguments of one call: positional values, then named ones (`f(1, b: 3)`).
public struct Arguments {
    /// Positional arguments, in order.
    public var positional: [Value]
    /// Named arguments, in the order written.
    public var named: [(name: String, value: Value)]

    /// Makes an argument list.
    public init(_ positional: [Value] = [], named: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.named = named
    }

    /// The number of positional arguments.
    public var count: Int { positional.count }

    /// The positional argument at `index`, or nil when absent.
    public subscript(index: Int) -> Value? {
        index < positional.count ? positional[index] : nil
    }

    /// The named argument `name`, or nil when absent.
    public subscript(name: String) -> Value? {
        for entry in named where entry.name == name { return entry.value }
        return nil
    }
}

/// A function value. The evaluator subclasses it for closures made by scripts;
/// hosts and built-ins use `NativeFunction`.
open class FunctionValue {
    /// The name shown in errors, `str(f)` and `:doc` (`"<lambda>"` for anonymous ones).
    public let name: String

    /// Makes a function value named `name`.
    public init(name: String) { self.name = name }

    /// Calls the function. Subclasses override this.
    open func call(_ args: Arguments, _ runtime: any Runtime) throws -> Value {
        throw DshError.runtime("\(name) is not callable")
    }
}

/// The one-argument form of a native function. (A struct, not an optional closure:
/// an `Optional` or a dictionary holds a closure behind reabstraction thunks, paid on
/// every call; a stored property of concrete function type does not.)
struct UnaryForm {
    let run: (Value, any Runtime) throws -> Value
    /// Whether this is the built-in `str` (concatenation nodes write `str(n)`'s digits
    /// in place when the callee is this one).
    var isStr = false
}

/// A function written in Swift.
public final class NativeFunction: FunctionValue {
    /// The Swift body.
    public let body: (Arguments, any Runtime) throws -> Value
    /// Help, shown by the REPL's `:doc` (computed when asked when the function was made
    /// with a `describe` closure).
    public var doc: String { describe?().doc ?? fixedDoc ?? BuiltinDocs.lines[name] ?? "" }
    /// The named arguments the function takes, for the REPL's completion (empty when
    /// unknown).
    public var namedArguments: [String] { describe?().namedArguments ?? [] }
    /// The help given when it was made; nil for a built-in, whose line in
    /// `BuiltinDocs.lines` is looked up only when asked (building that dictionary at
    /// every start cost about 0.1M instructions).
    private let fixedDoc: String?
    private let describe: (() -> (doc: String, namedArguments: [String]))?

    /// The same function for a call with exactly one positional argument, when it has
    /// such a form (`str(x)`, `len(x)`): the compiler calls it without making an
    /// `Arguments` array. It must behave exactly as `body` does with that one argument.
    let unary: UnaryForm?

    /// Makes a native function.
    public init(_ name: String, doc: String = "", _ body: @escaping (Arguments, any Runtime) throws -> Value) {
        self.body = body
        self.fixedDoc = doc
        self.describe = nil
        self.unary = nil
        super.init(name: name)
    }

    /// Makes a native function whose help and named arguments are computed only when
    /// the REPL asks (`:doc`, completion), so making the function stays cheap.
    public init(
        _ name: String, describe: @escaping () -> (doc: String, namedArguments: [String]),
        _ body: @escaping (Arguments, any Runtime) throws -> Value
    ) {
        self.body = body
        self.fixedDoc = ""
        self.describe = describe
        self.unary = nil
        super.init(name: name)
    }

    /// Makes the built-in `name` (its help is its line in `BuiltinDocs.lines`), with a
    /// one-argument form (see `unary`).
    init(builtin name: String, _ body: @escaping (Arguments, any Runtime) throws -> Value,
         unary: UnaryForm?) {
        self.body = body
        self.fixedDoc = nil
        self.describe = nil
        self.unary = unary
        super.init(name: name)
    }

    /// Calls the Swift body.
    public override func call(_ args: Arguments, _ runtime: any Runtime) throws -> Value {
        try body(args, runtime)
    }
}
