// Compiler.swift: turns the resolved syntax tree into a tree of Swift closures, once;
// running a script is then calling closures. This file compiles expressions; the
// statements are in CompilerStatements.swift.

/// Where a variable lives at run time.
enum SlotRef {
    case local(Int)
    case cell(Int)
    case capture(Int)
    case global(Int)
}

/// Compiles resolved functions into prototypes.
final class Compiler {
    unowned let interpreter: Interpreter

    /// The interpreter's memory meter (nil without a limit), captured by the compiled
    /// growth points: without a limit they test a captured nil, nothing more.
    var memoryMeter: MemoryMeter? { interpreter.memoryMeter }

    init(interpreter: Interpreter) {
        self.interpreter = interpreter
    }

    // MARK: - Variables

    func slot(of v: Variable) -> SlotRef {
        if v.isGlobal { return .global(v.index) }
        return v.isCaptured ? .cell(v.cellIndex) : .local(v.index)
    }

    func slot(of ref: NameRef) -> SlotRef {
        switch ref.target {
        case .local(let v): return slot(of: v)
        case .capture(let i): return .capture(i)
        case .global(let g): return .global(g)
        case .unresolved: preconditionFailure("unresolved name '\(ref.name)'")
        }
    }

    func load(_ s: SlotRef) -> Code {
        switch s {
        case .local(let i): return { vm in vm.pointee.stack[vm.pointee.base &+ i] }
        case .cell(let c): return { vm in vm.pointee.cells[vm.pointee.cellBase &+ c].value }
        case .capture(let i): return { vm in vm.pointee.captures[i].value }
        case .global(let g): return { vm in vm.pointee.globals[g] }
        }
    }

    /// A store into a variable; `declare` makes a fresh cell (a new binding).
    func store(_ s: SlotRef, declare: Bool) -> (VM, Value) -> Void {
        switch s {
        case .local(let i): return { vm, v in vm.pointee.stack[vm.pointee.base &+ i] = v }
        case .cell(let c):
            if declare { return { vm, v in vm.pointee.cells[vm.pointee.cellBase &+ c] = Cell(v) } }
            return { vm, v in vm.pointee.cells[vm.pointee.cellBase &+ c].value = v }
        case .capture(let i): return { vm, v in vm.pointee.captures[i].value = v }
        case .global(let g): return { vm, v in vm.pointee.globals[g] = v }
        }
    }

    // MARK: - Functions

    func function(_ node: FunctionNode) -> FunctionProto {
        let defaults: [Code?] = node.params.map { p in p.defaultValue.map { expr($0) } }
        let captures: [CompiledCapture] = node.captures.map { src in
            switch src {
            case .enclosingCell(let v): return .cell(v.cellIndex)
            case .enclosingCapture(let i): return .capture(i)
            }
        }
        if FunctionProto.isPlain(node, []), let last = node.body.last, case .returnValue(let e?) = last.kind {
            // A function without cells or defers that ends with `return e` (`x => e`,
            // `fn f(n) { if n < 2 { return n }; return f(n - 1) + f(n - 2) }`): a call runs
            // the statements before it (`lead`), then evaluates `e` directly instead of
            // storing and reloading the machine's return value. `e` is compiled once; the
            // whole body (lead, then what the `return` statement compiles to) is kept for
            // any other runner.
            // (The lead in a box: an Optional closure would be wrapped in reabstraction thunks.)
            let leadBox = node.body.count > 1 ? StmtBox(run: block(Array(node.body.dropLast()))) : nil
            let c = expr(e)
            let body: StmtCode
            if let leadBox {
                let lead = leadBox.run
                body = { vm in
                    let f = try lead(vm)
                    if f != .normal { return f }
                    vm.pointee.returnValue = try c(vm)
                    return .returned
                }
            } else {
                body = { vm in
                    vm.pointee.returnValue = try c(vm)
                    return .returned
                }
            }
            return FunctionProto(node: node, defaults: defaults, captures: captures, body: body,
                                 returnedExpr: CodeBox(run: c), lead: leadBox)
        }
        return FunctionProto(node: node, defaults: defaults, captures: captures, body: block(node.body))
    }

    /// Code that makes a closure of `proto` capturing from the current frame.
    func makeClosure(_ proto: FunctionProto) -> (VM) -> Closure {
        let sources = proto.captures
        // The link, not the interpreter: compiled code must not keep its interpreter alive.
        let link = interpreter.link
        if sources.isEmpty {
            return { _ in Closure(proto, captures: [], link: link) }
        }
        return { vm in
            var caps = ContiguousArray<Cell>()
            caps.reserveCapacity(sources.count)
            for s in sources {
                switch s {
                case .cell(let c): caps.append(vm.pointee.cells[vm.pointee.cellBase &+ c])
                case .capture(let i): caps.append(vm.pointee.captures[i])
                }
            }
            return Closure(proto, captures: caps, link: link)
        }
    }

    // MARK: - Expressions

    /// Appends `v` as interpolation shows it: strings and ints without the generic
    /// formatter, anything else through `displayString`. The result may not pass
    /// `SizeLimits.maxBytes` (`"${s}${s}"` would otherwise double a string without end).
    @inline(__always)
    static func appendDisplay(_ v: Value, to out: inout String, _ span: SourceSpan) throws {
        switch v {
        case .string(let s):
            if out.utf8.count &+ s.utf8.count > SizeLimits.maxBytes { throw tooLong(span) }
            out += s
        case .int(let n): out += DecimalText.string(n)
        default:
            let text = v.displayString
            if out.utf8.count &+ text.utf8.count > SizeLimits.maxBytes { throw tooLong(span) }
            out += text
        }
    }

    @inline(never)
    static func tooLong(_ span: SourceSpan) -> DshError {
        failure(SizeLimits.tooLarge("string", SizeLimits.maxBytes).message, span)
    }

    /// `pre`, the decimal digits of `n`, then `post`, written into a stack buffer and
    /// made a string once, unvalidated (`UTF8Bytes.wholeString`; up to 15 bytes it is a
    /// small string).
    static func interpolate(_ texts: LiteralTexts, _ n: Int) -> String {
        let digits = DecimalText.count(n)
        let pre = texts.count(0)
        let total = pre &+ digits &+ texts.count(1)
        return SizedInterpolation.make(total, knownASCII: texts.isASCII) { out in
            texts.copy(0, to: out)
            DecimalText.write(n, length: digits, to: out + pre)
            texts.copy(1, to: out + (pre &+ digits))
            return total
        }
    }

    /// Room of the stack buffer an interpolation is written into before it becomes a
    /// string; a longer result continues in a `String`.
    static let interpolationBuffer = 256

    /// An interpolation of several parts: text k precedes the value of part k, the
    /// last text follows the last value. Ints and strings are written into one stack
    /// buffer (texts and strings copied whole, digits two at a time) and made a string
    /// once (no `String(n)` and no appends that regrow a string); another value, or a
    /// result longer than the buffer, continues in a `String` from where the buffer ended.
    static func interpolate<P: InterpolationParts>(_ vm: VM, _ texts: LiteralTexts, _ parts: P,
                                                   _ span: SourceSpan) throws -> String {
        /// Appends the parts from `part` on to `out`.
        func rest(_ out: inout String, from part: Int) throws {
            for p in part..<parts.count {
                try appendDisplay(try parts.run(p, vm), to: &out, span)
                out += texts.strings[p &+ 1]
            }
        }
        if texts.count(0) > interpolationBuffer {
            var out = texts.strings[0]
            try rest(&out, from: 0)
            return out
        }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: interpolationBuffer) { buf in
            let room = buf.count
            let out = buf.baseAddress!
            var k = texts.count(0)
            texts.copy(0, to: out)
            var part = 0
            while part < parts.count {
                let after = texts.count(part &+ 1)
                // (A switch on the value as it comes: no copy of it for each test.)
                switch try parts.run(part, vm) {
                case .int(let n) where k &+ 20 &+ after <= room:
                    k &+= DecimalText.write(n, to: out + k)
                case .string(let s) where k &+ s.utf8.count &+ after <= room:
                    k &+= UTF8Bytes.copy(s, to: out + k)
                case let v:
                    // The rest in a String (the size check of `appendDisplay` applies).
                    var text = UTF8Bytes.string(out, count: k)
                    try appendDisplay(v, to: &text, span)
                    text += texts.strings[part &+ 1]
                    try rest(&text, from: part &+ 1)
                    return text
                }
                texts.copy(part &+ 1, to: out + k)
                k &+= after
                part &+= 1
            }
            return UTF8Bytes.wholeString(out, count: k, knownASCII: false)
        }
    }

    func expr(_ e: Expr) -> Code {
        let span = e.span
        switch e.kind {
        case .null: return { _ in .null }
        case .bool(let b): let v = Value.bool(b); return { _ in v }
        case .int(let i): let v = Value.int(i); return { _ in v }
        case .float(let d): let v = Value.float(d); return { _ in v }
        case .string(let s): let v = Value.string(s); return { _ in v }
        case .interpolation(let parts):
            // texts[k] precedes codes[k]; the last text follows the last code.
            var texts: [String] = [], codes: [CodeBox] = []
            var pending = ""
            for p in parts {
                switch p {
                case .text(let t): pending += t
                case .expr(let x): texts.append(pending); pending = ""; codes.append(CodeBox(run: expr(x)))
                }
            }
            texts.append(pending)
            // Short results stay small (inline) strings; only reserve for longer ones.
            let estimate = texts.reduce(0) { $0 + $1.utf8.count } + 8 * codes.count
            let reserve = estimate > 15 ? estimate : 0
            let literals = LiteralTexts(texts)
            if codes.count == 1 {
                let pre = texts[0], post = texts[1], c = codes[0].run
                let direct = literals.count(0) + literals.count(1) <= 40
                let meter = memoryMeter
                return { vm in
                    let v = try c(vm)
                    if direct, case .int(let n) = v {
                        return .string(Compiler.interpolate(literals, n))
                    }
                    var out = pre
                    if reserve > 0 { out.reserveCapacity(reserve) }
                    try Compiler.appendDisplay(v, to: &out, span)
                    if !post.isEmpty { out += post }
                    try meter?.charge(out.utf8.count, building: out.utf8.count, at: span)
                    return .string(out)
                }
            }
            // Constants for the closure (capturing the `var`s would box them: a dynamic
            // exclusivity check and a retain of each array on every run). Two and three
            // parts are held one by one (a closure called from an array is retained
            // around each call).
            let meter = memoryMeter
            switch codes.count {
            case 2:
                let c0 = codes[0].run, c1 = codes[1].run
                return { vm in
                    let out = try SizedInterpolation.run(vm, literals, c0, c1, span)
                    try meter?.charge(out.utf8.count, building: out.utf8.count, at: span)
                    return .string(out)
                }
            case 3:
                let c0 = codes[0].run, c1 = codes[1].run, c2 = codes[2].run
                return { vm in
                    let out = try SizedInterpolation.run(vm, literals, c0, c1, c2, span)
                    try meter?.charge(out.utf8.count, building: out.utf8.count, at: span)
                    return .string(out)
                }
            default:
                let p = ManyParts(codes: codes)
                return { vm in
                    let out = try Compiler.interpolate(vm, literals, p, span)
                    try meter?.charge(out.utf8.count, building: out.utf8.count, at: span)
                    return .string(out)
                }
            }
        case .name(let ref):
            return load(slot(of: ref))
        case .list(let items):
            let size = MemoryCensus.object &+ items.count &* MemoryCensus.slot, meter = memoryMeter
            if items.count == 1 {
                let c = expr(items[0])
                return { vm in
                    try meter?.charge(size, at: span)
                    return .list(ListRef([try c(vm)]))
                }
            }
            let codes = items.map { CodeBox(run: expr($0)) }
            return { vm in
                try meter?.charge(size, at: span)
                var out: [Value] = []
                out.reserveCapacity(codes.count)
                for c in codes { out.append(try c.run(vm)) }
                return .list(ListRef(out))
            }
        case .map(let entries):
            let codes: [(String?, CodeBox?, CodeBox, SourceSpan)] = entries.map { (k, v) in
                switch k {
                case .name(let n): return (n, nil, CodeBox(run: expr(v)), v.span)
                case .computed(let ke): return (nil, CodeBox(run: expr(ke)), CodeBox(run: expr(v)), ke.span)
                }
            }
            let size = MemoryCensus.object &+ codes.count &* (MemoryCensus.slot &+ 32), meter = memoryMeter
            return { vm in
                try meter?.charge(size, at: span)
                let m = MapRef()
                m.entries.reserveCapacity(codes.count)
                for (name, keyCode, valueCode, kspan) in codes {
                    let key: String
                    if let name { key = name } else {
                        let k = try keyCode!.run(vm)
                        guard case .string(let s) = k else { throw failure("map key must be a string, not \(k.typeName)", kspan) }
                        key = s
                    }
                    m.entries[key] = try valueCode.run(vm)
                }
                return .map(m)
            }
        case .unary(let op, let x):
            let c = expr(x)
            switch op {
            case .negate:
                return { vm in
                    let v = try c(vm)
                    if case .int(let i) = v, i != Int.min { return .int(-i) }
                    return try Ops.negate(v, span)
                }
            case .not:
                let cond = self.cond(x)
                return { vm in .bool(!(try cond(vm))) }
            }
        case .binary(let op, let l, let r):
            return binary(op, l, r, span)
        case .range(let l, let r, let inclusive):
            let lo = expr(l), hi = expr(r)
            return { vm in
                let a = try lo(vm), b = try hi(vm)
                guard case .int(let x) = a, case .int(let y) = b else {
                    throw failure("range bounds must be ints, not \(a.typeName) and \(b.typeName)", span)
                }
                if inclusive {
                    if y == Int.max { throw failure("range end too large", span) }
                    return .stream(RangeStream(start: x, end: y + 1, step: 1))
                }
                return .stream(RangeStream(start: x, end: y, step: 1))
            }
        case .call(let callee, let args):
            return call(callee, args, span)
        case .index(let obj, let idx, let optional):
            if !optional, case .name(let ref) = obj.kind, case .local(let slot) = slot(of: ref) {
                // `m[k]` / `xs[i]` on a local: the container is read in its frame slot
                // (after the index: a local's value cannot change while the index is
                // evaluated), with the map and list cases inline.
                let i = expr(idx)
                return { vm in
                    let index = try i(vm)
                    let p = vm.pointee.stack + (vm.pointee.base &+ slot)
                    if case .map(let m) = p.pointee, case .string(let k) = index { return m.entries[k] ?? .null }
                    if case .list(let l) = p.pointee, case .int(let n) = index, n >= 0, n < l.items.count { return l.items[n] }
                    return try Access.index(p.pointee, index, vm, span)
                }
            }
            let o = expr(obj), i = expr(idx)
            return { vm in
                let target = try o(vm)
                if optional, case .null = target { throw OptionalChainNil() }
                let index = try i(vm)
                if case .list(let l) = target, case .int(let n) = index, n >= 0, n < l.items.count { return l.items[n] }
                return try Access.index(target, index, vm, span)
            }
        case .slice(let obj, let lo, let hi, let optional):
            let o = expr(obj)
            let l = lo.map { expr($0) }, h = hi.map { expr($0) }
            return { vm in
                let target = try o(vm)
                if optional, case .null = target { throw OptionalChainNil() }
                let a = try l?(vm) ?? .null, b = try h?(vm) ?? .null
                return try Access.slice(target, a, b, span)
            }
        case .member(let obj, let name, let optional, let nameSpan):
            return memberRead(obj, name, optional, nameSpan)
        case .optionalChain(let x):
            let c = expr(x)
            return { vm in
                do { return try c(vm) } catch is OptionalChainNil { return .null }
            }
        case .function(let f):
            let make = makeClosure(function(f))
            return { vm in .function(make(vm)) }
        }
    }

    // MARK: - Binary operators

    private func binary(_ op: BinaryOp, _ l: Expr, _ r: Expr, _ span: SourceSpan) -> Code {
        switch op {
        case .and, .or, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .contains, .notContains, .match:
            let c = cond(Expr(.binary(op, l, r), span))
            return { vm in .bool(try c(vm)) }
        case .coalesce:
            let a = expr(l), b = expr(r)
            return { vm in
                let v = try a(vm)
                if case .null = v { return try b(vm) }
                return v
            }
        default:
            break
        }
        if Compiler.isConcatenation(op, l, r) { return concatenation(l, r, span) }
        if let fused = fusedArithmetic(op, l, r, span) { return fused }  // CompilerOperands.swift
        if let kit = Compiler.arithmeticKit(op) { return kit.value(shape(l, r), span) }
        let a = expr(l)
        let b = expr(r)
        switch op {
        case .divide: return { vm in try Ops.divide(try a(vm), try b(vm), span) }
        case .floorDivide: return { vm in try Ops.floorDivide(try a(vm), try b(vm), span) }
        default: preconditionFailure("not an arithmetic operator")
        }
    }

    /// Compiles an expression used as a condition straight to a Bool.
    func cond(_ e: Expr) -> CondCode {
        let span = e.span
        switch e.kind {
        case .bool(let b): return { _ in b }
        case .unary(.not, let x):
            let c = cond(x)
            return { vm in !(try c(vm)) }
        case .binary(let op, let l, let r):
            switch op {
            case .and:
                let a = cond(l), b = cond(r)
                return { vm in try a(vm) && b(vm) }
            case .or:
                let a = cond(l), b = cond(r)
                return { vm in try a(vm) || b(vm) }
            case .less, .lessEqual, .greater, .greaterEqual, .equal, .notEqual:
                return Compiler.comparisonKit(op)!.cond(shape(l, r), span)
            case .contains, .notContains:
                let a = expr(l), b = expr(r)
                let negate = op == .notContains
                return { vm in
                    let item = try a(vm)
                    return try Ops.contains(try b(vm), item, vm, span) != negate
                }
            case .match:
                let a = expr(l), b = expr(r)
                return { vm in try Ops.match(try a(vm), try b(vm), vm, span) }
            default:
                break
            }
        default:
            break
        }
        let c = expr(e)
        return { vm in try c(vm).isTruthy }
    }

    // MARK: - Calls

    private func call(_ calleeExpr: Expr, _ args: [CallArgument], _ span: SourceSpan) -> Code {
        if case .member(let obj, let name, let optional, let nameSpan) = calleeExpr.kind,
           !args.contains(where: { $0.name != nil }) {
            return methodCall(obj, name, optional, nameSpan, args, span)  // CompilerMembers.swift
        }
        let callee = expr(calleeExpr)
        if args.contains(where: { $0.name != nil }) {
            let positional = args.filter { $0.name == nil }.map { CodeBox(run: expr($0.value)) }
            let named = args.compactMap { a in a.name.map { ($0, CodeBox(run: expr(a.value))) } }
            return { vm in
                let f = try callee(vm)
                var pos: [Value] = []
                pos.reserveCapacity(positional.count)
                for c in positional { pos.append(try c.run(vm)) }
                var nam: [(name: String, value: Value)] = []
                for (n, c) in named { nam.append((n, try c.run(vm))) }
                do { return try callValue(vm, f, Arguments(pos, named: nam)) } catch { throw attachSpan(error, span) }
            }
        }
        let codes = args.map { CodeBox(run: expr($0.value)) }
        // A callee in a global (a `fn` declared at the top level, a built-in) or a frame
        // slot is read in place: a closure found there is not copied out of the slot.
        // One in a global is retained for the call (not when its interpreter keeps it:
        // the call may rebind the global); one in a local is not retained at all: only
        // the frame's own code writes a local that no closure captured (a captured one
        // lives in a cell, not here), and it does not run until the call returns.
        var place: CalleePlace?
        if case .name(let ref) = calleeExpr.kind {
            switch slot(of: ref) {
            case .global(let g): place = .global(g)
            case .local(let i): place = .local(i)
            default: break
            }
        }
        switch codes.count {
        case 0:
            switch place {
            case .global(let g)?:
                return { vm in
                    let p = vm.pointee.globals + g
                    guard let u = vm.pointee.closure(in: p) else { return try Compiler.call0Slow(vm, p, span) }
                    let pinned = Compiler.hold(u)
                    defer { if !pinned { u.release() } }
                    return try Compiler.callFrame(vm, u, vm.pointee.sp, argc: 0, span)
                }
            case .local(let i)?:
                return { vm in
                    let p = vm.pointee.stack + (vm.pointee.base &+ i)
                    guard let u = vm.pointee.closure(in: p) else { return try Compiler.call0Slow(vm, p, span) }
                    return try Compiler.callFrame(vm, u, vm.pointee.sp, argc: 0, span)
                }
            case nil:
                return { vm in try Compiler.call0(vm, try callee(vm), span) }
            }
        case 1:
            let a0 = codes[0].run
            switch place {
            case .global(let g)?:
                return { vm in
                    let p = vm.pointee.globals + g
                    guard let u = vm.pointee.closure(in: p) else { return try Compiler.call1Slow(vm, p, a0, span) }
                    let pinned = Compiler.hold(u)
                    defer { if !pinned { u.release() } }
                    let argBase = vm.pointee.sp
                    vm.pointee.push(try a0(vm))
                    return try Compiler.callFrame(vm, u, argBase, argc: 1, span)
                }
            case .local(let i)?:
                return { vm in
                    let p = vm.pointee.stack + (vm.pointee.base &+ i)
                    guard let u = vm.pointee.closure(in: p) else { return try Compiler.call1Slow(vm, p, a0, span) }
                    let argBase = vm.pointee.sp
                    vm.pointee.push(try a0(vm))
                    return try Compiler.callFrame(vm, u, argBase, argc: 1, span)
                }
            case nil:
                return { vm in try Compiler.call1(vm, try callee(vm), a0, span) }
            }
        case 2:
            let a0 = codes[0].run, a1 = codes[1].run
            switch place {
            case .global(let g)?:
                return { vm in
                    let p = vm.pointee.globals + g
                    guard let u = vm.pointee.closure(in: p) else { return try Compiler.call2Slow(vm, p, a0, a1, span) }
                    let pinned = Compiler.hold(u)
                    defer { if !pinned { u.release() } }
                    let argBase = vm.pointee.sp
                    try Compiler.push(vm, a0, a1, argBase)
                    return try Compiler.callFrame(vm, u, argBase, argc: 2, span)
                }
            case .local(let i)?:
                return { vm in
                    let p = vm.pointee.stack + (vm.pointee.base &+ i)
                    guard let u = vm.pointee.closure(in: p) else { return try Compiler.call2Slow(vm, p, a0, a1, span) }
                    let argBase = vm.pointee.sp
                    try Compiler.push(vm, a0, a1, argBase)
                    return try Compiler.callFrame(vm, u, argBase, argc: 2, span)
                }
            case nil:
                return { vm in try Compiler.call2(vm, try callee(vm), a0, a1, span) }
            }
        default:
            return { vm in
                let f = try callee(vm)
                if let u = vm.pointee.closure(of: f) {
                    let argBase = vm.pointee.sp
                    defer { vm.pointee.pop(to: argBase) }
                    for c in codes { vm.pointee.push(try c.run(vm)) }
                    return try Compiler.enter(vm, u, argBase, codes.count, span)
                }
                var values: [Value] = []
                values.reserveCapacity(codes.count)
                for c in codes { values.append(try c.run(vm)) }
                return try Compiler.callOther(vm, f, values, span)
            }
        }
    }

    /// Where a call site reads its callee in place.
    enum CalleePlace {
        case global(Int)
        case local(Int)
    }

    /// The slot holding the callee (valid until the stack or the globals grow: read it
    /// before evaluating the arguments).
    @inline(__always)
    static func slotPointer(_ vm: VM, _ place: CalleePlace) -> UnsafeMutablePointer<Value> {
        switch place {
        case .global(let g): return vm.pointee.globals + g
        case .local(let i): return vm.pointee.stack + (vm.pointee.base &+ i)
        }
    }

    /// The closure of this interpreter in the slot at `p`, not retained (nil for any
    /// other value: the caller takes the general path).
    @inline(__always)
    static func peekClosure(_ p: UnsafeMutablePointer<Value>, _ vm: VM) -> Unmanaged<Closure>? {
        vm.pointee.closure(in: p)
    }

    /// Keeps the closure a call found in place alive for the call: retains it unless its
    /// interpreter keeps it (`Interpreter.pin`); returns whether it was pinned (then the
    /// caller must not release it).
    @inline(__always)
    static func hold(_ u: Unmanaged<Closure>) -> Bool {
        if u._withUnsafeGuaranteedRef({ $0.isPinned }) { return true }
        _ = u.retain()
        return false
    }

    /// Evaluates two arguments onto the stack (above `argBase`), popping the first when
    /// the second throws.
    @inline(__always)
    static func push(_ vm: VM, _ a0: Code, _ a1: Code, _ argBase: Int) throws {
        vm.pointee.push(try a0(vm))
        do {
            vm.pointee.push(try a1(vm))
        } catch {
            vm.pointee.pop(to: argBase)
            throw error
        }
    }

    /// Runs the closure `u` (kept alive by the caller) on the `argc` arguments pushed
    /// from `argBase`, then pops them (on both ways out, without a `defer`, which the
    /// compiler makes a call of its own). (The arguments are pushed by the caller's own
    /// code: a closure passed in for that would retain their code's contexts.)
    @inline(__always)
    static func callFrame(_ vm: VM, _ u: Unmanaged<Closure>, _ argBase: Int, argc: Int, _ span: SourceSpan) throws -> Value {
        let result: Value
        do {
            result = try enter(vm, u, argBase, argc, span)
        } catch {
            vm.pointee.pop(to: argBase)
            throw error
        }
        vm.pointee.pop(to: argBase)
        return result
    }

    /// Pops the stack to `mark` on the way out of a call or an argument list that
    /// failed; returns `error` (out of line: the error path stays out of the nodes).
    @inline(never)
    static func unwind(_ vm: VM, to mark: Int, _ error: any Error) -> any Error {
        vm.pointee.pop(to: mark)
        return error
    }

    /// Runs the closure `u` (kept alive by the caller) on the `argc` arguments at `argBase`.
    @inline(__always)
    static func enter(_ vm: VM, _ u: Unmanaged<Closure>, _ argBase: Int, _ argc: Int, _ span: SourceSpan) throws -> Value {
        do {
            return try u._withUnsafeGuaranteedRef { try invoke(vm, $0, argBase: argBase, argc: argc) }
        } catch {
            throw attachSpan(error, span)
        }
    }

    /// Calls the value at `p` (not a closure of this interpreter) with no arguments.
    @inline(never)
    static func call0Slow(_ vm: VM, _ p: UnsafeMutablePointer<Value>, _ span: SourceSpan) throws -> Value {
        try call0(vm, p.pointee, span)
    }

    /// Calls the value at `p` (not a closure of this interpreter) with one argument.
    @inline(never)
    static func call1Slow(_ vm: VM, _ p: UnsafeMutablePointer<Value>, _ a0: Code, _ span: SourceSpan) throws -> Value {
        try call1(vm, p.pointee, a0, span)
    }

    /// Calls the value at `p` (not a closure of this interpreter) with two arguments.
    @inline(never)
    static func call2Slow(_ vm: VM, _ p: UnsafeMutablePointer<Value>, _ a0: Code, _ a1: Code, _ span: SourceSpan) throws -> Value {
        try call2(vm, p.pointee, a0, a1, span)
    }

    /// Calls `f` with no arguments: a closure of this interpreter runs in place.
    @inline(__always)
    static func call0(_ vm: VM, _ f: Value, _ span: SourceSpan) throws -> Value {
        if let u = vm.pointee.closure(of: f) {
            let argBase = vm.pointee.sp
            defer { vm.pointee.pop(to: argBase) }
            return try enter(vm, u, argBase, 0, span)
        }
        return try Compiler.callOther(vm, f, [], span)
    }

    /// Calls `f` with one argument (evaluated after `f`).
    @inline(__always)
    static func call1(_ vm: VM, _ f: Value, _ a0: Code, _ span: SourceSpan) throws -> Value {
        if let u = vm.pointee.closure(of: f) {
            let argBase = vm.pointee.sp
            defer { vm.pointee.pop(to: argBase) }
            vm.pointee.push(try a0(vm))
            return try enter(vm, u, argBase, 1, span)
        }
        if case .function(let fv) = f, type(of: fv) == NativeFunction.self,
           let unary = unsafeDowncast(fv, to: NativeFunction.self).unary {
            // `str(x)`, `len(x)`: the native's one-argument form, no `Arguments` array.
            let x = try a0(vm)
            do {
                try tick(vm)
                return try unary.run(x, vm.pointee.interpreter)
            } catch {
                throw attachSpan(error, span)
            }
        }
        return try Compiler.callOther(vm, f, [try a0(vm)], span)
    }

    /// Calls `f` with two arguments (evaluated after `f`, in order).
    @inline(__always)
    static func call2(_ vm: VM, _ f: Value, _ a0: Code, _ a1: Code, _ span: SourceSpan) throws -> Value {
        if let u = vm.pointee.closure(of: f) {
            let argBase = vm.pointee.sp
            defer { vm.pointee.pop(to: argBase) }
            vm.pointee.push(try a0(vm))
            vm.pointee.push(try a1(vm))
            return try enter(vm, u, argBase, 2, span)
        }
        let x = try a0(vm)
        return try Compiler.callOther(vm, f, [x, try a1(vm)], span)
    }

    /// Calls a native function (or a closure of another interpreter).
    @inline(never)
    static func callOther(_ vm: VM, _ f: Value, _ args: [Value], _ span: SourceSpan) throws -> Value {
        guard case .function(let fv) = f else { throw failure("cannot call \(f.typeName)", span) }
        do {
            try tick(vm)
            return try fv.call(Arguments(args), vm.pointee.interpreter)
        } catch {
            throw attachSpan(error, span)
        }
    }
}
