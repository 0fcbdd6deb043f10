// Interpreter.swift: the public face of the language: make an interpreter, define
// native functions and values, evaluate code and files, limit and cancel evaluations.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// The cancellation token of the running (or next) evaluation, reachable from any
/// thread. A fresh token is made when an evaluation ends, so a `cancel` that arrives
/// just before an evaluation starts still stops it.
private final class CancelState: Sendable {
    private let token = Mutex(CancellationToken())
    var current: CancellationToken { token.withLock { $0 } }
    /// Whether the current token is cancelled (without retaining it).
    var isCancelled: Bool { token.withLock { $0.isCancelled } }
    func renew() {
        let t = CancellationToken()
        token.withLock { $0 = t }
    }
}

/// A dsh interpreter: globals persist from one evaluation to the next (a REPL session).
///
/// An interpreter and its values belong to one thread at a time; only `cancel` may be
/// called from another thread.
public final class Interpreter: Runtime {
    /// Where `print` writes.
    public let output: TextSink
    /// Where error reports go.
    public let errorOutput: TextSink
    /// The step budget of each evaluation (loop iterations and calls); nil = unlimited.
    public var maxSteps: Int?
    /// The wall-clock limit of each evaluation; nil = unlimited.
    public var timeLimit: Duration?
    /// Where `import "x"` looks after the importing file's folder (found on first use:
    /// a program that imports nothing never looks).
    public lazy var moduleSearchPaths: [String] = FileSystem.standardLibraryPaths()
    /// The script's arguments (the `args` global).
    public var arguments: [String] = [] {
        didSet { define("args", .list(arguments.map { .string($0) }), doc: "the script's arguments (a list of strings)") }
    }
    /// The deepest call nesting allowed before "stack overflow: too many nested calls".
    public var maxCallDepth: Int {
        get { vm.pointee.maxDepth }
        set { vm.pointee.maxDepth = newValue }
    }

    let vm: VM
    /// What its closures and modules hold instead of a reference to it.
    let link = InterpreterLink()
    let store = GlobalStore()
    let rootScope: GlobalScope
    private(set) lazy var compiler = Compiler(interpreter: self)
    private var docs: [String: String] = [:]
    var modules: [String: ModuleRecord] = [:]
    var loadingModules: [ModuleRecord] = []
    /// The file of the outermost evaluation (module names are shown relative to it).
    var rootFile: SourceFile?
    private var regexCache: [String: Regex<AnyRegexOutput>] = [:]
    private let cancelState = CancelState()
    private var runDepth = 0

    /// Makes an interpreter with the built-in functions, `args` (empty) and `env`.
    public init(output: TextSink = .standardOutput, errorOutput: TextSink = .standardError) {
        self.output = output
        self.errorOutput = errorOutput
        self.rootScope = GlobalScope(store: store)
        vm = .allocate(capacity: 1)
        vm.initialize(to: Machine(interpreter: self, owner: ObjectIdentifier(link)))
        link.interpreter = self
        Builtins.install { name, value in self.define(name, value) }
        define("args", .list([]), doc: "the script's arguments (a list of strings)")
        define("env", Interpreter.environment(), doc: "the environment variables (a map)")
    }

    deinit {
        link.isAlive = false
        vm.pointee.destroy()
        vm.deinitialize(count: 1)
        vm.deallocate()
    }

    private static func environment() -> Value {
        // Split as bytes (see ProcessEnvironment.current in DockerEngine for why).
        let m = MapRef()
        var p = environ
        while let entry = p.pointee {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                m.entries[String(decoding: UnsafeBufferPointer(rebasing: bytes[..<eq]), as: UTF8.self)] =
                    .string(String(decoding: UnsafeBufferPointer(rebasing: bytes[(eq + 1)...]), as: UTF8.self))
            }
            p += 1
        }
        return .map(m)
    }

    // MARK: - Defining globals

    /// Defines (or replaces) the global `name`. Scripts cannot assign it, but may
    /// declare their own `let`/`var` of the same name.
    public func define(_ name: String, _ value: Value, doc: String = "") {
        let index = rootScope.declare(name, kind: .builtin)
        vm.pointee.growGlobals(store.count)
        vm.pointee.globals[index] = value
        if !doc.isEmpty { docs[name] = doc }
    }

    /// Defines a native function `name`.
    public func define(_ name: String, doc: String = "", _ body: @escaping (Arguments, any Runtime) throws -> Value) {
        define(name, .function(NativeFunction(name, doc: doc, body)), doc: doc)
    }

    /// The names of the globals (built-ins, host names and the session's own), sorted.
    public var globalNames: [String] { rootScope.entries.keys.sorted() }

    /// The value of the global `name`, or nil when there is none.
    public func global(_ name: String) -> Value? {
        guard let e = rootScope.entries[name], e.index < vm.pointee.globalCapacity else { return nil }
        return vm.pointee.globals[e.index]
    }

    /// One line of help for `name`: its documentation, or a function's signature.
    public func doc(for name: String) -> String? {
        if let d = docs[name] { return d }
        guard let v = global(name) else { return nil }
        switch v {
        case .function(let f):
            if let c = f as? Closure { return c.proto.signature }
            if let n = f as? NativeFunction, !n.doc.isEmpty { return n.doc }
            return "fn \(f.name)(...)"
        default:
            return "\(name): \(v.typeName)"
        }
    }

    // MARK: - Evaluating

    /// Evaluates `source`; returns the value of its last statement when that is an
    /// expression, else nil (`.null`).
    public func evaluate(_ source: String, name: String = "<input>") throws -> Value {
        try evaluate(SourceFile(name: name, text: source))
    }

    /// Evaluates a source file.
    public func evaluate(_ file: SourceFile) throws -> Value {
        let program = try Parser.parse(file)
        if runDepth == 0 { rootFile = file }
        let node = try Resolver(globals: rootScope, file: file) { [unowned self] p, s, f in
            try self.loadModule(p, s, f)
        }.resolve(program)
        let proto = compiler.topLevel(node)
        return try run(proto)
    }

    /// Reads and evaluates the file at `path`.
    public func evaluateFile(atPath path: String) throws -> Value {
        return try evaluate(SourceFile(name: path, bytes: try FileSystem.readSource(path), path: path))
    }

    /// Runs a script: evaluates it, prints an uncaught error's report to `errorOutput`,
    /// honours `exit(n)`, flushes, and returns the exit status.
    public func runScript(_ file: SourceFile) -> Int32 {
        defer {
            output.flush()
            errorOutput.flush()
        }
        do {
            _ = try evaluate(file)
            return 0
        } catch let exit as ExitRequest {
            return exit.code
        } catch let e as DshError {
            output.flush()
            errorOutput.write(e.report + "\n")
            return 1
        } catch {
            output.flush()
            errorOutput.write("error: \(error)\n")
            return 1
        }
    }

    /// Stops the running evaluation (from any thread): it ends with an `.interrupted`
    /// error carrying `reason`; blocked waits (sleep, stream pulls) wake at once. Called
    /// between evaluations, it stops the next one as soon as it starts.
    public func cancel(reason: String = "interrupted") {
        cancelState.current.cancel(reason: reason)
    }

    /// Whether `source` ended too early (an open bracket, block or string), so a REPL
    /// should read another line.
    public static func isIncomplete(_ source: String) -> Bool {
        do {
            _ = try Parser.parse(SourceFile(name: "<input>", text: source))
            return false
        } catch let e as DshError {
            return e.isIncompleteInput
        } catch {
            return false
        }
    }

    /// Runs a compiled top level; the outermost run sets up limits and cancellation.
    private func run(_ proto: FunctionProto) throws -> Value {
        let outermost = runDepth == 0
        var timer: DispatchWorkItem?
        if outermost {
            let token = cancelState.current
            vm.pointee.token = token
            vm.pointee.steps = 0
            vm.pointee.stepLimit = maxSteps.map { max(0, $0) } ?? Int.max
            vm.pointee.nextCheck = min(1024, vm.pointee.stepLimit)
            vm.pointee.stackLimit = NativeStack.limit()
            vm.pointee.deadline = 0
            if let limit = timeLimit {
                let (s, atto) = limit.components
                let nanos = UInt64(max(0, s)) &* 1_000_000_000 &+ UInt64(max(0, atto) / 1_000_000_000)
                vm.pointee.deadline = monotonicNanos() &+ max(1, nanos)
                let reason = "time limit of \(limit) exceeded"
                let item = DispatchWorkItem { token.cancel(reason: reason) }
                timer = item
                DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(min(nanos, UInt64(Int.max)))), execute: item)
            }
        }
        runDepth += 1
        let savedLast = vm.pointee.lastValue
        vm.pointee.lastValue = .null
        defer {
            runDepth -= 1
            if outermost {
                timer?.cancel()
                vm.pointee.token = nil
                cancelState.renew()
                output.flush()
            } else {
                vm.pointee.lastValue = savedLast
            }
        }
        vm.pointee.growGlobals(store.count)
        let closure = Closure(proto, captures: [], link: link)
        let argBase = vm.pointee.sp
        defer { vm.pointee.pop(to: argBase) }
        _ = try invoke(vm, closure, argBase: argBase, argc: 0)
        let result = vm.pointee.lastValue
        return result
    }

    // MARK: - Runtime

    /// The running evaluation's token.
    /// (During an evaluation the machine holds it: no lock.)
    var currentToken: CancellationToken { vm.pointee.token ?? cancelState.current }

    /// Calls a function value (closure or native).
    public func call(_ function: Value, _ args: Arguments) throws -> Value {
        try callValue(vm, function, args)
    }

    /// Calls a function value with one argument: a closure of this interpreter gets it
    /// pushed straight onto the value stack (no `Arguments` array per call).
    public func call(_ function: Value, with argument: Value) throws -> Value {
        if case .function(let f) = function, type(of: f) == Closure.self {
            let closure = unsafeDowncast(f, to: Closure.self)
            if closure.owner == vm.pointee.owner {
                let argBase = vm.pointee.sp
                defer { vm.pointee.pop(to: argBase) }
                vm.pointee.push(argument)
                return try invoke(vm, closure, argBase: argBase, argc: 1)
            }
        }
        return try callValue(vm, function, Arguments([argument]))
    }

    /// Binds `args` to a closure of this interpreter and runs it.
    func callClosure(_ closure: Closure, _ args: Arguments) throws -> Value {
        try DshCore.callClosure(vm, closure, args)
    }

    /// Writes to the script's standard output.
    public func write(_ text: String) { output.write(text) }

    /// Writes to the script's standard error.
    public func writeError(_ text: String) {
        output.flush()
        errorOutput.write(text)
    }

    /// Throws when cancelled, out of steps, or past the time limit.
    public func checkInterrupt() throws {
        vm.pointee.steps &+= 1
        // Cancellation is seen at once; the budget and the clock as often as `tick` sees them.
        // During an evaluation its token is in the machine (an atomic load, no lock).
        let cancelled = vm.pointee.token?.isCancelled ?? cancelState.isCancelled
        if vm.pointee.steps >= vm.pointee.nextCheck || cancelled { try slowCheck(vm) }
    }

    /// The running evaluation's cancellation token.
    public var cancellation: CancellationToken { currentToken }

    /// Whether standard output is a terminal.
    public var outputIsTerminal: Bool { output.isTerminal }

    /// A compiled regular expression (cached).
    func regex(_ pattern: String, _ span: SourceSpan) throws -> Regex<AnyRegexOutput> {
        if let r = regexCache[pattern] { return r }
        do {
            let r = try Regex(pattern)
            if regexCache.count > 256 { regexCache.removeAll() }
            regexCache[pattern] = r
            return r
        } catch {
            throw failure("invalid regular expression '\(pattern)': \(error)", span)
        }
    }
}
