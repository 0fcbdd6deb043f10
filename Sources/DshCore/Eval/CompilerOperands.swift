// CompilerOperands.swift: binary arithmetic and comparison nodes specialised on the
// shape of their operands. Most operands in loops and recursive functions are locals
// or int literals (`n - 1`, `i < n`, `total + i`): reading a frame slot in place and
// testing `.int` inline saves a closure call and an owned copy of the Value per operand.
// Every node falls back to the generic operator (`Ops`) when an operand is not an int
// or the int operation overflows, so the results and errors are those of `Ops`.

/// How a binary node reads one operand.
enum Operand {
    /// A frame slot (a local not captured by a closure), read in place.
    case local(Int)
    /// An int literal (only on the right; a literal on the left is `code`).
    case int(Int)
    /// Any other expression.
    case code(Code)
}

/// A binary node's operands by shape: which are frame slots (`i`, `j`), int literals
/// (`k`) or code (`a`, `b`). A struct with a plain `kind`, not an enum with payloads:
/// taking a closure out of an enum case copies it (a retain and a release of its
/// context per run), reading a stored property of a captured struct does not.
struct OperandShape {
    enum Kind { case localInt, localLocal, codeInt, codeLocal, localCode, codeCode }
    let kind: Kind
    var i = 0, j = 0, k = 0
    var a: Code = { _ in .null }, b: Code = { _ in .null }
}

/// An arithmetic operator: its int fast path and its generic implementation.
protocol IntArithmetic {
    /// The int result, or nil when the fast path does not apply (overflow, a zero or
    /// negative divisor): the generic path then decides.
    static func int(_ a: Int, _ b: Int) -> Int?
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value
}

/// A comparison operator: its int fast path and its generic implementation.
protocol IntComparison {
    static func int(_ a: Int, _ b: Int) -> Bool
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool
}

enum AddOp: IntArithmetic {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : r
    }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value { try Ops.add(a, b, span) }
}

enum SubtractOp: IntArithmetic {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? nil : r
    }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value { try Ops.subtract(a, b, span) }
}

enum MultiplyOp: IntArithmetic {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value { try Ops.multiply(a, b, span) }
}

enum ModuloOp: IntArithmetic {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Int? { b > 0 ? a % b : nil }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value { try Ops.modulo(a, b, span) }
}

enum LessOp: IntComparison {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Bool { a < b }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        if let (x, y) = Ops.floats(a, b) { return x < y }  // IEEE: false whenever NaN is involved
        return try Ops.compare(a, b, span) < 0
    }
}

enum LessEqualOp: IntComparison {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Bool { a <= b }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        if let (x, y) = Ops.floats(a, b) { return x <= y }  // IEEE: false whenever NaN is involved
        return try Ops.compare(a, b, span) <= 0
    }
}

enum GreaterOp: IntComparison {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Bool { a > b }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        if let (x, y) = Ops.floats(a, b) { return x > y }  // IEEE: false whenever NaN is involved
        return try Ops.compare(a, b, span) > 0
    }
}

enum GreaterEqualOp: IntComparison {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Bool { a >= b }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        if let (x, y) = Ops.floats(a, b) { return x >= y }  // IEEE: false whenever NaN is involved
        return try Ops.compare(a, b, span) >= 0
    }
}

enum EqualOp: IntComparison {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Bool { a == b }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool { try Ops.equals(a, b, span) }
}

enum NotEqualOp: IntComparison {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Bool { a != b }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool { try !Ops.equals(a, b, span) }
}

extension Compiler {
    /// How a binary node should read `e` (`right`: int literals count as such).
    func operand(_ e: Expr, right: Bool) -> Operand {
        if right, case .int(let k) = e.kind { return .int(k) }
        if case .name(let ref) = e.kind, case .local(let i) = slot(of: ref) { return .local(i) }
        return .code(expr(e))
    }

    /// The shape of a binary node's two operands (see `Operand`).
    func shape(_ l: Operand, _ r: Operand) -> OperandShape {
        switch (l, r) {
        case (.local(let i), .int(let k)): return OperandShape(kind: .localInt, i: i, k: k)
        case (.local(let i), .local(let j)): return OperandShape(kind: .localLocal, i: i, j: j)
        case (.code(let a), .int(let k)): return OperandShape(kind: .codeInt, k: k, a: a)
        case (.code(let a), .local(let j)): return OperandShape(kind: .codeLocal, j: j, a: a)
        case (.local(let i), .code(let b)): return OperandShape(kind: .localCode, i: i, b: b)
        default: return OperandShape(kind: .codeCode, a: code(of: l), b: code(of: r))
        }
    }

    /// The shape of `l op r`'s operands.
    func shape(_ l: Expr, _ r: Expr) -> OperandShape {
        shape(operand(l, right: false), operand(r, right: true))
    }

    /// An arithmetic node specialised on its operands' shapes. The left operand is
    /// always evaluated before the right one (a local read has no side effect, and a
    /// local that a closure could change lives in a cell, not in a frame slot).
    static func arithmetic<O: IntArithmetic>(_: O.Type, _ operands: OperandShape, _ span: SourceSpan) -> Code {
        return operands.specialized(ArithmeticNode<O>(operands: operands, span: span)).run
    }

    /// Runs an arithmetic node: the int fast path inline, else the generic operator.
    /// (A switch on the shape costs a jump; it lets a statement that stores the result
    /// run the operator in its own closure, one call fewer than a node of its own.)
    @inline(__always)
    static func arithmetic<O: IntArithmetic, S: ShapeKind>(_: O.Type, _: S.Type, _ operands: OperandShape, _ vm: VM,
                                                           _ span: SourceSpan) throws -> Value {
        try evaluate(S.self, operands, vm, ints: { O.int($0, $1).map { .int($0) } }, values: { try arithmeticSlow(O.self, $0, $1, span) })
    }

    /// The generic operator, out of line: inlined, its error paths gave every node a
    /// large stack frame and register spills on the int path too.
    @inline(never)
    static func arithmeticSlow<O: IntArithmetic>(_: O.Type, _ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        try O.generic(a, b, span)
    }

    /// A comparison used as a condition, specialised on its operands' shapes (see
    /// `arithmetic`).
    static func comparison<O: IntComparison>(_: O.Type, _ operands: OperandShape, _ span: SourceSpan) -> CondCode {
        return operands.specialized(ComparisonNode<O>(operands: operands, span: span)).run
    }

    /// Runs a comparison: the int fast path inline, else the generic operator.
    @inline(__always)
    static func compare<O: IntComparison, S: ShapeKind>(_: O.Type, _: S.Type, _ operands: OperandShape, _ vm: VM,
                                                        _ span: SourceSpan) throws -> Bool {
        try evaluate(S.self, operands, vm, ints: { O.int($0, $1) }, values: { try compareSlow(O.self, $0, $1, span) })
    }

    /// The generic comparison, out of line (see `arithmeticSlow`).
    @inline(never)
    static func compareSlow<O: IntComparison>(_: O.Type, _ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        try O.generic(a, b, span)
    }

    /// Reads a binary node's operands by shape, left first (locals in place, without a
    /// copy), and gives two ints to `ints` (nil: not handled, e.g. an overflow) and any
    /// other pair to `values`. Inlined with both closures into each node; `S` (the
    /// shape's kind, a constant) leaves one case in each node, without a jump.
    @inline(__always)
    static func evaluate<R, S: ShapeKind>(_: S.Type, _ operands: OperandShape, _ vm: VM, ints: (Int, Int) -> R?,
                                          values: (Value, Value) throws -> R) throws -> R {
        let i = operands.i, j = operands.j, k = operands.k
        switch S.kind {
        case .localInt:
            let p = vm.pointee.stack + (vm.pointee.base &+ i)
            if case .int(let x) = p.pointee, let v = ints(x, k) { return v }
            return try values(p.pointee, .int(k))
        case .localLocal:
            let p = vm.pointee.stack + vm.pointee.base
            if case .int(let x) = p[i], case .int(let y) = p[j], let v = ints(x, y) { return v }
            return try values(p[i], p[j])
        case .codeInt:
            let x = try operands.a(vm)
            if case .int(let n) = x, let v = ints(n, k) { return v }
            return try values(x, .int(k))
        case .codeLocal:
            let x = try operands.a(vm)
            let p = vm.pointee.stack + (vm.pointee.base &+ j)
            if case .int(let n) = x, case .int(let y) = p.pointee, let v = ints(n, y) { return v }
            return try values(x, p.pointee)
        case .localCode:
            let y = try operands.b(vm)
            let p = vm.pointee.stack + (vm.pointee.base &+ i)
            if case .int(let x) = p.pointee, case .int(let n) = y, let v = ints(x, n) { return v }
            return try values(p.pointee, y)
        case .codeCode:
            let x = try operands.a(vm), y = try operands.b(vm)
            if case .int(let m) = x, case .int(let n) = y, let v = ints(m, n) { return v }
            return try values(x, y)
        }
    }

    /// `(a op1 b) op2 c` or `c op2 (a op1 b)` (`+ - * %`) where `a` is a local, `b` a
    /// local or an int literal and `c` a local (or an int literal on the right): one
    /// node that runs both int operations, without a node call for the inner one
    /// (`x * k % 1_000`, `total + i * i`). Anything but ints, or an overflow, runs the
    /// two nodes as compiled apart (`unfused`): the operands are frame slots and
    /// literals, so evaluating them again changes nothing.
    func fusedArithmetic(_ op: BinaryOp, _ l: Expr, _ r: Expr, _ span: SourceSpan) -> Code? {
        guard let kit = Compiler.arithmeticKit(op) else { return nil }
        // (Decided on the syntax alone, compiling nothing: a test that compiled the
        // operands would compile a long chain once per level.)
        func local(_ e: Expr) -> Int? {
            if case .name(let ref) = e.kind, case .local(let i) = slot(of: ref) { return i }
            return nil
        }
        func inner(_ e: Expr) -> FusedInner? {
            guard case .binary(let op1, let il, let ir) = e.kind, let innerOp = FusedInner.Op(op1),
                  let i = local(il) else { return nil }
            if let j = local(ir) { return FusedInner(op: innerOp, i: i, n: j, rightIsLocal: true) }
            if case .int(let k) = ir.kind { return FusedInner(op: innerOp, i: i, n: k, rightIsLocal: false) }
            return nil
        }
        let fused: FusedShape
        if let a = inner(l) {
            if let j = local(r) {
                fused = FusedShape(inner: a, innerOnLeft: true, other: j, otherIsLocal: true)
            } else if case .int(let k) = r.kind {
                fused = FusedShape(inner: a, innerOnLeft: true, other: k, otherIsLocal: false)
            } else {
                return nil
            }
        } else if let b = inner(r), let i = local(l) {
            fused = FusedShape(inner: b, innerOnLeft: false, other: i, otherIsLocal: true)
        } else {
            return nil
        }
        return kit.fused(fused, kit.value(shape(l, r), span))
    }

    /// The fused node of `O` (see `fusedArithmetic`).
    static func fusedArithmetic<O: IntArithmetic>(_: O.Type, _ f: FusedShape, _ unfused: @escaping Code) -> Code {
        return { vm in
            let p = vm.pointee.stack + vm.pointee.base
            if let a = f.inner.int(p) {
                let c: Int
                if f.otherIsLocal {
                    guard case .int(let n) = p[f.other] else { return try unfused(vm) }
                    c = n
                } else {
                    c = f.other
                }
                if let v = f.innerOnLeft ? O.int(a, c) : O.int(c, a) { return .int(v) }
            }
            return try unfused(vm)
        }
    }

    /// The arithmetic nodes of `op` (`+ - * %`), or nil.
    static func arithmeticKit(_ op: BinaryOp) -> ArithmeticKit? {
        // Each case names its operator type, so that every node is specialised on it (a
        // type chosen at run time would leave calls through protocol witnesses).
        switch op {
        case .add: return ArithmeticKit(AddOp.self)
        case .subtract: return ArithmeticKit(SubtractOp.self)
        case .multiply: return ArithmeticKit(MultiplyOp.self)
        case .modulo: return ArithmeticKit(ModuloOp.self)
        default: return nil
        }
    }

    /// The comparison nodes of `op` (`< <= > >= == !=`), or nil.
    static func comparisonKit(_ op: BinaryOp) -> ComparisonKit? {
        switch op {
        case .less: return ComparisonKit(LessOp.self)
        case .lessEqual: return ComparisonKit(LessEqualOp.self)
        case .greater: return ComparisonKit(GreaterOp.self)
        case .greaterEqual: return ComparisonKit(GreaterEqualOp.self)
        case .equal: return ComparisonKit(EqualOp.self)
        case .notEqual: return ComparisonKit(NotEqualOp.self)
        default: return nil
        }
    }

    /// An operand as plain code.
    private func code(of o: Operand) -> Code {
        switch o {
        case .local(let i): return load(.local(i))
        case .int(let k): let v = Value.int(k); return { _ in v }
        case .code(let c): return c
        }
    }
}

/// The inner operation of a fused node: a local and a local or an int literal.
struct FusedInner {
    enum Op {
        case add, subtract, multiply, modulo
        init?(_ op: BinaryOp) {
            switch op {
            case .add: self = .add
            case .subtract: self = .subtract
            case .multiply: self = .multiply
            case .modulo: self = .modulo
            default: return nil
            }
        }
    }
    let op: Op
    /// The left local's slot; the right local's slot or the literal.
    let i: Int, n: Int
    let rightIsLocal: Bool

    /// The int result with the frame at `p`, or nil (not ints, an overflow, a divisor
    /// that is not positive).
    @inline(__always)
    func int(_ p: UnsafeMutablePointer<Value>) -> Int? {
        guard case .int(let x) = p[i] else { return nil }
        let y: Int
        if rightIsLocal {
            guard case .int(let m) = p[n] else { return nil }
            y = m
        } else {
            y = n
        }
        switch op {
        case .add: return AddOp.int(x, y)
        case .subtract: return SubtractOp.int(x, y)
        case .multiply: return MultiplyOp.int(x, y)
        case .modulo: return ModuloOp.int(x, y)
        }
    }
}

/// A fused node's operands: the inner operation, on the left or the right, and the
/// other operand (a local's slot, or an int literal on the right).
struct FusedShape {
    let inner: FusedInner
    let innerOnLeft: Bool
    let other: Int
    let otherIsLocal: Bool
}

/// A shape's kind as a type, so that a node's code is specialised on it (see
/// `OperandShape.specialized`).
protocol ShapeKind {
    static var kind: OperandShape.Kind { get }
}

enum LocalIntShape: ShapeKind { static var kind: OperandShape.Kind { .localInt } }
enum LocalLocalShape: ShapeKind { static var kind: OperandShape.Kind { .localLocal } }
enum CodeIntShape: ShapeKind { static var kind: OperandShape.Kind { .codeInt } }
enum CodeLocalShape: ShapeKind { static var kind: OperandShape.Kind { .codeLocal } }
enum LocalCodeShape: ShapeKind { static var kind: OperandShape.Kind { .localCode } }
enum CodeCodeShape: ShapeKind { static var kind: OperandShape.Kind { .codeCode } }

/// A compiled condition, boxed (see `CodeBox`: a closure returned through a generic
/// type would be wrapped in reabstraction thunks).
struct CondBox { let run: CondCode }

/// Makes a node given its shape's kind as a type (returned in a box: see `CondBox`).
protocol ShapeSpecialized {
    associatedtype Node
    func make<S: ShapeKind>(_: S.Type) -> Node
}

extension OperandShape {
    /// `maker`'s node for this shape, its code specialised on the shape's kind.
    func specialized<M: ShapeSpecialized>(_ maker: M) -> M.Node {
        switch kind {
        case .localInt: return maker.make(LocalIntShape.self)
        case .localLocal: return maker.make(LocalLocalShape.self)
        case .codeInt: return maker.make(CodeIntShape.self)
        case .codeLocal: return maker.make(CodeLocalShape.self)
        case .localCode: return maker.make(LocalCodeShape.self)
        case .codeCode: return maker.make(CodeCodeShape.self)
        }
    }
}

/// The nodes of one arithmetic operator, made by code specialised on its type: as an
/// expression, stored into a local, returned, and `x op= k` with an int literal.
struct ArithmeticKit {
    let value: (OperandShape, SourceSpan) -> Code
    let store: (OperandShape, Int, SourceSpan) -> StmtCode
    let returned: (OperandShape, SourceSpan) -> StmtCode
    let update: (SlotRef, Int, SourceSpan) -> StmtCode
    let fused: (FusedShape, @escaping Code) -> Code

    init<O: IntArithmetic>(_: O.Type) {
        fused = { Compiler.fusedArithmetic(O.self, $0, $1) }
        value = { Compiler.arithmetic(O.self, $0, $1) }
        store = { Compiler.storeArithmetic(O.self, $0, local: $1, $2) }
        returned = { Compiler.returnArithmetic(O.self, $0, $1) }
        update = { Compiler.updateByLiteral(O.self, $0, $1, $2) }
    }
}

/// The nodes of one comparison operator, made by code specialised on its type: as a
/// condition, as a `while` loop's and as an `if`'s.
struct ComparisonKit {
    let cond: (OperandShape, SourceSpan) -> CondCode
    let loop: (OperandShape, SourceSpan, @escaping StmtCode) -> StmtCode
    let branch: (OperandShape, SourceSpan, @escaping StmtCode, StmtCode?) -> StmtCode

    init<O: IntComparison>(_: O.Type) {
        cond = { Compiler.comparison(O.self, $0, $1) }
        loop = { Compiler.whileCompare(O.self, $0, $1, $2) }
        branch = { Compiler.ifCompare(O.self, $0, $1, $2, $3) }
    }
}

/// An arithmetic node (`l op r` as a value), for one shape kind.
struct ArithmeticNode<O: IntArithmetic>: ShapeSpecialized {
    let operands: OperandShape, span: SourceSpan
    func make<S: ShapeKind>(_: S.Type) -> CodeBox {
        let operands = operands, span = span
        return CodeBox { vm in try Compiler.arithmetic(O.self, S.self, operands, vm, span) }
    }
}

/// A comparison as a condition, for one shape kind.
struct ComparisonNode<O: IntComparison>: ShapeSpecialized {
    let operands: OperandShape, span: SourceSpan
    func make<S: ShapeKind>(_: S.Type) -> CondBox {
        let operands = operands, span = span
        return CondBox { vm in try Compiler.compare(O.self, S.self, operands, vm, span) }
    }
}
