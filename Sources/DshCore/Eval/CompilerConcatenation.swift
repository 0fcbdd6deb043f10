// CompilerConcatenation.swift: a chain of `+` with a string literal or interpolation
// among its operands (`"item" + str(i) + ","`) compiled to one node that writes every
// piece once into a stack buffer (`str(n)` as digits) and makes one string of it,
// instead of a new string per `+`.

extension Compiler {
    /// The operands of the left-nested chain of `+` ending in `l + r` (`a + b + c` is
    /// `(a + b) + c`), each with the span of the `+` that adds it (the first operand:
    /// its own span, unused).
    static func additionChain(_ l: Expr, _ r: Expr, _ span: SourceSpan) -> [(Expr, SourceSpan)] {
        var reversed: [(Expr, SourceSpan)] = [(r, span)]
        var left = l
        while case .binary(.add, let ll, let lr) = left.kind {
            reversed.append((lr, left.span))
            left = ll
        }
        reversed.append((left, left.span))
        return reversed.reversed()
    }

    /// Whether `l + r` compiles to a concatenation node: a chain of `+` with a string
    /// literal or an interpolation among its operands (a chain of numbers keeps the
    /// integer nodes specialised on their operands).
    static func isConcatenation(_ op: BinaryOp, _ l: Expr, _ r: Expr) -> Bool {
        guard op == .add else { return false }
        var operands = [r]
        var left = l
        while case .binary(.add, let ll, let lr) = left.kind {
            operands.append(lr)
            left = ll
        }
        operands.append(left)
        return operands.contains { e in
            switch e.kind {
            case .string, .interpolation: return true
            default: return false
            }
        }
    }

    /// The UTF-8 size of the string in the slot at `p`, or nil when it holds no string
    /// (read in place: no copy of the string).
    @inline(__always)
    static func stringCount(_ p: UnsafeMutablePointer<Value>) -> Int? {
        if case .string(let s) = p.pointee { return s.utf8.count }
        return nil
    }

    /// The concatenation node of `l + r` (see `isConcatenation`): the operands, left to
    /// right, written into one stack buffer (literal texts copied from a buffer made at
    /// compile time, `str(n)` of the built-in `str` as digits, no string made for it) and
    /// made a string once; a piece that does not fit continues in a list of strings
    /// joined once at the end.
    func concatenation(_ l: Expr, _ r: Expr, _ span: SourceSpan) -> Code {
        let operands = Compiler.additionChain(l, r, span)
        var texts: [String] = []
        let plan = operands.map { (e, plus) -> ConcatOperand in
            switch e.kind {
            case .string(let t):
                texts.append(t)
                return ConcatOperand(form: .literal, text: texts.count - 1, code: expr(e), arg: ConcatOperand.noArgument,
                                     global: 0, span: plus, callSpan: e.span)
            case .call(let callee, let args):
                if args.count == 1, args[0].name == nil, case .name(let ref) = callee.kind, ref.name == "str",
                   case .global(let g) = slot(of: ref) {
                    return ConcatOperand(form: .str, text: 0, code: expr(e), arg: expr(args[0].value),
                                         global: g, span: plus, callSpan: e.span)
                }
            default: break
            }
            return ConcatOperand(form: .value, text: 0, code: expr(e), arg: ConcatOperand.noArgument, global: 0,
                                 span: plus, callSpan: e.span)
        }
        let node = ConcatenationNode(plan, LiteralTexts(texts))
        return { vm in try node.run(vm) }
    }
}

/// One operand of a concatenation node.
struct ConcatOperand {
    /// What the operand is.
    enum Form { case literal, str, value }
    let form: Form
    /// `.literal`: the index of its text in the node's `LiteralTexts`.
    let text: Int
    /// The operand compiled as any expression (the path when the chain is not all
    /// strings, and for `str(x)` when `str` is not the built-in).
    let code: Code
    /// `.str`: the argument's code (a closure, not an optional one: taking it out of an
    /// `Optional` retains it on each run).
    let arg: Code
    /// The `arg` of the other forms.
    static func noArgument(_ vm: VM) throws -> Value { .null }
    /// `.str`: the global slot of `str`.
    let global: Int
    /// The span of the `+` that adds the operand (the first: its own span).
    let span: SourceSpan
    /// The operand's own span (of the call, for `.str`).
    let callSpan: SourceSpan
}

/// A compiled chain of `+` with a string literal among its operands.
final class ConcatenationNode {
    /// The operands, read in place (an array element would be copied out, its
    /// closures retained, on each read).
    let operands: UnsafeMutablePointer<ConcatOperand>
    let count: Int
    let texts: LiteralTexts

    init(_ operands: [ConcatOperand], _ texts: LiteralTexts) {
        count = operands.count
        self.operands = .allocate(capacity: count)
        self.operands.initialize(from: operands, count: count)
        self.texts = texts
    }

    deinit {
        operands.deinitialize(count: count)
        operands.deallocate()
    }

    /// Room of the stack buffer the result is written into.
    static let room = 256

    /// Whether the value at `p` is the built-in `str` (read in place, not retained).
    @inline(__always)
    static func isBuiltinStr(_ p: UnsafePointer<Value>) -> Bool {
        guard case .function(let fv) = p.pointee, ObjectIdentifier(type(of: fv)) == ObjectIdentifier(NativeFunction.self)
        else { return false }
        return unsafeDowncast(fv, to: NativeFunction.self).unary?.isStr == true
    }

    /// What an operand gave: bytes already written into the buffer, a string, or a
    /// value that is not a string (the chain continues one `+` at a time).
    enum Piece {
        case written(Int)
        case string(String)
        case other(Value)
    }

    /// Evaluates operand `i` (see `Piece`): a literal or the digits of `str(n)` are
    /// written at `out` when `room` bytes hold them.
    @inline(__always)
    func piece(_ i: Int, _ vm: VM, _ out: UnsafeMutablePointer<UInt8>, room: Int) throws -> Piece {
        let op = operands + i
        switch op.pointee.form {
        case .literal:
            let n = texts.count(op.pointee.text)
            if n <= room {
                texts.copy(op.pointee.text, to: out)
                return .written(n)
            }
            return .string(texts.strings[op.pointee.text])
        case .str:
            // As a call of the built-in: the callee read first, then the argument, then
            // the step counted (`Compiler.call1`); the result is `str`'s.
            guard ConcatenationNode.isBuiltinStr(vm.pointee.globals + op.pointee.global) else {
                return ConcatenationNode.piece(try op.pointee.code(vm))
            }
            let x = try op.pointee.arg(vm)
            do { try tick(vm) } catch { throw attachSpan(error, op.pointee.callSpan) }
            switch x {
            case .int(let n) where room >= 20:
                return .written(DecimalText.write(n, to: out))
            case .string(let s):
                return .string(s)
            default:
                return .string(x.displayString)
            }
        case .value:
            return ConcatenationNode.piece(try op.pointee.code(vm))
        }
    }

    @inline(__always)
    static func piece(_ v: consuming Value) -> Piece {
        if case .string(let s) = v { return .string(s) }
        return .other(v)
    }

    /// Evaluates the operands left to right. While they are strings, each `+` checks the
    /// size limit and reports to the memory meter exactly what `Ops.addSlow` would (the
    /// running total, at that `+`'s span), but the result is built once at the end. The
    /// first operand that is not a string gets the strings so far joined, and the rest of
    /// the chain runs as separate `+` (same results and errors).
    func run(_ vm: VM) throws -> Value {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ConcatenationNode.room) { buf in
            let out = buf.baseAddress.unsafelyUnwrapped
            let room = ConcatenationNode.room
            // Bytes in the buffer, strings before them (the buffer's earlier contents among
            // them), and the size of everything so far.
            var k = 0
            var parts: [String] = []
            var total = 0
            let n = count
            var i = 0
            while i < n {
                let p = try piece(i, vm, out + k, room: room &- k)
                let size: Int
                switch p {
                case .written(let w): size = w
                case .string(let s): size = s.utf8.count
                case .other(let v):
                    if i == 0 { return try Concatenation.pairwise(vm, v, operands, count, from: 1) }
                    let sofar = Value.string(Concatenation.join(parts, out, k, total))
                    let acc = try Ops.add(sofar, v, operands[i].span)
                    return try Concatenation.pairwise(vm, acc, operands, count, from: i &+ 1)
                }
                if i > 0 { total = try Concatenation.grow(total, size, operands + i) } else { total = size }
                switch p {
                case .written(let w):
                    k &+= w
                case .string(let s):
                    if size <= room &- k {
                        k &+= UTF8Bytes.copy(s, to: out + k)
                    } else {
                        if k > 0 { parts.append(UTF8Bytes.string(out, count: k)); k = 0 }
                        parts.append(s)
                    }
                case .other: preconditionFailure()
                }
                i &+= 1
            }
            return .string(Concatenation.join(parts, out, k, total))
        }
    }
}

/// The steps of concatenation nodes.
enum Concatenation {
    /// The rest of a chain from operand `k` on, one `+` at a time.
    @inline(never)
    static func pairwise(_ vm: VM, _ start: Value, _ operands: UnsafeMutablePointer<ConcatOperand>, _ count: Int,
                         from k: Int) throws -> Value {
        var acc = start
        for i in k..<count { acc = try Ops.add(acc, try operands[i].code(vm), operands[i].span) }
        return acc
    }

    /// The size of a string of `total` bytes with `count` bytes added by operand `op`,
    /// after the checks of a string `+` at its span: the size limit, then the memory
    /// meter (the new string). (The span is read only when needed: a copy retains its file.)
    @inline(__always)
    static func grow(_ total: Int, _ count: Int, _ op: UnsafeMutablePointer<ConcatOperand>) throws -> Int {
        let n = total &+ count
        if n > SizeLimits.maxBytes { throw tooLong(op) }
        if MemoryMeter.current != nil { try charge(n, op) }
        return n
    }

    @inline(never)
    static func tooLong(_ op: UnsafeMutablePointer<ConcatOperand>) -> DshError { Compiler.tooLong(op.pointee.span) }

    @inline(never)
    static func charge(_ n: Int, _ op: UnsafeMutablePointer<ConcatOperand>) throws {
        try MemoryMeter.charge(new: n, op.pointee.span)
    }

    /// `parts` then the `k` bytes at `tail` (`total` bytes in all) as one string.
    static func join(_ parts: [String], _ tail: UnsafeMutablePointer<UInt8>, _ k: Int, _ total: Int) -> String {
        if parts.isEmpty { return UTF8Bytes.string(tail, count: k) }
        if parts.count == 1 && k == 0 { return parts[0] }
        if total == 0 { return "" }
        return String(unsafeUninitializedCapacity: total) { buf in
            let out = buf.baseAddress!
            var n = 0
            for p in parts { n &+= UTF8Bytes.copy(p, to: out + n) }
            UTF8Bytes.copy(tail, to: out + n, count: k)
            return n &+ k
        }
    }
}
