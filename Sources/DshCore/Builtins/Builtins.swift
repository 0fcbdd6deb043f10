// Builtins.swift: the registry of built-in functions (CONTRACT §3).
// (Being written: this placeholder only fixes the entry point the interpreter calls.)

/// The built-in functions every interpreter starts with.
public enum Builtins {
    /// Calls `define(name, value)` once for every built-in global.
    public static func install(_ define: (String, Value) -> Void) {}
}
