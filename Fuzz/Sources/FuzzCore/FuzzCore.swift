// FuzzCore.swift: libFuzzer entry point for the language: `source` runs the input as a
// script (lexer, parser, resolver, compiler, evaluator) and `json` decodes it as JSON
// and encodes the result back. FUZZ_TARGET picks one; scripts/fuzz sets it.
import DshCore
#if canImport(Glibc)
import Glibc
#endif

/// Which target this process fuzzes.
let fuzzTarget: String = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? "source"

/// Built-ins a fuzzed script may call: everything without side effects outside the
/// interpreter. Any other global (files, sleep, processes, names added later) is
/// replaced by a stub that throws, so a mutated script can neither touch the machine
/// nor block.
let pureBuiltins: Set<String> = [
    "print", "len", "type", "str", "repr", "int", "float", "bool", "keys", "values", "items",
    "error", "assert", "exit", "json", "parse_json", "human_size", "parse_size", "bytes", "decode",
    "url", "range", "map", "filter", "where", "each", "reduce", "sort", "sort_by", "group_by", "unique",
    "take", "skip", "take_while", "skip_while", "first", "last", "find", "index_of", "count", "sum",
    "min", "max", "any", "all", "collect", "zip", "enumerate", "reverse", "flatten", "flat_map", "chunk",
    "join", "split", "lines", "trim", "trim_start", "trim_end", "lower", "upper", "replace",
    "starts_with", "ends_with", "contains", "pad_left", "pad_right", "repeat", "chars", "format",
    "now", "table", "args",
]

/// Standard output goes to /dev/null (a script may print gigabytes); libFuzzer reports
/// on standard error.
let silenced: Bool = {
    let null = open("/dev/null", O_WRONLY)
    guard null >= 0 else { return false }
    dup2(null, 1)
    close(null)
    return true
}()

/// Runs one script with a step budget, a time limit and output thrown away.
func runSource(_ bytes: UnsafeBufferPointer<UInt8>) {
    precondition(silenced, "cannot open /dev/null")
    let interp = Interpreter(output: .standardOutput, errorOutput: .capture())
    for name in interp.globalNames where !pureBuiltins.contains(name) {
        interp.define(name) { _, _ in throw DshError.runtime("\(name) is disabled while fuzzing") }
    }
    interp.moduleSearchPaths = []
    interp.maxSteps = 20_000
    interp.timeLimit = .seconds(2)
    let file = SourceFile(name: "fuzz.dsh", bytes: Array(bytes))
    _ = interp.runScript(file)
}

/// Decodes JSON; what decodes must encode again.
func runJSON(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let v = try? JSON.decode(buffer: bytes) else { return }
    _ = try? JSON.encode(v)
    _ = try? JSON.encode(v, pretty: true)
    _ = v.sourceString
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    switch fuzzTarget {
    case "json": runJSON(bytes)
    default: runSource(bytes)
    }
    return 0
}
