// Builtins.swift: the registry of built-in functions (CONTRACT §3); each theme lives
// in its own file (BuiltinsCore, BuiltinsSequence, BuiltinsString, BuiltinsData,
// BuiltinsSystem, BuiltinsRegex, BuiltinsPaths, BuiltinsTesting) and lists its functions here.

/// The built-in functions every interpreter starts with.
public enum Builtins {
    /// Calls `define(name, value)` once for every built-in global. Each value is a
    /// `NativeFunction` whose `doc` is its line in `BuiltinDocs.lines`.
    public static func install(_ define: (String, Value) -> Void) {
        // List by list, in `all`'s order: concatenating the lists first cost each start
        // about 40k instructions of copying.
        func each(_ list: [(String, NativeBody)]) {
            for (name, body) in list {
                define(name, .function(NativeFunction(builtin: name, body, unary: unaryForm(name))))
            }
        }
        each(coreFunctions); each(sequenceFunctions); each(stringFunctions); each(dataFunctions)
        each(systemFunctions); each(timeFunctions); each(regexFunctions); each(pathFunctions)
        each(testingFunctions); each(deadlineFunctions); each(parallelFunctions); each(mergeFunctions)
    }

    /// The names of every built-in, in definition order.
    public static var names: [String] { all.map(\.0) }

    /// Every built-in with its body.
    static var all: [(String, NativeBody)] {
        coreFunctions + sequenceFunctions + stringFunctions + dataFunctions + systemFunctions + timeFunctions
            + regexFunctions + pathFunctions + testingFunctions + deadlineFunctions + parallelFunctions + mergeFunctions
    }
}
