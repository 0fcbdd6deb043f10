// CompilerConcatenation.swift: a chain of `+` with a string literal or interpolation
// among its operands (`"item" + str(i) + ","`) compiled to one node that sizes the
// result first and copies every piece once, instead of a new string per `+`.

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

    /// The concatenation node of `l + r` (see `isConcatenation`). Chains of two and
    /// three operands (the common ones) have nodes of their own, with their closures and
    /// spans captured one by one (no array read, no span copied per run).
    func concatenation(_ l: Expr, _ r: Expr, _ span: SourceSpan) -> Code {
        let operands = Compiler.additionChain(l, r, span)
        let spans = operands.map(\.1)
        // (Each closure made straight into its own constant: one taken out of an array
        // would be called through two reabstraction thunks.)
        switch operands.count {
        case 2:
            let c0 = expr(operands[0].0), c1 = expr(operands[1].0), s1 = spans[1]
            return { vm in
                let v0 = try c0(vm)
                guard case .string = v0 else { return try Ops.add(v0, try c1(vm), s1) }
                let v1 = try c1(vm)
                guard case .string = v1 else { return try Ops.add(v0, v1, s1) }
                guard case .string(let a) = consume v0, case .string(let b) = consume v1 else { preconditionFailure() }
                let n = try Concatenation.grow(a.utf8.count, b, s1)
                return .string(Concatenation.join(a, b, total: n))
            }
        case 3:
            let c0 = expr(operands[0].0), c1 = expr(operands[1].0), c2 = expr(operands[2].0)
            let s1 = spans[1], s2 = spans[2]
            return { vm in
                let v0 = try c0(vm)
                guard case .string = v0 else {
                    return try Ops.add(try Ops.add(v0, try c1(vm), s1), try c2(vm), s2)
                }
                let v1 = try c1(vm)
                guard case .string = v1 else { return try Ops.add(try Ops.add(v0, v1, s1), try c2(vm), s2) }
                // (Moved out of the values: no copy of each string and no release of each value.)
                guard case .string(let a) = consume v0, case .string(let b) = consume v1 else { preconditionFailure() }
                let ab = try Concatenation.grow(a.utf8.count, b, s1)
                let v2 = try c2(vm)
                guard case .string = v2 else {
                    return try Ops.add(.string(Concatenation.join(a, b, total: ab)), v2, s2)
                }
                guard case .string(let c) = consume v2 else { preconditionFailure() }
                let n = try Concatenation.grow(ab, c, s2)
                return .string(Concatenation.join(a, b, c, total: n))
            }
        default:
            let boxes = operands.map { CodeBox(run: expr($0.0)) }
            return { vm in try Concatenation.run(vm, boxes, spans) }
        }
    }
}

/// Runs concatenation nodes.
enum Concatenation {
    /// Evaluates the operands left to right. While they are strings, each `+` checks the
    /// size limit and reports to the memory meter exactly what `Ops.addSlow` would (the
    /// running total, at that `+`'s span), but the result is built once at the end. The
    /// first operand that is not a string gets the strings so far joined, and the rest of
    /// the chain runs as separate `+` (same results and errors).
    static func run(_ vm: VM, _ codes: [CodeBox], _ spans: [SourceSpan]) throws -> Value {
        let first = try codes[0].run(vm)
        guard case .string(let s0) = first else { return try pairwise(vm, first, codes, spans, from: 1) }
        let n = codes.count
        return try withUnsafeTemporaryAllocation(of: String.self, capacity: n) { buf in
            let parts = buf.baseAddress!
            parts.initialize(to: s0)
            var count = 1
            defer { parts.deinitialize(count: count) }
            var total = s0.utf8.count
            while count < n {
                let v = try codes[count].run(vm)
                guard case .string(let s) = v else {
                    let sofar = Value.string(join(parts, count, total))
                    return try pairwise(vm, try Ops.add(sofar, v, spans[count]), codes, spans, from: count &+ 1)
                }
                total = try grow(total, s, spans[count])
                (parts + count).initialize(to: s)
                count &+= 1
            }
            return .string(join(parts, count, total))
        }
    }

    /// The rest of a chain from operand `k` on, one `+` at a time.
    @inline(never)
    static func pairwise(_ vm: VM, _ start: Value, _ codes: [CodeBox], _ spans: [SourceSpan], from k: Int) throws -> Value {
        var acc = start
        for i in k..<codes.count { acc = try Ops.add(acc, try codes[i].run(vm), spans[i]) }
        return acc
    }

    /// The size of a string of `total` bytes with `s` added, after the checks of a
    /// string `+` at `span`: the size limit, then the memory meter (the new string).
    @inline(__always)
    static func grow(_ total: Int, _ s: String, _ span: SourceSpan) throws -> Int {
        let n = total &+ s.utf8.count
        if n > SizeLimits.maxBytes { throw Compiler.tooLong(span) }
        try MemoryMeter.charge(new: n, span)
        return n
    }

    /// `a` and `b` (of `total` bytes together) joined.
    static func join(_ a: String, _ b: String, total: Int) -> String {
        if total == 0 { return "" }
        return String(unsafeUninitializedCapacity: total) { buf in
            let out = buf.baseAddress!
            let k = UTF8Bytes.copy(a, to: out)
            return k &+ UTF8Bytes.copy(b, to: out + k)
        }
    }

    /// `a`, `b` and `c` (of `total` bytes together) joined.
    static func join(_ a: String, _ b: String, _ c: String, total: Int) -> String {
        if total == 0 { return "" }
        return String(unsafeUninitializedCapacity: total) { buf in
            let out = buf.baseAddress!
            var k = UTF8Bytes.copy(a, to: out)
            k &+= UTF8Bytes.copy(b, to: out + k)
            return k &+ UTF8Bytes.copy(c, to: out + k)
        }
    }

    /// The `count` strings at `parts` (of `total` UTF-8 bytes) joined into one.
    static func join(_ parts: UnsafeMutablePointer<String>, _ count: Int, _ total: Int) -> String {
        if count == 1 { return parts[0] }
        if total == 0 { return "" }
        return String(unsafeUninitializedCapacity: total) { buf in
            let out = buf.baseAddress!
            var k = 0
            for i in 0..<count { k &+= UTF8Bytes.copy(parts[i], to: out + k) }
            return k
        }
    }
}
