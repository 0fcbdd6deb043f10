// Closure.swift: compiled functions (prototypes) and the closures made from them.

/// Where a new closure takes each captured cell from.
enum CompiledCapture {
    /// The enclosing frame's cell.
    case cell(Int)
    /// The enclosing closure's capture.
    case capture(Int)
}

/// A compiled function: everything a call needs, made once per `fn` in the source.
final class FunctionProto {
    let name: String
    let paramNames: [String]
    /// Default value code per parameter (evaluated in the callee's frame).
    let defaults: [Code?]
    let slotCount: Int
    let cellCount: Int
    /// Parameters that live in cells: (slot, cell).
    let cellParams: [(Int, Int)]
    let captures: [CompiledCapture]
    let hasDefer: Bool
    let span: SourceSpan
    /// (Constants, like every field a call reads: a call then borrows them from the
    /// prototype instead of retaining them for fear that they change meanwhile.)
    let body: StmtCode
    /// When the body ends with `return e` in a function without cells or defers
    /// (`returnsExpr`): the code of `e`, which a call evaluates directly instead of
    /// storing and reloading the machine's return value, after running the statements
    /// before it (`lead`, when `hasLead`): a lead that returns (`if n < 2 { return n }`)
    /// leaves its value in the machine as usual. (Not Optionals: a call would retain an
    /// optional closure's context before running it.)
    let returned: Code
    let returnsExpr: Bool
    let lead: StmtCode
    let hasLead: Bool
    /// One line of help (its signature).
    let signature: String

    let paramCount: Int
    /// No cells, captures or defers: a call needs no set-up beyond the frame.
    let isPlain: Bool
    /// Captures, but no cells or defers: a call only points the machine at its captures.
    let capturesOnly: Bool

    init(node: FunctionNode, defaults: [Code?], captures: [CompiledCapture], body: @escaping StmtCode,
         returnedExpr: CodeBox? = nil, lead: StmtBox? = nil) {
        name = node.name
        paramNames = node.params.map(\.name)
        self.defaults = defaults
        slotCount = max(node.slotCount, node.params.count)
        cellCount = node.cellCount
        cellParams = node.params.compactMap { p in
            guard let v = p.variable, v.isCaptured else { return nil }
            return (v.index, v.cellIndex)
        }
        self.captures = captures
        self.body = body
        // (`if let`, not `??`: a closure passed through a generic function comes back
        // wrapped in reabstraction thunks, two more calls on every run.)
        if let returnedExpr { returned = returnedExpr.run } else { returned = { _ in .null } }
        returnsExpr = returnedExpr != nil
        if let lead { self.lead = lead.run } else { self.lead = { _ in .normal } }
        hasLead = lead != nil
        hasDefer = node.hasDefer
        paramCount = paramNames.count
        isPlain = FunctionProto.isPlain(node, captures)
        capturesOnly = !captures.isEmpty && FunctionProto.isPlain(node, [])
        span = node.span
        // Built by hand: the first `joined(separator:)` of a process costs a scan of the
        // runtime's conformance tables (~0.2 M instructions of a `dsh -c` start).
        var sig = "fn " + node.name + "("
        for (i, p) in node.params.enumerated() {
            if i > 0 { sig += ", " }
            sig += p.defaultValue == nil ? p.name : p.name + " = …"
        }
        signature = sig + ")"
    }

    /// Whether a function of `node` capturing `captures` needs no call set-up beyond its frame.
    static func isPlain(_ node: FunctionNode, _ captures: [CompiledCapture]) -> Bool {
        node.cellCount == 0 && captures.isEmpty && !node.hasDefer
    }
}

/// The way back from the closures and modules of an interpreter to the interpreter.
///
/// Closures and modules must not keep their interpreter alive (it owns them: a cycle),
/// and a `weak` reference would move the interpreter's reference count into a side
/// table, making every retain/release of it take the slow path. So the link holds it
/// `unowned(unsafe)` and the interpreter's `deinit` clears `isAlive`: a closure that
/// outlives its interpreter (kept by a host) throws "its interpreter is gone" when
/// called instead of touching freed memory. The link itself is reference counted by
/// the closures, so its identity (`owner`) is never reused while one of them exists.
final class InterpreterLink {
    unowned(unsafe) var interpreter: Interpreter?
    var isAlive = true

    /// The interpreter, or nil once it is gone.
    @inline(__always) var live: Interpreter? { isAlive ? interpreter : nil }
}

/// A function made by a script: a prototype plus the cells it captured.
final class Closure: FunctionValue {
    let proto: FunctionProto
    /// The captured cells, in a buffer of its own, which a call makes the machine's
    /// `captures` (a pointer, valid while the closure lives: the caller holds it).
    let capturedCells: UnsafeMutablePointer<Cell>
    let captureCount: Int
    /// Kept alive by its interpreter (a top-level function): calls need not retain it.
    @exclusivity(unchecked) var isPinned = false
    let link: InterpreterLink
    /// The interpreter it belongs to (its link's identity), for a cheap "is it mine" test.
    let owner: ObjectIdentifier

    init(_ proto: FunctionProto, captures: ContiguousArray<Cell>, link: InterpreterLink) {
        self.proto = proto
        captureCount = captures.count
        capturedCells = .allocate(capacity: captures.count)
        for (i, cell) in captures.enumerated() { (capturedCells + i).initialize(to: cell) }
        self.link = link
        self.owner = ObjectIdentifier(link)
        super.init(name: proto.name)
    }

    deinit {
        capturedCells.deinitialize(count: captureCount)
        capturedCells.deallocate()
    }

    /// The machine's `captures` outside any closure (an empty buffer, never freed).
    nonisolated(unsafe) static let noCaptures = UnsafeMutablePointer<Cell>.allocate(capacity: 0)

    /// Calls the closure on its interpreter (natives may call it with any runtime).
    override func call(_ args: Arguments, _ runtime: any Runtime) throws -> Value {
        guard let interp = link.live else { throw DshError.runtime("\(name): its interpreter is gone") }
        return try interp.callClosure(self, args)
    }
}

/// A marker for parameters not given by a call with named arguments.
nonisolated(unsafe) let missingArgument = ErrorValue(message: "<missing argument>")

@inline(__always) func isMissing(_ v: Value) -> Bool {
    if case .error(let e) = v, e === missingArgument { return true }
    return false
}
