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

    /// An arithmetic node specialised on its operands' shapes. The left operand is
    /// always evaluated before the right one (a local read has no side effect, and a
    /// local that a closure could change lives in a cell, not in a frame slot).
    func arithmetic<O: IntArithmetic>(_: O.Type, _ l: Operand, _ r: Operand, _ span: SourceSpan) -> Code {
        switch (l, r) {
        case (.local(let i), .int(let k)):
            return { vm in
                let p = vm.pointee.stack + (vm.pointee.base &+ i)
                if case .int(let x) = p.pointee, let v = O.int(x, k) { return .int(v) }
                return try O.generic(p.pointee, .int(k), span)
            }
        case (.local(let i), .local(let j)):
            return { vm in
                let p = vm.pointee.stack + vm.pointee.base
                if case .int(let x) = p[i], case .int(let y) = p[j], let v = O.int(x, y) { return .int(v) }
                return try O.generic(p[i], p[j], span)
            }
        case (.code(let a), .int(let k)):
            return { vm in
                let x = try a(vm)
                if case .int(let n) = x, let v = O.int(n, k) { return .int(v) }
                return try O.generic(x, .int(k), span)
            }
        case (.code(let a), .local(let j)):
            return { vm in
                let x = try a(vm)
                let p = vm.pointee.stack + (vm.pointee.base &+ j)
                if case .int(let n) = x, case .int(let y) = p.pointee, let v = O.int(n, y) { return .int(v) }
                return try O.generic(x, p.pointee, span)
            }
        case (.local(let i), .code(let b)):
            return { vm in
                let y = try b(vm)
                let p = vm.pointee.stack + (vm.pointee.base &+ i)
                if case .int(let x) = p.pointee, case .int(let n) = y, let v = O.int(x, n) { return .int(v) }
                return try O.generic(p.pointee, y, span)
            }
        default:
            let a = code(of: l), b = code(of: r)
            return { vm in
                let x = try a(vm), y = try b(vm)
                if case .int(let m) = x, case .int(let n) = y, let v = O.int(m, n) { return .int(v) }
                return try O.generic(x, y, span)
            }
        }
    }

    /// A comparison used as a condition, specialised on its operands' shapes (see
    /// `arithmetic`).
    func comparison<O: IntComparison>(_: O.Type, _ l: Operand, _ r: Operand, _ span: SourceSpan) -> CondCode {
        switch (l, r) {
        case (.local(let i), .int(let k)):
            return { vm in
                let p = vm.pointee.stack + (vm.pointee.base &+ i)
                if case .int(let x) = p.pointee { return O.int(x, k) }
                return try O.generic(p.pointee, .int(k), span)
            }
        case (.local(let i), .local(let j)):
            return { vm in
                let p = vm.pointee.stack + vm.pointee.base
                if case .int(let x) = p[i], case .int(let y) = p[j] { return O.int(x, y) }
                return try O.generic(p[i], p[j], span)
            }
        case (.code(let a), .int(let k)):
            return { vm in
                let x = try a(vm)
                if case .int(let n) = x { return O.int(n, k) }
                return try O.generic(x, .int(k), span)
            }
        case (.code(let a), .local(let j)):
            return { vm in
                let x = try a(vm)
                let p = vm.pointee.stack + (vm.pointee.base &+ j)
                if case .int(let n) = x, case .int(let y) = p.pointee { return O.int(n, y) }
                return try O.generic(x, p.pointee, span)
            }
        case (.local(let i), .code(let b)):
            return { vm in
                let y = try b(vm)
                let p = vm.pointee.stack + (vm.pointee.base &+ i)
                if case .int(let x) = p.pointee, case .int(let n) = y { return O.int(x, n) }
                return try O.generic(p.pointee, y, span)
            }
        default:
            let a = code(of: l), b = code(of: r)
            return { vm in
                let x = try a(vm), y = try b(vm)
                if case .int(let m) = x, case .int(let n) = y { return O.int(m, n) }
                return try O.generic(x, y, span)
            }
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
