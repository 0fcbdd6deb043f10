// Runtime.swift: what native code (built-ins, host functions, streams) may ask of
// the interpreter that is running it.

/// The services an interpreter offers to native functions, host objects and streams.
/// `Interpreter` conforms; natives receive it as their second argument.
public protocol Runtime: AnyObject {
    /// Calls a dsh function value (a closure or a native) with `args`.
    func call(_ function: Value, _ args: Arguments) throws -> Value
    /// Writes text to the script's standard output (buffered by the interpreter).
    func write(_ text: String)
    /// Writes text to the script's standard error.
    func writeError(_ text: String)
    /// Throws when the evaluation was cancelled (Ctrl-C, `Interpreter.cancel()`),
    /// ran out of its step budget or passed its wall-clock limit. Natives that loop
    /// call it once per item.
    func checkInterrupt() throws
    /// The cancellation token of the current evaluation: blocking waits (sleep, a
    /// stream pull) register with it so that a cancel wakes them at once.
    var cancellation: CancellationToken { get }
    /// Whether standard output is a terminal (colours, progress bars).
    var outputIsTerminal: Bool { get }
    /// Calls a function value with one positional argument (`map`, `filter`, sort keys):
    /// the same as `call(function, Arguments([argument]))`, which is the default.
    func call(_ function: Value, with argument: Value) throws -> Value
}

extension Runtime {
    /// One argument through the general `call`.
    public func call(_ function: Value, with argument: Value) throws -> Value {
        try call(function, Arguments([argument]))
    }
}
