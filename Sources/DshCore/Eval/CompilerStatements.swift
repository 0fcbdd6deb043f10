// CompilerStatements.swift: compiles statements (declarations, assignments, control
// flow, loops over lists/maps/streams/ranges, try/catch, defer, import).

extension Compiler {
    /// Compiles a statement list run in order.
    func block(_ stmts: [Stmt]) -> StmtCode {
        sequence(stmts.map { StmtBox(run: statement($0)) })
    }

    /// Runs boxed statements in order, stopping at the first that does not end normally.
    func sequence(_ codes: [StmtBox]) -> StmtCode {
        switch codes.count {
        case 0: return { _ in .normal }
        case 1: return codes[0].run
        case 2:
            let a = codes[0].run, b = codes[1].run
            return { vm in
                let f = try a(vm)
                if f != .normal { return f }
                return try b(vm)
            }
        case 3:
            let a = codes[0].run, b = codes[1].run, c = codes[2].run
            return { vm in
                var f = try a(vm)
                if f != .normal { return f }
                f = try b(vm)
                if f != .normal { return f }
                return try c(vm)
            }
        case 4...Compiler.chainedStatements:
            // The first two inline, the rest as one chained sequence (no array walk).
            let a = codes[0].run, b = codes[1].run
            let rest = sequence(Array(codes[2...]))
            return { vm in
                var f = try a(vm)
                if f != .normal { return f }
                f = try b(vm)
                if f != .normal { return f }
                return try rest(vm)
            }
        default:
            // A long list: chained groups, walked from an array, so compiling stays
            // linear and running it never nests deeper than one group.
            let groups = stride(from: 0, to: codes.count, by: Compiler.chainedStatements).map {
                StmtBox(run: sequence(Array(codes[$0..<min($0 + Compiler.chainedStatements, codes.count)])))
            }
            return { vm in
                for g in groups {
                    let f = try g.run(vm)
                    if f != .normal { return f }
                }
                return .normal
            }
        }
    }

    /// How many statements run as one chain of closures (each calling the next); a
    /// longer list is split into such chains.
    static let chainedStatements = 16

    /// Compiles a file's top level: functions first (so they may be called before
    /// their declaration), then the statements in order; the last expression
    /// statement's value is kept.
    func topLevel(_ node: FunctionNode) -> FunctionProto {
        var hoisted: [StmtBox] = []
        var rest: [StmtBox] = []
        for (i, stmt) in node.body.enumerated() {
            if case .function = stmt.kind {
                hoisted.append(StmtBox(run: statement(stmt)))
            } else if i == node.body.count - 1, case .expression(let e) = stmt.kind {
                let c = expr(e)
                rest.append(StmtBox { vm in
                    vm.pointee.lastValue = try c(vm)
                    return .normal
                })
            } else {
                rest.append(StmtBox(run: statement(stmt)))
            }
        }
        return FunctionProto(node: node, defaults: [], captures: [], body: sequence(hoisted + rest))
    }

    func statement(_ stmt: Stmt) -> StmtCode {
        let span = stmt.span
        switch stmt.kind {
        case .expression(let e):
            if case .call(let callee, let args) = e.kind, case .member(let obj, let name, let optional, let nameSpan) = callee.kind,
               !args.contains(where: { $0.name != nil }) {
                return methodCallStatement(obj, name, optional, nameSpan, args, e.span)  // CompilerMembers.swift
            }
            let c = expr(e)
            return { vm in
                _ = try c(vm)
                return .normal
            }

        case .declare(_, let names, let value):
            let vars = stmt.declared
            let valueCode = value.map { expr($0) }
            if vars.count == 1 {
                let target = slot(of: vars[0])
                if case .local(let i) = target {
                    if let valueCode {
                        return { vm in
                            vm.pointee.stack[vm.pointee.base &+ i] = try valueCode(vm)
                            return .normal
                        }
                    }
                    return { vm in
                        vm.pointee.stack[vm.pointee.base &+ i] = .null
                        return .normal
                    }
                }
                let st = store(target, declare: true)
                return { vm in
                    st(vm, try valueCode?(vm) ?? .null)
                    return .normal
                }
            }
            let stores = vars.map { StoreBox(run: store(slot(of: $0), declare: true)) }
            let count = names.count
            return { vm in
                let v = try valueCode?(vm) ?? .null
                let items = try Compiler.unpack(v, count, span)
                for (st, item) in zip(stores, items) { st.run(vm, item) }
                return .normal
            }

        case .assign(let target, let op, let value):
            return assignment(target, op, value, span)

        case .function(let f):
            let make = makeClosure(function(f))
            let target = slot(of: stmt.declared[0])
            let st = store(target, declare: false)
            if case .global = target {
                // A top-level `fn` is kept by its interpreter (see `Interpreter.pin`).
                return { vm in
                    let closure = make(vm)
                    vm.pointee.interpreter.pin(closure)
                    st(vm, .function(closure))
                    return .normal
                }
            }
            return { vm in
                st(vm, .function(make(vm)))
                return .normal
            }

        case .ifElse(let c, let then, let otherwise):
            if case .binary(let op, let l, let r) = c.kind, let kit = Compiler.comparisonKit(op) {
                return kit.branch(shape(l, r), c.span, block(then), otherwise.map { block($0) })
            }
            let test = cond(c)
            let a = block(then)
            if let otherwise {
                let b = block(otherwise)
                return { vm in try test(vm) ? try a(vm) : try b(vm) }
            }
            return { vm in try test(vm) ? try a(vm) : .normal }

        case .whileLoop(let c, let body):
            if case .binary(let op, let l, let r) = c.kind, let kit = Compiler.comparisonKit(op) {
                return kit.loop(shape(l, r), c.span, block(body))
            }
            let test = cond(c)
            let b = block(body)
            return { vm in
                while try test(vm) {
                    let f = try b(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
                return .normal
            }

        case .forLoop(_, let iterable, let body):
            return forLoop(stmt.declared, iterable, block(body))

        case .breakLoop:
            return { _ in .breakLoop }
        case .continueLoop:
            return { _ in .continueLoop }

        case .returnValue(let value):
            guard let value else {
                return { vm in
                    vm.pointee.returnValue = .null
                    return .returned
                }
            }
            if case .binary(let op, let l, let r) = value.kind, let kit = Compiler.arithmeticKit(op),
               !Compiler.isConcatenation(op, l, r) {
                return kit.returned(shape(l, r), value.span)
            }
            if case .name(let ref) = value.kind {
                switch slot(of: ref) {
                case .local(let i):
                    return { vm in
                        vm.pointee.returnValue = vm.pointee.stack[vm.pointee.base &+ i]
                        return .returned
                    }
                case .capture(let i):
                    return { vm in
                        vm.pointee.returnValue = vm.pointee.captures[i].value
                        return .returned
                    }
                default:
                    break
                }
            }
            let c = expr(value)
            return { vm in
                vm.pointee.returnValue = try c(vm)
                return .returned
            }

        case .deferBlock:
            let node = stmt.attachment as! FunctionNode
            let make = makeClosure(function(node))
            return { vm in
                vm.pointee.deferStack.append(make(vm))
                return .normal
            }

        case .tryCatch(let body, _, let handler):
            let b = block(body)
            let h = block(handler)
            let bind = stmt.declared.first.map { store(slot(of: $0), declare: true) }
            return { vm in
                let sp = vm.pointee.sp, base = vm.pointee.base, depth = vm.pointee.depth
                let cells = vm.pointee.cells.count, cellBase = vm.pointee.cellBase
                do {
                    return try b(vm)
                } catch let e as DshError where e.kind != .interrupted {
                    // Unwinding restored the registers; make sure before handling.
                    vm.pointee.pop(to: sp)
                    vm.pointee.sp = sp
                    vm.pointee.base = base
                    vm.pointee.depth = depth
                    if vm.pointee.cells.count > cells { vm.pointee.cells.removeSubrange(cells...) }
                    vm.pointee.cellBase = cellBase
                    // Defers registered in the try block belong to the function: keep them.
                    bind?(vm, e.value ?? .error(ErrorValue(message: e.message)))
                    return try h(vm)
                }
            }

        case .throwValue(let value):
            let c = expr(value)
            return { vm in
                let v = try c(vm)
                if case .error(let ev) = v { throw DshError(.runtime, ev.message, span: span, value: v) }
                throw DshError(.runtime, v.displayString, span: span, value: v)
            }

        case .importModule:
            let module = stmt.attachment as! ModuleRecord
            let st = store(slot(of: stmt.declared[0]), declare: true)
            return { vm in
                // The running interpreter (capturing it would keep it alive: a cycle).
                do { try vm.pointee.interpreter.execute(module) } catch { throw attachSpan(error, span) }
                st(vm, .object(module.object))
                return .normal
            }

        case .block(let body):
            return block(body)
        }
    }

    /// Splits `v` into `count` values for `let a, b = v` and `for a, b in ...`.
    static func unpack(_ v: Value, _ count: Int, _ span: SourceSpan) throws -> [Value] {
        guard case .list(let l) = v else { throw failure("cannot unpack \(v.typeName) into \(count) variables", span) }
        guard l.items.count == count else {
            let n = l.items.count
            throw failure("cannot unpack a list of \(n) item\(n == 1 ? "" : "s") into \(count) variables", span)
        }
        return l.items
    }

    // MARK: - Assignment

    /// `xs += [x]` on a local: appends x to the list in place, without making the
    /// one-element list (any other left side gets the list, as `+=` does).
    private func appendInPlace(local i: Int, _ itemExpr: Expr, _ span: SourceSpan) -> StmtCode {
        let item = expr(itemExpr), meter = memoryMeter
        return { vm in
            let x = try item(vm)
            let idx = vm.pointee.base &+ i
            if let ul = MemberNodes.peekList(vm.pointee.stack + idx) {
                // Not retained: from here to the append no code runs that could store
                // into the slot (the meter only measures).
                try meter?.charge(MemoryMeter.footprint(x), at: span)
                ul._withUnsafeGuaranteedRef { $0.items.append(x) }
                return .normal
            }
            let old = vm.pointee.stack[idx]
            vm.pointee.stack[idx] = try Ops.addAssign(old, .list(ListRef([x])), span)
            return .normal
        }
    }

    private func assignment(_ target: Expr, _ op: BinaryOp?, _ value: Expr, _ span: SourceSpan) -> StmtCode {
        if let op, case .member(let obj, let name, _, let nameSpan) = target.kind {
            return memberUpdate(obj, name, nameSpan, op, value, span)  // CompilerMembers.swift
        }
        if op == .add, case .name(let ref) = target.kind, case .local(let i) = slot(of: ref),
           case .list(let items) = value.kind, items.count == 1 {
            return appendInPlace(local: i, items[0], span)
        }
        if case .name(let ref) = target.kind {
            let s = slot(of: ref)
            if op == nil, case .local(let i) = s, case .binary(let bop, let l, let r) = value.kind,
               let kit = Compiler.arithmeticKit(bop), !Compiler.isConcatenation(bop, l, r) {
                return kit.store(shape(l, r), i, value.span)
            }
            if let op, case .int(let k) = value.kind, let kit = Compiler.arithmeticKit(op) {
                return kit.update(s, k, span)
            }
        }
        let v = expr(value)
        func combine(_ old: Value, _ new: Value) throws -> Value {
            switch op! {
            case .add: return try Ops.addAssign(old, new, span)
            case .subtract: return try Ops.subtract(old, new, span)
            case .multiply: return try Ops.multiply(old, new, span)
            case .divide: return try Ops.divide(old, new, span)
            default: return try Ops.modulo(old, new, span)
            }
        }
        switch target.kind {
        case .name(let ref):
            let s = slot(of: ref)
            if op == nil {
                switch s {
                case .local(let i):
                    return { vm in
                        vm.pointee.stack[vm.pointee.base &+ i] = try v(vm)
                        return .normal
                    }
                case .global(let g):
                    return { vm in
                        vm.pointee.globals[g] = try v(vm)
                        return .normal
                    }
                default:
                    let st = store(s, declare: false)
                    return { vm in
                        st(vm, try v(vm))
                        return .normal
                    }
                }
            }
            let ld = load(s), st = store(s, declare: false)
            if case .local(let i) = s, op == .add {
                let meter = memoryMeter
                return { vm in
                    let rhs = try v(vm)
                    let idx = vm.pointee.base &+ i
                    if case .string(let tail) = rhs, let count = Compiler.stringCount(vm.pointee.stack + idx),
                       count &+ tail.utf8.count <= SizeLimits.maxBytes {
                        try meter?.charge(tail.utf8.count, building: count &+ tail.utf8.count, at: span)
                        // Move the string out of its slot so it is unique and grows in
                        // place (amortised O(1)) instead of being copied on every `+=`,
                        // without a retain and release of it (nothing between the move and
                        // the store can throw).
                        let p = vm.pointee.stack + idx
                        guard case .string(var s) = p.move() else { preconditionFailure("not a string") }
                        s += tail
                        p.initialize(to: .string(s))
                        return .normal
                    }
                    let old = vm.pointee.stack[idx]
                    vm.pointee.stack[idx] = try Ops.addAssign(old, rhs, span)
                    return .normal
                }
            }
            return { vm in
                let old = try ld(vm)
                st(vm, try combine(old, try v(vm)))
                return .normal
            }
        case .member(let obj, let name, _, let nameSpan):
            if op == nil, case .name(let ref) = obj.kind, case .local(let slot) = slot(of: ref) {
                // `self.balance = v` on a local map: read in its frame slot after the value.
                let cache = MemberCache(name)
                return { vm in
                    let value = try v(vm)
                    let p = vm.pointee.stack + (vm.pointee.base &+ slot)
                    if case .map(let m) = p.pointee, cache.replace(m, value) { return .normal }
                    try Access.setMember(p.pointee, name, value, vm, nameSpan)
                    return .normal
                }
            }
            if case .name(let ref) = obj.kind {
                // `st.total = v` on a captured or global map: the map is read in place
                // (held while the value is evaluated), then the value stored.
                let s = slot(of: ref), cache = MemberCache(name)
                return { vm in
                    guard let m = MemberNodes.map(in: s, vm) else {
                        let target = MemberNodes.read(s, vm)
                        try Access.setMember(target, name, try v(vm), vm, nameSpan)
                        return .normal
                    }
                    let value = try v(vm)
                    if cache.replace(m, value) { return .normal }
                    try Access.setMember(.map(m), name, value, vm, nameSpan)
                    return .normal
                }
            }
            let o = expr(obj)
            let cache = MemberCache(name)
            return { vm in
                let target = try o(vm)
                let value = try v(vm)
                if case .map(let m) = target, cache.replace(m, value) { return .normal }
                try Access.setMember(target, name, value, vm, nameSpan)
                return .normal
            }
        case .index(let obj, let idx, _):
            let i = expr(idx)
            let ispan = target.span
            if op == nil, case .name(let ref) = obj.kind, case .local(let slot) = slot(of: ref) {
                // `m[k] = v` on a local map or list: the container is read in its frame
                // slot after the index and the value (neither can change a local).
                let meter = memoryMeter
                return { vm in
                    let index = try i(vm)
                    let value = try v(vm)
                    let p = vm.pointee.stack + (vm.pointee.base &+ slot)
                    if case .map(let m) = p.pointee, case .string(let k) = index {
                        try meter?.charge(MemoryMeter.footprint(value) &+ k.utf8.count, at: ispan)
                        m.set(k, value)
                        return .normal
                    }
                    try Access.setIndex(p.pointee, index, value, vm, ispan)
                    return .normal
                }
            }
            let o = expr(obj)
            if op == nil {
                return { vm in
                    let t = try o(vm)
                    let index = try i(vm)
                    let value = try v(vm)
                    try Access.setIndex(t, index, value, vm, ispan)
                    return .normal
                }
            }
            return { vm in
                let t = try o(vm)
                let index = try i(vm)
                let old = try Access.index(t, index, vm, ispan)
                try Access.setIndex(t, index, try combine(old, try v(vm)), vm, ispan)
                return .normal
            }
        default:
            return { _ in throw failure("invalid assignment target", span) }
        }
    }

    // MARK: - Fused nodes
    // A statement whose expression is an arithmetic or a comparison node runs the
    // operator in its own closure (`Compiler.arithmetic`/`compare`, inlined), one
    // closure call fewer per statement than calling a node of its own.

    /// `x = l op r` on a local.
    static func storeArithmetic<O: IntArithmetic>(_: O.Type, _ operands: OperandShape, local i: Int,
                                                   _ span: SourceSpan) -> StmtCode {
        return operands.specialized(StoreArithmeticNode<O>(operands: operands, i: i, span: span)).run
    }

    /// `return l op r`.
    static func returnArithmetic<O: IntArithmetic>(_: O.Type, _ operands: OperandShape, _ span: SourceSpan) -> StmtCode {
        return operands.specialized(ReturnArithmeticNode<O>(operands: operands, span: span)).run
    }

    /// `x += k` (also `-=`, `*=`, `%=`) with an int literal `k`, on any variable: the
    /// variable is updated in place (as `+=` would: a literal int leaves no list or map
    /// to extend, so the plain operator gives the same results and errors).
    static func updateByLiteral<O: IntArithmetic>(_: O.Type, _ s: SlotRef, _ k: Int, _ span: SourceSpan) -> StmtCode {
        return { vm in
            try Compiler.update(vm, s) { v in
                if case .int(let x) = v, let r = O.int(x, k) {
                    withUnsafeMutablePointer(to: &v) { $0.initialize(to: .int(r)) }  // an int: nothing to destroy
                } else {
                    v = try O.generic(v, .int(k), span)
                }
            }
            return .normal
        }
    }

    /// Gives `body` the storage of the variable at `s` to update in place.
    @inline(__always)
    static func update(_ vm: VM, _ s: SlotRef, _ body: (inout Value) throws -> Void) rethrows {
        switch s {
        case .local(let i): try body(&vm.pointee.stack[vm.pointee.base &+ i])
        case .cell(let c): try body(&vm.pointee.cells[vm.pointee.cellBase &+ c].value)
        case .capture(let i): try body(&vm.pointee.captures[i].value)
        case .global(let g): try body(&vm.pointee.globals[g])
        }
    }

    /// `while l < r { ... }` (any comparison).
    static func whileCompare<O: IntComparison>(_: O.Type, _ operands: OperandShape, _ span: SourceSpan,
                                                _ body: @escaping StmtCode) -> StmtCode {
        return operands.specialized(WhileCompareNode<O>(operands: operands, span: span, body: body)).run
    }

    /// `if l < r { ... } else { ... }` (any comparison).
    static func ifCompare<O: IntComparison>(_: O.Type, _ operands: OperandShape, _ span: SourceSpan,
                                             _ then: @escaping StmtCode, _ otherwise: StmtCode?) -> StmtCode {
        return operands.specialized(IfCompareNode<O>(operands: operands, span: span, then: then, otherwise: otherwise)).run
    }

    // MARK: - For loops

    /// Binds a counted loop's int to its variable: straight into the frame slot when the
    /// variable is a local, else through its store.
    @inline(__always)
    static func bindInt(_ i: Int, _ vm: VM, local: Int?, store: (VM, Value) -> Void) {
        if let slot = local {
            Machine.store(.int(i), at: vm.pointee.stack + (vm.pointee.base &+ slot))
        } else {
            store(vm, .int(i))
        }
    }

    private func forLoop(_ vars: [Variable], _ iterable: Expr, _ body: @escaping StmtCode) -> StmtCode {
        let ispan = iterable.span
        let stores = vars.map { StoreBox(run: store(slot(of: $0), declare: true)) }
        let store0 = stores[0].run, store1 = stores[stores.count - 1].run
        let firstLocal: Int? = { if case .local(let i) = slot(of: vars[0]) { return i } else { return nil } }()
        // A syntactic range with one variable: count without making a stream.
        if vars.count == 1, case .range(let l, let r, let inclusive) = iterable.kind {
            let lo = expr(l), hi = expr(r)
            return { vm in
                let a = try lo(vm), b = try hi(vm)
                guard case .int(var i) = a, case .int(let end) = b else {
                    throw failure("range bounds must be ints, not \(a.typeName) and \(b.typeName)", ispan)
                }
                while inclusive ? i <= end : i < end {
                    Compiler.bindInt(i, vm, local: firstLocal, store: store0)
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                    if i == Int.max { break }
                    i &+= 1
                }
                return .normal
            }
        }
        let pairs = vars.count == 2
        let loop: (VM, Value) throws -> Flow = { vm, it in
            @inline(__always) func bind(_ item: Value) throws {
                if pairs {
                    let two = try Compiler.unpack(item, 2, ispan)
                    store0(vm, two[0])
                    store1(vm, two[1])
                } else {
                    store0(vm, item)
                }
            }
            switch it {
            case .list(let l):
                let items = l.items
                for item in items {
                    try bind(item)
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
            case .map(let m):
                let entries = m.entries
                for (k, v) in entries {
                    if pairs {
                        store0(vm, .string(k))
                        store1(vm, v)
                    } else {
                        store0(vm, .string(k))
                    }
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
            case .stream(let s):
                // `range(...)`: count straight from the stream, without the dynamic
                // `next(_:)` call and its `Value?` (the stream is still consumed as read).
                if !pairs, let r = s as? RangeStream {
                    while let i = r.nextInt() {
                        Compiler.bindInt(i, vm, local: firstLocal, store: store0)
                        let f = try body(vm)
                        if f == .breakLoop { break }
                        if f == .returned { return f }
                        try tick(vm)
                    }
                    return .normal
                }
                var finished = false
                defer { if !finished { s.close() } }
                let interp = vm.pointee.interpreter
                while true {
                    let next: Value?
                    do { next = try s.next(interp) } catch { throw attachSpan(error, ispan) }
                    guard let item = next else { finished = true; break }
                    try bind(item)
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
            case .string(let str):
                for ch in str {
                    try bind(.string(String(ch)))
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
            case .bytes(let bytes):
                for b in bytes {
                    try bind(.int(Int(b)))
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
            case .object(let o):
                guard let plain = o.plainValue, case .map(let m) = plain else {
                    throw failure("cannot iterate over \(o.typeName)", ispan)
                }
                for (k, v) in m.entries {
                    store0(vm, .string(k))
                    if pairs { store1(vm, v) }
                    let f = try body(vm)
                    if f == .breakLoop { break }
                    if f == .returned { return f }
                    try tick(vm)
                }
            default:
                throw failure("cannot iterate over \(it.typeName)", ispan)
            }
            return .normal
        }
        let source = expr(iterable)
        let generic: StmtCode = { vm in try loop(vm, try source(vm)) }
        if vars.count == 1, case .call(let callee, let args) = iterable.kind, case .name(let ref) = callee.kind,
           ref.name == "range", case .global(let g) = slot(of: ref), (1...3).contains(args.count),
           !args.contains(where: { $0.name != nil }), let builtin = interpreter.builtinRange {
            return rangeLoop(builtin, global: g, args.map { expr($0.value) }, ispan, firstLocal, store0, body,
                             generic: generic, loop: loop)
        }
        return generic
    }

    /// `for i in range(...)` while the global `range` holds the built-in (checked at
    /// each run; else `generic` runs the call and pulls its stream): the arguments are
    /// evaluated and the call counted as a step as the call would, then the loop counts
    /// from start to end by step itself, as `RangeStream` would, without making the
    /// stream. Arguments the built-in refuses (not ints, a zero step) get its own error.
    private func rangeLoop(_ builtin: FunctionValue, global g: Int, _ argCodes: [Code], _ span: SourceSpan,
                           _ firstLocal: Int?, _ store0: @escaping (VM, Value) -> Void, _ body: @escaping StmtCode,
                           generic: @escaping StmtCode, loop: @escaping (VM, Value) throws -> Flow) -> StmtCode {
        let argc = argCodes.count
        let none: Code = { _ in .null }
        let c0 = argCodes[0], c1 = argc > 1 ? argCodes[1] : none, c2 = argc > 2 ? argCodes[2] : none
        return { vm in
            guard case .function(let callee) = vm.pointee.globals[g], callee === builtin else { return try generic(vm) }
            let a = try c0(vm)
            let b = argc > 1 ? try c1(vm) : .null
            let c = argc > 2 ? try c2(vm) : .null
            do { try tick(vm) } catch { throw attachSpan(error, span) }
            var start = 0, end = 0, step = 1, valid = false
            switch argc {
            case 1:
                if case .int(let e) = a { end = e; valid = true }
            case 2:
                if case .int(let s) = a, case .int(let e) = b { start = s; end = e; valid = true }
            default:
                if case .int(let s) = a, case .int(let e) = b, case .int(let k) = c, k != 0 {
                    start = s; end = e; step = k; valid = true
                }
            }
            if !valid {
                let it: Value
                do {
                    it = try builtin.call(Arguments(Array([a, b, c].prefix(argc))), vm.pointee.interpreter)
                } catch {
                    throw attachSpan(error, span)
                }
                return try loop(vm, it)
            }
            // Four copies of the counting loop (direction, and whether the variable is a
            // frame slot), each without a test of either per iteration.
            if let slot = firstLocal {
                let bind: (VM, Int) -> Void = { vm, i in Machine.store(.int(i), at: vm.pointee.stack + (vm.pointee.base &+ slot)) }
                return step > 0 ? try Compiler.count(vm, start, end, step, up: true, bind, body)
                                : try Compiler.count(vm, start, end, step, up: false, bind, body)
            }
            let bind: (VM, Int) -> Void = { vm, i in store0(vm, .int(i)) }
            return step > 0 ? try Compiler.count(vm, start, end, step, up: true, bind, body)
                            : try Compiler.count(vm, start, end, step, up: false, bind, body)
        }
    }

    /// Counts from `start` towards `end` (excluded) by `step` as `RangeStream` does
    /// (upwards while below `end`, downwards while above it, stopping rather than
    /// overflowing), binding each int with `bind` and running `body`.
    @inline(__always)
    static func count(_ vm: VM, _ start: Int, _ end: Int, _ step: Int, up: Bool, _ bind: (VM, Int) -> Void,
                      _ body: StmtCode) throws -> Flow {
        var i = start
        while up ? i < end : i > end {
            bind(vm, i)
            let f = try body(vm)
            if f == .breakLoop { break }
            if f == .returned { return f }
            try tick(vm)
            let (n, o) = i.addingReportingOverflow(step)
            if o { break }
            i = n
        }
        return .normal
    }
}

/// `x = l op r` on a local, for one shape kind (see `Compiler.storeArithmetic`).
struct StoreArithmeticNode<O: IntArithmetic>: ShapeSpecialized {
    let operands: OperandShape, i: Int, span: SourceSpan
    func make<S: ShapeKind>(_: S.Type) -> StmtBox {
        let operands = operands, i = i, span = span
        return StmtBox { vm in
            let v = try Compiler.arithmetic(O.self, S.self, operands, vm, span)
            Machine.store(v, at: vm.pointee.stack + (vm.pointee.base &+ i))
            return .normal
        }
    }
}

/// `return l op r`, for one shape kind.
struct ReturnArithmeticNode<O: IntArithmetic>: ShapeSpecialized {
    let operands: OperandShape, span: SourceSpan
    func make<S: ShapeKind>(_: S.Type) -> StmtBox {
        let operands = operands, span = span
        return StmtBox { vm in
            vm.pointee.returnValue = try Compiler.arithmetic(O.self, S.self, operands, vm, span)
            return .returned
        }
    }
}

/// `while l < r { ... }`, for one shape kind.
struct WhileCompareNode<O: IntComparison>: ShapeSpecialized {
    let operands: OperandShape, span: SourceSpan, body: StmtCode
    func make<S: ShapeKind>(_: S.Type) -> StmtBox {
        let operands = operands, span = span, body = body
        return StmtBox { vm in
            while try Compiler.compare(O.self, S.self, operands, vm, span) {
                let f = try body(vm)
                if f == .breakLoop { break }
                if f == .returned { return f }
                try tick(vm)
            }
            return .normal
        }
    }
}

/// `if l < r { ... }`, for one shape kind.
struct IfCompareNode<O: IntComparison>: ShapeSpecialized {
    let operands: OperandShape, span: SourceSpan, then: StmtCode, otherwise: StmtCode?
    func make<S: ShapeKind>(_: S.Type) -> StmtBox {
        let operands = operands, span = span, then = then
        if let otherwise {
            return StmtBox { vm in try Compiler.compare(O.self, S.self, operands, vm, span) ? try then(vm) : try otherwise(vm) }
        }
        return StmtBox { vm in try Compiler.compare(O.self, S.self, operands, vm, span) ? try then(vm) : .normal }
    }
}
