// Operators.swift: arithmetic, comparison, membership and regex matching on values.
// Integer fast paths are inlined into compiled code; everything else is out of line.

/// The operator implementations.
enum Ops {
    @inline(never)
    static func overflow(_ span: SourceSpan) -> DshError { failure("integer overflow", span) }

    @inline(never)
    static func typeError(_ verb: String, _ a: Value, _ b: Value, _ span: SourceSpan) -> DshError {
        failure("cannot \(verb) \(a.typeName) and \(b.typeName)", span)
    }

    /// Both as doubles, when both are numbers and at least one is a float.
    @inline(__always)
    static func floats(_ a: Value, _ b: Value) -> (Double, Double)? {
        switch (a, b) {
        case let (.float(x), .float(y)): return (x, y)
        case let (.int(x), .float(y)): return (Double(x), y)
        case let (.float(x), .int(y)): return (x, Double(y))
        default: return nil
        }
    }

    // MARK: Arithmetic

    @inline(__always)
    static func add(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw overflow(span) }
            return .int(r)
        }
        return try addSlow(a, b, span)
    }

    @inline(never)
    static func addSlow(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if let (x, y) = floats(a, b) { return .float(x + y) }
        switch (a, b) {
        case let (.string(x), .string(y)):
            try sizeCheck(x.utf8.count, y.utf8.count, SizeLimits.maxBytes, "string", span)
            try MemoryMeter.charge(new: x.utf8.count &+ y.utf8.count, span)
            return .string(x + y)
        case let (.list(x), .list(y)):
            try sizeCheck(x.items.count, y.items.count, SizeLimits.maxItems, "list", span)
            try MemoryMeter.charge(new: (x.items.count &+ y.items.count) &* MemoryCensus.slot, span)
            return .list(ListRef(x.items + y.items))
        case let (.map(x), .map(y)):
            try MemoryMeter.charge(new: (x.entries.count &+ y.entries.count) &* MemoryCensus.slot, span)
            var merged = x.entries
            for (k, v) in y.entries { merged[k] = v }
            return .map(MapRef(merged))
        case let (.bytes(x), .bytes(y)):
            try sizeCheck(x.count, y.count, SizeLimits.maxBytes, "bytes value", span)
            try MemoryMeter.charge(new: x.count &+ y.count, span)
            return .bytes(x + y)
        default: throw typeError("add", a, b, span)
        }
    }

    /// Throws at `span` when joining `a` and `b` units would pass `limit`.
    private static func sizeCheck(_ a: Int, _ b: Int, _ limit: Int, _ what: String, _ span: SourceSpan) throws {
        do { try SizeLimits.checkSum(a, b, limit: limit, what) } catch let e as DshError { throw failure(e.message, span) }
    }

    /// `a += b`: like `+`, but a list or map on the left is extended in place (as in
    /// Python), so `xs += [x]` appends without copying.
    @inline(__always)
    static func addAssign(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw overflow(span) }
            return .int(r)
        }
        switch (a, b) {
        case let (.list(x), .list(y)):
            try sizeCheck(x.items.count, y.items.count, SizeLimits.maxItems, "list", span)
            if let m = MemoryMeter.current { try m.charge(MemoryMeter.footprint(y.items), at: span) }
            x.items.append(contentsOf: y.items)
            return a
        case let (.map(x), .map(y)):
            try MemoryMeter.charge(y.entries.count &* MemoryCensus.slot, span)
            for (k, v) in y.entries { x.entries[k] = v }
            return a
        default:
            return try addSlow(a, b, span)
        }
    }

    @inline(__always)
    static func subtract(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw overflow(span) }
            return .int(r)
        }
        if let (x, y) = floats(a, b) { return .float(x - y) }
        throw typeError("subtract", a, b, span)
    }

    @inline(__always)
    static func multiply(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw overflow(span) }
            return .int(r)
        }
        return try multiplySlow(a, b, span)
    }

    @inline(never)
    static func multiplySlow(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if let (x, y) = floats(a, b) { return .float(x * y) }
        switch (a, b) {
        case let (.string(s), .int(n)), let (.int(n), .string(s)):
            guard n >= 0 else { throw failure("cannot repeat a string a negative number of times", span) }
            do { try SizeLimits.checkProduct(s.utf8.count, n, limit: SizeLimits.maxBytes, "string") } catch let e as DshError {
                throw failure(e.message, span)
            }
            try MemoryMeter.charge(new: s.utf8.count &* n, span)
            return .string(UTF8Bytes.repeated(s, n))
        default: throw typeError("multiply", a, b, span)
        }
    }

    @inline(never)
    static func divide(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            if y == 0 { throw failure("division by zero", span) }
            let (r, o) = x.dividedReportingOverflow(by: y)
            if o { throw overflow(span) }
            return .int(r)
        }
        if let (x, y) = floats(a, b) { return .float(x / y) }
        throw typeError("divide", a, b, span)
    }

    @inline(never)
    static func floorDivide(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            if y == 0 { throw failure("division by zero", span) }
            let (q, o) = x.dividedReportingOverflow(by: y)
            if o { throw overflow(span) }
            return .int((x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q)
        }
        if let (x, y) = floats(a, b) { return .float((x / y).rounded(.down)) }
        throw typeError("divide", a, b, span)
    }

    @inline(never)
    static func modulo(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            if y == 0 { throw failure("division by zero", span) }
            let (r, o) = x.remainderReportingOverflow(dividingBy: y)
            if o { return .int(0) }
            return .int(r)
        }
        if let (x, y) = floats(a, b) { return .float(x.truncatingRemainder(dividingBy: y)) }
        throw typeError("take the remainder of", a, b, span)
    }

    @inline(never)
    static func negate(_ a: Value, _ span: SourceSpan) throws -> Value {
        switch a {
        case .int(let x):
            if x == Int.min { throw overflow(span) }
            return .int(-x)
        case .float(let d): return .float(-d)
        default: throw failure("cannot negate \(a.typeName)", span)
        }
    }

    // MARK: Comparison

    @inline(__always)
    static func compare(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Int {
        if case .int(let x) = a, case .int(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
        return try compareSlow(a, b, span)
    }

    @inline(never)
    static func compareSlow(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Int {
        do { return try Value.compare(a, b) } catch { throw attachSpan(error, span) }
    }

    @inline(__always)
    static func equals(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        if case .int(let x) = a, case .int(let y) = b { return x == y }
        return try equalsSlow(a, b, span)
    }

    @inline(never)
    static func equalsSlow(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Bool {
        do { return try Value.equals(a, b) } catch { throw attachSpan(error, span) }
    }

    // MARK: Membership

    static func contains(_ container: Value, _ item: Value, _ vm: VM, _ span: SourceSpan) throws -> Bool {
        switch container {
        case .list(let l):
            return try l.items.contains { try equalsSlow($0, item, span) }
        case .map(let m):
            guard case .string(let k) = item else { return false }
            return m.entries[k] != nil
        case .string(let s):
            guard case .string(let sub) = item else {
                throw failure("'in' on a string needs a string on the left, not \(item.typeName)", span)
            }
            return sub.isEmpty || s.contains(sub)
        case .bytes(let b):
            guard case .int(let x) = item else { return false }
            return b.contains { Int($0) == x }
        case .stream(let s):
            while let v = try s.next(vm.pointee.interpreter) {
                if try equalsSlow(v, item, span) { return true }
                try vm.pointee.interpreter.checkInterrupt()
            }
            return false
        case .object(let o):
            if let plain = o.plainValue { return try contains(plain, item, vm, span) }
            throw failure("'in' needs a list, map, string or stream on the right, not \(o.typeName)", span)
        default:
            throw failure("'in' needs a list, map, string or stream on the right, not \(container.typeName)", span)
        }
    }

    // MARK: Regex

    static func match(_ a: Value, _ b: Value, _ vm: VM, _ span: SourceSpan) throws -> Bool {
        guard case .string(let s) = a else { throw failure("'=~' needs a string on the left, not \(a.typeName)", span) }
        guard case .string(let pattern) = b else { throw failure("'=~' needs a pattern string on the right, not \(b.typeName)", span) }
        let regex = try vm.pointee.interpreter.regex(pattern, span)
        return s.contains(regex)
    }
}
