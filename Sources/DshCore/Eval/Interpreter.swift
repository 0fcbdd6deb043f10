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
/// just before an evaluation starts still stops it. A cancel that arrives once the
/// evaluation is already stopped is a second stop: it also stops the cleanup (the
/// `defer` blocks running on their grace allowance).
final class CancelState: Sendable {
    private struct State {
        var token = CancellationToken()
        /// The token of the cleanup running on its grace allowance, if any.
        var cleanup: CancellationToken?
        /// Whether a second stop arrived (cleanup then ends at once).
        var hardStop = false
    }
    private let state = Mutex(State())
    var current: CancellationToken { state.withLock { $0.token } }
    /// Whether the current token is cancelled (without retaining it).
    var isCancelled: Bool { state.withLock { $0.token.isCancelled } }

    /// Stops the evaluation; when it is already stopped, stops its cleanup too.
    func cancel(reason: String) {
        let (first, cleanup): (CancellationToken?, CancellationToken?) = state.withLock { s in
            if s.token.isCancelled {
                s.hardStop = true
                return (nil, s.cleanup)
            }
            return (s.token, nil)
        }
        first?.cancel(reason: reason)
        cleanup?.cancel(reason: "cleanup stopped: \(reason)")
    }

    /// A token for cleanup after a stop (already cancelled after a second stop).
    func beginCleanup() -> CancellationToken {
        let token = CancellationToken()
        let hard = state.withLock { s in
            s.cleanup = token
            return s.hardStop
        }
        if hard { token.cancel(reason: "cleanup stopped: interrupted again") }
        return token
    }

    /// Ends the cleanup started by `beginCleanup`.
    func endCleanup() { state.withLock { $0.cleanup = nil } }

    func renew() {
        let t = CancellationToken()
        state.withLock { $0 = State(token: t) }
    }
}

/// Stops an interpreter's evaluations from any thread or task: the `Sendable` part of
/// an ``Interpreter`` (`interp.cancelHandle`), to hand to a watchdog, a signal handler
/// or another task.
public struct CancelHandle: Sendable {
    let state: CancelState

    /// Stops the running evaluation, as ``Interpreter/cancel(reason:)`` does.
    public func cancel(reason: String = "interrupted") { state.cancel(reason: reason) }
}

/// An interpreter lent to the evaluation thread of `evaluateAsync` while its caller
/// awaits the result (so nothing else uses it meanwhile).
private struct ThreadHandOff: @unchecked Sendable {
    let interpreter: Interpreter
    init(_ interpreter: Interpreter) { self.interpreter = interpreter }
}

/// What each `defer` block may still do after an evaluation was stopped (by `cancel`,
/// its step budget or its time limit): its own step budget and wall-clock time, with
/// requests allowed. A second `cancel` ends the cleanup at once.
public struct CleanupAllowance: Sendable, Equatable {
    /// The steps cleanup may take.
    public var steps: Int
    /// The wall-clock time cleanup may take.
    public var time: Duration

    /// An allowance of `steps` steps and `time`.
    public init(steps: Int, time: Duration) {
        self.steps = steps
        self.time = time
    }

    /// 100 000 steps and 10 seconds: enough to remove a container, not to run on.
    public static let standard = CleanupAllowance(steps: 100_000, time: .seconds(10))
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
    /// What `defer` blocks may do once an evaluation was stopped (nil: no allowance,
    /// they trip over the stop like any other code).
    public var cleanupAllowance: CleanupAllowance? = .standard
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
    /// The closures of top-level `fn` declarations, kept while a global holds them.
    private var pinned: [Closure] = []
    /// How many stayed pinned after the last `unpinReplaced`.
    private var pinnedKept = 0
    var loadingModules: [ModuleRecord] = []
    /// The file of the outermost evaluation (module names are shown relative to it).
    var rootFile: SourceFile?
    private var regexCache: [String: Regex<AnyRegexOutput>] = [:]
    let cancelState = CancelState()
    private var runDepth = 0
    /// The built-in `range` this interpreter was made with (nil when its capabilities
    /// leave it out): a `for` loop over `range(...)` counts inline while the name still
    /// holds this very function.
    private(set) var builtinRange: FunctionValue?

    /// What scripts may reach outside the language (files, `env`, imports, processes).
    public let capabilities: Capabilities
    /// Decides each `import "name"`: serve the module's text from the host, refuse it,
    /// or look on the file system (`.fileSystem`, which needs `.importFiles`). Called at
    /// each `import`; a module is loaded and run once per interpreter.
    public var moduleLoader: ((_ name: String) throws -> ModuleSource)?
    /// The limits it was made with (its memory limit: see ``InterpreterLimits``).
    public let limits: InterpreterLimits
    /// The memory limit's meter (nil without a limit).
    let memoryMeter: MemoryMeter?

    /// Makes an interpreter with the built-in functions its `capabilities` allow, `args`
    /// (empty) and, with `.environment`, `env`; `limits` bounds the memory its values
    /// may use (`InterpreterLimits(memory: 64 << 20)`; default: no limit).
    public init(output: TextSink = .standardOutput, errorOutput: TextSink = .standardError,
                capabilities: Capabilities = .all, limits: InterpreterLimits = .none) {
        self.output = output
        self.errorOutput = errorOutput
        self.capabilities = capabilities
        self.limits = limits
        self.rootScope = GlobalScope(store: store)
        let machine = VM.allocate(capacity: 1)
        vm = machine
        memoryMeter = limits.memory.map { MemoryMeter(limit: $0, vm: machine) }
        vm.initialize(to: Machine(interpreter: self, owner: ObjectIdentifier(link)))
        link.interpreter = self
        // The built-ins and a host's names (about 110) come next, with about 30 help
        // lines: room for them at once spares both dictionaries rehashing as they grow.
        rootScope.entries.reserveCapacity(128)
        docs.reserveCapacity(64)
        // With every capability, each built-in is allowed: no lookup of what it needs.
        let allowsAll = capabilities.isSuperset(of: .all)
        Builtins.install { name, value in
            guard allowsAll || capabilities.allows(builtin: name) else { return }
            self.define(name, value)
            if name == "range", case .function(let f) = value { self.builtinRange = f }
        }
        define("args", .list([]), doc: "the script's arguments (a list of strings)")
        if capabilities.contains(.environment) {
            define("env", Interpreter.environment(), doc: "the environment variables (a map)")
        }
    }

    /// Keeps `closure` (a top-level function: it captures nothing) alive, so that a call
    /// of it may skip retaining it: even when the call rebinds the name that held it (a
    /// line declaring it again), it stays valid. Each run of a declaration pins one.
    func pin(_ closure: Closure) {
        closure.isPinned = true
        pinned.append(closure)
    }

    /// How many closures are pinned (for tests).
    var pinnedCount: Int { pinned.count }

    /// After an outermost evaluation, when no dsh function runs: lets go of the pinned
    /// closures no global holds any more (declared again), so that evaluating
    /// declarations again and again (a REPL, a host) does not keep every old one. Runs
    /// when the pinned list has doubled since the last time (amortised constant cost).
    private func unpinReplaced() {
        guard vm.pointee.depth == 0, pinned.count > 2 * pinnedKept + 16 else { return }
        var held = Set<ObjectIdentifier>()
        for i in 0..<min(store.count, vm.pointee.globalCapacity) {
            if case .function(let f) = vm.pointee.globals[i] { held.insert(ObjectIdentifier(f)) }
        }
        pinned.removeAll { closure in
            if held.contains(ObjectIdentifier(closure)) { return false }
            closure.isPinned = false
            return true
        }
        pinnedKept = pinned.count
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
        // Room for every variable at once: the table does not grow step by step.
        var count = 0
        while environ[count] != nil { count += 1 }
        m.entries.reserveCapacity(count)
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
        try run(compile(file).proto)
    }

    /// Parses, resolves and compiles `source` once, for running many times with
    /// ``CompiledProgram/run()``. The globals it declares exist from now on.
    public func compile(_ source: String, name: String = "<input>") throws -> CompiledProgram {
        try compile(SourceFile(name: name, text: source))
    }

    /// Compiles a source file (see ``compile(_:name:)``).
    public func compile(_ file: SourceFile) throws -> CompiledProgram {
        let program = try Parser.parse(file)
        if runDepth == 0 { rootFile = file }
        let node = try Resolver(globals: rootScope, file: file) { [unowned self] p, s, f in
            try self.loadModule(p, s, f)
        }.resolve(program)
        return CompiledProgram(proto: compiler.topLevel(node), link: link, name: file.name)
    }

    /// Evaluates `source` on an ``EvaluationThread`` of its own and returns the value in
    /// its `Sendable` form, without blocking the awaiting task's thread. Cancelling the
    /// task cancels the evaluation (its `defer` blocks still clean up). Runs on the
    /// caller's isolation, so the interpreter never crosses to another actor; as with
    /// every evaluation, one at a time per interpreter.
    nonisolated(nonsending)
    public func evaluateAsync(_ source: String, name: String = "<input>") async throws -> SendableValue {
        let job = ThreadHandOff(self)
        let handle = cancelHandle
        return try await withTaskCancellationHandler {
            try await EvaluationThread.value { try job.interpreter.evaluate(source, name: name).sendable }
        } onCancel: {
            handle.cancel(reason: "the task was cancelled")
        }
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
    /// error carrying `reason`; blocked waits (sleep, stream pulls, requests) wake at
    /// once, then `defer` blocks run on the `cleanupAllowance`. A second `cancel`
    /// while they run stops them too. Called between evaluations, it stops the next
    /// one as soon as it starts.
    public func cancel(reason: String = "interrupted") {
        cancelState.cancel(reason: reason)
    }

    /// A `Sendable` handle that cancels this interpreter's evaluations from anywhere.
    public var cancelHandle: CancelHandle { CancelHandle(state: cancelState) }

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
    func run(_ proto: FunctionProto) throws -> Value {
        let outermost = runDepth == 0
        var timer: DispatchWorkItem?
        if outermost {
            let token = cancelState.current
            vm.pointee.token = token
            vm.pointee.steps = 0
            vm.pointee.stepLimit = maxSteps.map { max(0, $0) } ?? Int.max
            vm.pointee.stepLimitReason = "step budget of \(maxSteps ?? 0) exceeded"
            vm.pointee.nextCheck = min(1024, vm.pointee.stepLimit)
            vm.pointee.stackLimit = NativeStack.limit()
            vm.pointee.deadline = 0
            if let limit = timeLimit {
                let reason = "time limit of \(limit) exceeded"
                vm.pointee.deadlineReason = reason
                let (deadline, item) = Interpreter.startTimer(limit) { token.cancel(reason: reason) }
                vm.pointee.deadline = deadline
                timer = item
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
                unpinReplaced()
            } else {
                vm.pointee.lastValue = savedLast
            }
        }
        vm.pointee.growGlobals(store.count)
        let closure = Closure(proto, captures: [], link: link)
        let argBase = vm.pointee.sp
        defer { vm.pointee.pop(to: argBase) }
        _ = try MemoryMeter.running(memoryMeter) { try invoke(vm, closure, argBase: argBase, argc: 0) }
        let result = vm.pointee.lastValue
        return result
    }

    /// Starts a timer that runs `expire` after `limit`; returns the monotonic deadline
    /// and the timer (cancel it when done).
    static func startTimer(_ limit: Duration, _ expire: @escaping @Sendable () -> Void) -> (UInt64, DispatchWorkItem) {
        let (s, atto) = limit.components
        let nanos = max(1, UInt64(max(0, s)).multipliedReportingOverflow(by: 1_000_000_000).partialValue &+ UInt64(max(0, atto) / 1_000_000_000))
        let item = DispatchWorkItem(block: expire)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(min(nanos, UInt64(Int.max / 2)))), execute: item)
        return (monotonicNanos() &+ nanos, item)
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
        // (The closure is kept alive by `function`, which the caller holds: not retained.)
        if let u = vm.pointee.closure(of: function) { return try callWithOne(vm, u, argument) }
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
        // The common case (an evaluation runs, not cancelled, no check due) without a
        // call; anything else takes the full test out of line.
        if _fastPath(vm.pointee.steps < vm.pointee.nextCheck && vm.pointee.token?.isCancelled == false) { return }
        try checkInterruptNow()
    }

    /// The full interrupt test of `checkInterrupt` (its step already counted).
    @inline(never)
    private func checkInterruptNow() throws {
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
            // The same compile (and error, with the place in the pattern) as `match`.
            let r = try RegexCache.compile(pattern: pattern)
            if regexCache.count > 256 { regexCache.removeAll() }
            regexCache[pattern] = r
            return r
        } catch let e as DshError {
            throw failure(e.message, span)
        }
    }
}
