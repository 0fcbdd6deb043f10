// CompiledProgram.swift: a program compiled once by `Interpreter.compile` and run many
// times (a host's rule evaluated for every event).

/// Code parsed, resolved and compiled for one interpreter; `run()` evaluates it again
/// each time, with that interpreter's globals, limits and cancellation.
public final class CompiledProgram {
    let proto: FunctionProto
    let link: InterpreterLink
    /// The source's name (as errors show it).
    public let name: String

    init(proto: FunctionProto, link: InterpreterLink, name: String) {
        self.proto = proto
        self.link = link
        self.name = name
    }

    /// Runs the program; returns the value of its last statement when that is an
    /// expression, else `.null`. Throws `DshError` "its interpreter is gone" when the
    /// interpreter was released.
    public func run() throws -> Value {
        guard let interp = link.live else { throw DshError.runtime("\(name): its interpreter is gone") }
        return try interp.run(proto)
    }
}
