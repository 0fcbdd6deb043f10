// BuiltinsTestSupport.swift: a minimal Runtime for calling built-ins directly, and helpers.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import DshCore

/// `mkdir -p path`.
func makeDirectories(_ path: String) {
    var current = ""
    for part in path.split(separator: "/") {
        current += "/" + part
        mkdir(current, 0o755)
    }
}

/// A Runtime that calls functions directly, captures output and honours a cancel token.
final class BuiltinTestRuntime: Runtime {
    var output = ""
    var errors = ""
    let cancellation = CancellationToken()
    var outputIsTerminal = false

    func call(_ function: Value, _ args: Arguments) throws -> Value {
        guard case .function(let f) = function else { throw DshError.runtime("\(function.typeName) is not callable") }
        return try f.call(args, self)
    }
    func write(_ text: String) { output += text }
    func writeError(_ text: String) { errors += text }
    func checkInterrupt() throws {
        if cancellation.isCancelled { throw DshError(.interrupted, cancellation.reason) }
    }
}

/// The built-in `name` as a function.
func builtin(_ name: String) -> FunctionValue {
    for (n, body) in Builtins.all where n == name { return NativeFunction(n, body) }
    fatalError("no built-in \(name)")
}

/// Calls built-in `name` with positional and named arguments.
@discardableResult
func callBuiltin(_ name: String, _ args: Value..., named: [(String, Value)] = [], rt: BuiltinTestRuntime = BuiltinTestRuntime()) throws -> Value {
    try builtin(name).call(Arguments(args, named: named.map { (name: $0.0, value: $0.1) }), rt)
}

/// A native function value from a Swift closure of one argument.
func fn(_ body: @escaping (Value) throws -> Value) -> Value {
    .function(NativeFunction("f") { args, _ in try body(args.at(0)) })
}

/// A function of two arguments.
func fn2(_ body: @escaping (Value, Value) throws -> Value) -> Value {
    .function(NativeFunction("f2") { args, _ in try body(args.at(0), args.at(1)) })
}

/// A list of ints.
func ints(_ xs: Int...) -> Value { .list(xs.map { .int($0) }) }

/// A list of strings.
func strs(_ xs: String...) -> Value { .list(xs.map { .string($0) }) }

/// The int inside a value (fails the test through a trap otherwise: used on known ints).
func intOf(_ v: Value) -> Int? { if case .int(let i) = v { return i } else { return nil } }

/// A stream over ints that counts pulls and records whether it was closed.
final class ProbeStream: StreamValue {
    var pulled = 0
    var closed = false
    let limit: Int?
    init(limit: Int? = nil) { self.limit = limit; super.init(label: "probe") }
    override func next(_ runtime: any Runtime) throws -> Value? {
        if closed { return nil }
        if let limit, pulled >= limit { return nil }
        pulled += 1
        return .int(pulled - 1)
    }
    override func close() { closed = true }
}

/// Drains a stream value into its source form.
func drained(_ v: Value, _ rt: BuiltinTestRuntime = BuiltinTestRuntime()) throws -> String {
    guard case .stream(let s) = v else { return "not a stream: \(v.sourceString)" }
    var items: [Value] = []
    while let x = try s.next(rt) { items.append(x) }
    return Value.list(items).sourceString
}

/// The message of the error `body` throws, or nil.
func errorMessage(_ body: () throws -> Any) -> String? {
    do { _ = try body(); return nil } catch let e as DshError { return e.message } catch { return "\(error)" }
}
