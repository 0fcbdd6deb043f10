// Builtins.swift: the registry of built-in functions (CONTRACT §3); each theme lives
// in its own file (BuiltinsCore, BuiltinsSequence, BuiltinsString, BuiltinsData,
// BuiltinsSystem, BuiltinsRegex, BuiltinsPaths, BuiltinsTesting) and lists its functions here.

/// The built-in functions every interpreter starts with.
public enum Builtins {
    /// Calls `define(name, value)` once for every built-in global. Each value is a
    /// `NativeFunction` whose `doc` is its line in `BuiltinDocs.lines`.
    public static func install(_ define: (String, Value) -> Void) {
        eachList { list in
            for (name, body) in list {
                define(name, .function(NativeFunction(builtin: name, body, unary: unaryForm(name))))
            }
        }
    }

    /// Calls `body` with each theme's list of built-ins, in definition order (list by
    /// list: concatenating them first cost each start about 40k instructions of copying).
    static func eachList(_ body: ([(String, NativeBody)]) -> Void) {
        body(coreFunctions); body(sequenceFunctions); body(stringFunctions); body(dataFunctions)
        body(systemFunctions); body(timeFunctions); body(regexFunctions); body(pathFunctions)
        body(testingFunctions); body(deadlineFunctions); body(parallelFunctions); body(mergeFunctions)
    }

    /// The names of every built-in, in definition order.
    public static var names: [String] { all.map(\.0) }

    /// Every built-in with its body.
    static var all: [(String, NativeBody)] {
        var out: [(String, NativeBody)] = []
        eachList { out += $0 }
        return out
    }
}
