// CompilerMembers.swift: member nodes on maps: reads (`obj.name`), compound updates
// (`obj.name += v`) and method calls (`obj.name(args)`). A variable holding the object
// is read in place (no copy of the Value), the entry is found through the site's
// `MemberCache` (no hashing), and a method that is a closure of this interpreter is
// invoked directly. Anything else (host objects, natives, nil, a missing member) takes
// the generic path, with its results and errors.

/// A member site: where its object comes from, and its name.
struct MemberSite {
    /// The variable holding the object, read in place; nil: the object is `object`'s value.
    let place: SlotRef?
    /// The object's code when it is not a variable.
    let object: Code
    let cache: MemberCache
    let nameSpan: SourceSpan
    var name: String { cache.name }
}

extension Compiler {
    /// A member site for `obj.name`.
    func memberSite(_ obj: Expr, _ name: String, _ nameSpan: SourceSpan) -> MemberSite {
        if case .name(let ref) = obj.kind {
            return MemberSite(place: slot(of: ref), object: { _ in .null }, cache: MemberCache(name), nameSpan: nameSpan)
        }
        return MemberSite(place: nil, object: expr(obj), cache: MemberCache(name), nameSpan: nameSpan)
    }

    // MARK: - Reads

    /// `obj.name` and `obj?.name`.
    func memberRead(_ obj: Expr, _ name: String, _ optional: Bool, _ nameSpan: SourceSpan) -> Code {
        let site = memberSite(obj, name, nameSpan)
        let cache = site.cache
        if let s = site.place {
            if !optional, case .local(let slot) = s {
                // `self.balance`, `acc.deposit` on a local: the map is read in its frame slot.
                return { vm in
                    let p = vm.pointee.stack + (vm.pointee.base &+ slot)
                    if case .map(let m) = p.pointee { return cache.get(m) }
                    return try Access.member(p.pointee, name, vm, nameSpan)
                }
            }
            return { vm in
                if let m = MemberNodes.map(in: s, vm) { return cache.get(m) }
                return try MemberNodes.memberOther(MemberNodes.read(s, vm), name, optional, vm, nameSpan)
            }
        }
        let o = site.object
        return { vm in
            let target = try o(vm)
            if case .map(let m) = target { return cache.get(m) }
            return try MemberNodes.memberOther(target, name, optional, vm, nameSpan)
        }
    }

    // MARK: - Compound updates

    /// `obj.name op= value` (`+= -= *= /= %=`). The order is the generic one: the object,
    /// the old value, the right side, the store; on a map whose entry holds an int and a
    /// right side that is an int, the operator's int path runs and the entry is
    /// replaced where it is (the memory meter charged as `Access.setMember` charges).
    func memberUpdate(_ obj: Expr, _ name: String, _ nameSpan: SourceSpan, _ op: BinaryOp,
                      _ value: Expr, _ span: SourceSpan) -> StmtCode {
        let site = memberSite(obj, name, nameSpan)
        let rhs = shape(.code({ _ in .null }), operand(value, right: true))
        let combine: (Value, Value) throws -> Value
        switch op {
        case .add: combine = { try Ops.addAssign($0, $1, span) }
        case .subtract: combine = { try Ops.subtract($0, $1, span) }
        case .multiply: combine = { try Ops.multiply($0, $1, span) }
        case .divide: combine = { try Ops.divide($0, $1, span) }
        default: combine = { try Ops.modulo($0, $1, span) }
        }
        let update = MemberUpdate(site: site, rhs: rhs, combine: combine, meter: memoryMeter)
        switch op {
        case .add: return Compiler.memberUpdate(AddOp.self, update)
        case .subtract: return Compiler.memberUpdate(SubtractOp.self, update)
        case .multiply: return Compiler.memberUpdate(MultiplyOp.self, update)
        case .modulo: return Compiler.memberUpdate(ModuloOp.self, update)
        default: return Compiler.memberUpdate(NoIntPath.self, update)
        }
    }

    /// The compound update node of operator `O` (its int path inline).
    static func memberUpdate<O: IntArithmetic>(_: O.Type, _ u: MemberUpdate) -> StmtCode {
        if u.rhs.kind != .codeCode, let s = u.site.place {
            return MemberPlaces.specialized(s, MemberUpdateMaker<O>(update: u)).run
        }
        return { vm in
            try u.update(O.self, vm)
            return .normal
        }
    }
}

/// Makes the compound update node of `O` for a variable of one place kind whose right
/// side is an int literal or a local (`st.count += 1`, `st.total += x`): no code runs
/// between the read and the store, so the map is used in its variable without being
/// retained, and an int entry is replaced in place. Anything else (not a map, no int
/// entry, an overflow, a memory meter to charge) runs the generic update from the start
/// (the fast path only read). The node captures only its `MemberUpdate`.
struct MemberUpdateMaker<O: IntArithmetic>: MemberPlaceSpecialized {
    let update: MemberUpdate
    func make<P: MemberPlace>(_: P.Type) -> StmtBox {
        let u = update
        return StmtBox { vm in
            if let um = P.map(u.slot, u.site.place, vm), MemberNodes.updateInt(O.self, um, u, vm) { return .normal }
            try u.update(O.self, vm)
            return .normal
        }
    }
}

extension MemberNodes {
    /// `m.name op= y` for an int entry and an int literal or int local `y` without a
    /// memory meter, in place; false (nothing done) for anything else.
    @inline(__always)
    static func updateInt<O: IntArithmetic>(_: O.Type, _ um: Unmanaged<MapRef>, _ u: MemberUpdate, _ vm: VM) -> Bool {
        um._withUnsafeGuaranteedRef { m in
            guard u.meter == nil, let i = u.site.cache.index(m), case .int(let x) = m.entries.values[i] else { return false }
            let y: Int
            if u.rhs.kind == .codeLocal {
                guard case .int(let n) = vm.pointee.stack[vm.pointee.base &+ u.rhs.j] else { return false }
                y = n
            } else {
                y = u.rhs.k
            }
            guard let r = O.int(x, y) else { return false }
            replaceInt(m, at: i, with: r)
            return true
        }
    }
}

/// An operator without an int path in compound member updates (`/=`).
enum NoIntPath: IntArithmetic {
    @inline(__always) static func int(_ a: Int, _ b: Int) -> Int? { nil }
    static func generic(_ a: Value, _ b: Value, _ span: SourceSpan) throws -> Value { try Ops.divide(a, b, span) }
}

/// What a compound member update node needs besides its operator (a class: the node
/// captures one reference, not the whole site, for its slow paths).
final class MemberUpdate {
    let site: MemberSite
    /// The right side (`k`: an int literal, `j`: a local, `b`: code).
    let rhs: OperandShape
    /// The operator as `op=` applies it (`+=` extends lists and maps in place).
    let combine: (Value, Value) throws -> Value
    let meter: MemoryMeter?
    /// What storing an int under the name charges the memory meter.
    let intCharge: Int
    /// The variable's slot (frame slot or capture index) for a specialised place.
    let slot: Int

    init(site: MemberSite, rhs: OperandShape, combine: @escaping (Value, Value) throws -> Value, meter: MemoryMeter?) {
        self.site = site
        self.rhs = rhs
        self.combine = combine
        self.meter = meter
        intCharge = MemoryMeter.footprint(.int(0)) &+ site.name.utf8.count
        slot = site.place.map(MemberPlaces.index) ?? 0
    }

    /// The update, generic: the object, the old value, the right side, the store; an
    /// int entry and an int right side take the operator's int path (the right side
    /// may change the map: the store finds the entry again).
    @inline(never)
    func update<O: IntArithmetic>(_: O.Type, _ vm: VM) throws {
        let m: MapRef
        if let s = site.place {
            guard let found = MemberNodes.map(in: s, vm) else {
                try other(vm, MemberNodes.read(s, vm))
                return
            }
            m = found
        } else {
            let t = try site.object(vm)
            guard case .map(let found) = t else {
                try other(vm, t)
                return
            }
            m = found
        }
        guard let i = site.cache.index(m), case .int(let x) = m.entries.values[i] else {
            try generic(vm, m, site.cache.get(m))
            return
        }
        let y = try rhsValue(vm)
        if case .int(let n) = y, let r = O.int(x, n) {
            try meter?.charge(intCharge, at: site.nameSpan)
            if site.cache.replace(m, .int(r)) { return }
            m.entries[site.name] = .int(r)
            return
        }
        try store(vm, m, try combine(.int(x), y))
    }

    /// The right side's value.
    @inline(__always)
    func rhsValue(_ vm: VM) throws -> Value {
        switch rhs.kind {
        case .codeInt: return .int(rhs.k)
        case .codeLocal: return vm.pointee.stack[vm.pointee.base &+ rhs.j]
        default: return try rhs.b(vm)
        }
    }

    /// The update of a map entry that is not an int (or missing: `old` is nil).
    @inline(never)
    func generic(_ vm: VM, _ m: MapRef, _ old: Value) throws {
        let y = try rhsValue(vm)
        try store(vm, m, try combine(old, y))
    }

    /// Stores `new` under the name in `m`, as `Access.setMember` does.
    @inline(never)
    func store(_ vm: VM, _ m: MapRef, _ new: Value) throws {
        try MemoryMeter.charge(vm, storing: new, extra: site.name.utf8.count, site.nameSpan)
        if site.cache.replace(m, new) { return }
        m.entries[site.name] = new
    }

    /// The update of a member of anything but a map (host objects; errors for the rest).
    @inline(never)
    func other(_ vm: VM, _ target: Value) throws {
        let old = try Access.member(target, site.name, vm, site.nameSpan)
        let y = try rhsValue(vm)
        try Access.setMember(target, site.name, try combine(old, y), vm, site.nameSpan)
    }
}

/// The run-time helpers of member nodes (a namespace: static calls on `Compiler`, a
/// class, fetch its metadata first).
enum MemberNodes {
    /// The map held by the variable at `s`, or nil. The map is retained: it stays alive
    /// while the caller holds it, whatever the code it runs meanwhile does to the variable.
    @inline(__always)
    static func map(in s: SlotRef, _ vm: VM) -> MapRef? {
        switch s {
        case .local(let i):
            if case .map(let m) = vm.pointee.stack[vm.pointee.base &+ i] { return m }
        case .cell(let c):
            if case .map(let m) = vm.pointee.cells[vm.pointee.cellBase &+ c].value { return m }
        case .capture(let i):
            if case .map(let m) = vm.pointee.captures[i].value { return m }
        case .global(let g):
            if case .map(let m) = vm.pointee.globals[g] { return m }
        }
        return nil
    }

    /// The value of the variable at `s` (a copy).
    static func read(_ s: SlotRef, _ vm: VM) -> Value {
        switch s {
        case .local(let i): return vm.pointee.stack[vm.pointee.base &+ i]
        case .cell(let c): return vm.pointee.cells[vm.pointee.cellBase &+ c].value
        case .capture(let i): return vm.pointee.captures[i].value
        case .global(let g): return vm.pointee.globals[g]
        }
    }

    /// The map held by the variable at `s`, not retained: valid only while no code runs
    /// that could store into the variable (nil for any other value).
    @inline(__always)
    static func peekMap(in s: SlotRef, _ vm: VM) -> Unmanaged<MapRef>? {
        switch s {
        case .local(let i): return peekMap(vm.pointee.stack + (vm.pointee.base &+ i))
        case .cell(let c):
            let cell = vm.pointee.cells[vm.pointee.cellBase &+ c]
            return withUnsafeMutablePointer(to: &cell.value) { peekMap($0) }
        case .capture(let i): return withUnsafeMutablePointer(to: &vm.pointee.captures[i].value) { peekMap($0) }
        case .global(let g): return peekMap(vm.pointee.globals + g)
        }
    }

    /// The map in the slot at `p`, not retained (see `peekMap(in:_:)`).
    @inline(__always)
    static func peekMap(_ p: UnsafeMutablePointer<Value>) -> Unmanaged<MapRef>? {
        guard case .map(let m) = p.pointee else { return nil }
        return Unmanaged.passUnretained(m)
    }

    /// The list in the slot at `p`, not retained (see `peekMap(in:_:)`).
    @inline(__always)
    static func peekList(_ p: UnsafeMutablePointer<Value>) -> Unmanaged<ListRef>? {
        guard case .list(let l) = p.pointee else { return nil }
        return Unmanaged.passUnretained(l)
    }

    /// Replaces the int at entry `i` of `m` with `r` (an int over an int: nothing to
    /// release, so the slot is initialized rather than assigned).
    @inline(__always)
    static func replaceInt(_ m: MapRef, at i: Int, with r: Int) {
        m.entries.values.withUnsafeMutableBufferPointer { $0.baseAddress.unsafelyUnwrapped.advanced(by: i).initialize(to: .int(r)) }
    }

    /// The closure of this interpreter under the site's name in `m`, retained (the
    /// caller's reference keeps it alive through the call), or nil.
    @inline(__always)
    static func closure(in m: MapRef, _ cache: MemberCache, _ vm: VM) -> Closure? {
        peekClosure(in: m, cache, vm)?.takeUnretainedValue()
    }

    /// The closure of this interpreter under the site's name in `m`, not retained
    /// (valid while `m` is not changed), or nil.
    @inline(__always)
    static func peekClosure(in m: MapRef, _ cache: MemberCache, _ vm: VM) -> Unmanaged<Closure>? {
        guard let i = cache.index(m) else { return nil }
        return m.entries.values.withUnsafeBufferPointer { values in
            vm.pointee.closure(in: values.baseAddress.unsafelyUnwrapped + i)
        }
    }


}

// MARK: - Method calls

/// A method call's argument: a local or an int literal is pushed without calling code.
struct ArgOperand {
    enum Kind { case local, int, code }
    let kind: Kind
    /// The frame slot (`local`) or the int (`int`).
    let n: Int
    let code: Code

    /// The argument as code (for the generic call).
    var asCode: Code {
        switch kind {
        case .local: let i = n; return { vm in vm.pointee.stack[vm.pointee.base &+ i] }
        case .int: let v = Value.int(n); return { _ in v }
        case .code: return code
        }
    }

    /// Evaluates the argument onto the stack (a local copied out of its slot).
    @inline(__always)
    func push(_ vm: VM) throws {
        switch kind {
        case .local: vm.pointee.push(copyOf: vm.pointee.stack + (vm.pointee.base &+ n))
        case .int: vm.pointee.push(.int(n))
        case .code: vm.pointee.push(try code(vm))
        }
    }
}

extension Compiler {
    /// How a method call pushes the argument `e`.
    func argument(_ e: Expr) -> ArgOperand {
        switch operand(e, right: true) {
        case .local(let i): return ArgOperand(kind: .local, n: i, code: { _ in .null })
        case .int(let k): return ArgOperand(kind: .int, n: k, code: { _ in .null })
        case .code(let c): return ArgOperand(kind: .code, n: 0, code: c)
        }
    }

    /// `obj.name(args)` with positional arguments: the callee is found through the
    /// site's cache without copying it out of the map; a closure of this interpreter is
    /// invoked in the node itself (held by this call, so it stays alive even when the
    /// call replaces `obj.name` or `obj`). Natives, host objects and non-functions go
    /// through `call0`/`call1`/`call2`/`callOther`, as any call does.
    func methodCall(_ obj: Expr, _ name: String, _ optional: Bool, _ nameSpan: SourceSpan,
                    _ args: [CallArgument], _ span: SourceSpan) -> Code {
        methodNode(MethodCall(self, obj, name, optional, nameSpan, args, span), statement: false).value
    }

    /// `obj.name(args)` as a statement (its value dropped, without a node of its own).
    func methodCallStatement(_ obj: Expr, _ name: String, _ optional: Bool, _ nameSpan: SourceSpan,
                             _ args: [CallArgument], _ span: SourceSpan) -> StmtCode {
        methodNode(MethodCall(self, obj, name, optional, nameSpan, args, span), statement: true).statement
    }

    /// The node of `call`, its code specialised on where the object is (a local, a
    /// capture, another variable) and on the arguments' kinds (one argument) or count.
    private func methodNode(_ call: MethodCall, statement: Bool) -> MethodNode {
        guard let s = call.site.place else { return MethodNode(call, statement, AnyPlace.self, ArgsN.self) }
        return MemberPlaces.specialized(s, MethodNodeMaker(call: call, statement: statement))
    }
}

/// A method call node as an expression and as a statement (one of them is used).
struct MethodNode {
    let value: Code
    let statement: StmtCode

    init<P: MemberPlace, A: MethodArgs>(_ call: MethodCall, _ asStatement: Bool, _: P.Type, _: A.Type) {
        if asStatement {
            value = { _ in .null }
            statement = { vm in _ = try MethodCall.run(call, P.self, A.self, vm); return .normal }
        } else {
            value = { vm in try MethodCall.run(call, P.self, A.self, vm) }
            statement = { _ in .normal }
        }
    }
}

/// Makes a method call node for a place kind, choosing the arguments' specialisation.
struct MethodNodeMaker: MemberPlaceSpecialized {
    let call: MethodCall, statement: Bool
    func make<P: MemberPlace>(_: P.Type) -> MethodNode {
        let ops = call.operands
        switch ops.count {
        case 0: return MethodNode(call, statement, P.self, Args0.self)
        case 1:
            switch ops[0].kind {
            case .local: return MethodNode(call, statement, P.self, Args1<LocalArg>.self)
            case .int: return MethodNode(call, statement, P.self, Args1<IntArg>.self)
            case .code: return MethodNode(call, statement, P.self, Args1<CodeArg>.self)
            }
        case 2:
            switch (ops[0].kind, ops[1].kind) {
            case (.local, .local): return MethodNode(call, statement, P.self, Args2<LocalArg, LocalArg>.self)
            case (.local, .int): return MethodNode(call, statement, P.self, Args2<LocalArg, IntArg>.self)
            case (.local, .code): return MethodNode(call, statement, P.self, Args2<LocalArg, CodeArg>.self)
            case (.int, .local): return MethodNode(call, statement, P.self, Args2<IntArg, LocalArg>.self)
            case (.int, .int): return MethodNode(call, statement, P.self, Args2<IntArg, IntArg>.self)
            case (.int, .code): return MethodNode(call, statement, P.self, Args2<IntArg, CodeArg>.self)
            case (.code, .local): return MethodNode(call, statement, P.self, Args2<CodeArg, LocalArg>.self)
            case (.code, .int): return MethodNode(call, statement, P.self, Args2<CodeArg, IntArg>.self)
            case (.code, .code): return MethodNode(call, statement, P.self, Args2<CodeArg, CodeArg>.self)
            }
        default: return MethodNode(call, statement, P.self, ArgsN.self)
        }
    }
}

/// A compiled method call (see `Compiler.methodCall`): its site, arguments and the
/// generic path (a class: a node's closure captures one reference).
final class MethodCall {
    let site: MemberSite
    let optional: Bool
    let span: SourceSpan
    /// The arguments as pushed by the fast path and as code for the generic call;
    /// `p0`/`p1`/`a0`/`a1` are the first two of them (placeholders when absent).
    let operands: [ArgOperand]
    let codes: [CodeBox]
    let p0: ArgOperand, p1: ArgOperand
    let a0: Code, a1: Code
    /// The variable's slot (frame slot or capture index) for a specialised place.
    let slot: Int

    init(_ compiler: Compiler, _ obj: Expr, _ name: String, _ optional: Bool, _ nameSpan: SourceSpan,
         _ args: [CallArgument], _ span: SourceSpan) {
        site = compiler.memberSite(obj, name, nameSpan)
        self.optional = optional
        self.span = span
        operands = args.map { compiler.argument($0.value) }
        codes = operands.map { CodeBox(run: $0.asCode) }
        let none = ArgOperand(kind: .int, n: 0, code: { _ in .null })
        p0 = operands.count > 0 ? operands[0] : none
        p1 = operands.count > 1 ? operands[1] : none
        a0 = p0.asCode
        a1 = p1.asCode
        slot = site.place.map(MemberPlaces.index) ?? 0
    }

    /// Runs the call: a closure of this interpreter found in a map held by the site's
    /// variable (`P`) is held, its arguments pushed (`A`) and its body run in this node;
    /// anything else takes `generic`.
    @inline(__always)
    static func run<P: MemberPlace, A: MethodArgs>(_ c: MethodCall, _: P.Type, _: A.Type, _ vm: VM) throws -> Value {
        // The map is used in its variable, not retained: no code runs until the closure
        // found in it is held.
        guard let um = P.map(c.slot, c.site.place, vm),
              let u = um._withUnsafeGuaranteedRef({ MemberNodes.peekClosure(in: $0, c.site.cache, vm) }) else {
            return try c.generic(vm)
        }
        let pinned = Compiler.hold(u)
        defer { if !pinned { u.release() } }
        let argBase = vm.pointee.sp
        try A.push(c, vm, argBase)
        let result: Value
        do {
            result = try u._withUnsafeGuaranteedRef { try invoke(vm, $0, argBase: argBase, argc: A.count(c)) }
        } catch {
            throw c.failed(vm, argBase, error)
        }
        vm.pointee.pop(to: argBase)
        return result
    }

    /// The error of a call that failed: its frame popped, the call's span attached
    /// (out of line, so that the node neither copies the span nor pops twice inline).
    @inline(never)
    func failed(_ vm: VM, _ argBase: Int, _ error: any Error) -> any Error {
        vm.pointee.pop(to: argBase)
        return attachSpan(error, span)
    }

    /// Any call the fast path does not take (the object not in a variable or not a map,
    /// the member not a closure of this interpreter), with its results and errors.
    @inline(never)
    func generic(_ vm: VM) throws -> Value {
        var f = Value.null
        guard let closure = try MemberNodes.method(vm, site, optional, &f) else {
            switch operands.count {
            case 0: return try Compiler.call0(vm, f, span)
            case 1: return try Compiler.call1(vm, f, a0, span)
            case 2: return try Compiler.call2(vm, f, a0, a1, span)
            default:
                var values: [Value] = []
                values.reserveCapacity(codes.count)
                for c in codes { values.append(try c.run(vm)) }
                return try Compiler.callOther(vm, f, values, span)
            }
        }
        return try withExtendedLifetime(closure) {
            let argBase = vm.pointee.sp
            try ArgsN.push(self, vm, argBase)
            return try Compiler.callFrame(vm, Unmanaged.passUnretained(closure), argBase, argc: operands.count, span)
        }
    }
}

/// How a method call node pushes its arguments, as a type (specialising the node).
protocol MethodArgs {
    /// Evaluates the arguments onto the stack from `argBase`, in order; on an error,
    /// pops what was pushed.
    static func push(_ c: MethodCall, _ vm: VM, _ argBase: Int) throws
    static func count(_ c: MethodCall) -> Int
}

/// How one argument is pushed, as a type.
protocol ArgKind {
    static func push(_ a: ArgOperand, _ vm: VM) throws
}
enum LocalArg: ArgKind {
    @inline(__always) static func push(_ a: ArgOperand, _ vm: VM) throws {
        vm.pointee.push(copyOf: vm.pointee.stack + (vm.pointee.base &+ a.n))
    }
}
enum IntArg: ArgKind {
    @inline(__always) static func push(_ a: ArgOperand, _ vm: VM) throws { vm.pointee.push(.int(a.n)) }
}
enum CodeArg: ArgKind {
    @inline(__always) static func push(_ a: ArgOperand, _ vm: VM) throws { vm.pointee.push(try a.code(vm)) }
}

enum Args0: MethodArgs {
    @inline(__always) static func push(_ c: MethodCall, _ vm: VM, _ argBase: Int) throws {}
    @inline(__always) static func count(_ c: MethodCall) -> Int { 0 }
}
enum Args1<A: ArgKind>: MethodArgs {
    @inline(__always) static func push(_ c: MethodCall, _ vm: VM, _ argBase: Int) throws {
        try A.push(c.p0, vm)
    }
    @inline(__always) static func count(_ c: MethodCall) -> Int { 1 }
}
enum Args2<A0: ArgKind, A1: ArgKind>: MethodArgs {
    @inline(__always) static func push(_ c: MethodCall, _ vm: VM, _ argBase: Int) throws {
        try A0.push(c.p0, vm)
        do { try A1.push(c.p1, vm) } catch { throw Compiler.unwind(vm, to: argBase, error) }
    }
    @inline(__always) static func count(_ c: MethodCall) -> Int { 2 }
}
enum ArgsN: MethodArgs {
    static func push(_ c: MethodCall, _ vm: VM, _ argBase: Int) throws {
        do {
            for p in c.operands { try p.push(vm) }
        } catch {
            throw Compiler.unwind(vm, to: argBase, error)
        }
    }
    @inline(__always) static func count(_ c: MethodCall) -> Int { c.operands.count }
}

/// Where a member node's object is, as a type (specialising the node's code): a frame
/// slot, a capture, or any variable (a switch on its `SlotRef` at run time).
protocol MemberPlace {
    /// The map in the variable (`slot`: its index for a frame slot or a capture), not
    /// retained: valid only while no code runs that could store into the variable.
    static func map(_ slot: Int, _ s: SlotRef?, _ vm: VM) -> Unmanaged<MapRef>?
}
enum LocalPlace: MemberPlace {
    @inline(__always) static func map(_ slot: Int, _ s: SlotRef?, _ vm: VM) -> Unmanaged<MapRef>? {
        MemberNodes.peekMap(vm.pointee.stack + (vm.pointee.base &+ slot))
    }
}
enum CapturePlace: MemberPlace {
    @inline(__always) static func map(_ slot: Int, _ s: SlotRef?, _ vm: VM) -> Unmanaged<MapRef>? {
        withUnsafeMutablePointer(to: &vm.pointee.captures[slot].value) { MemberNodes.peekMap($0) }
    }
}
enum AnyPlace: MemberPlace {
    @inline(__always) static func map(_ slot: Int, _ s: SlotRef?, _ vm: VM) -> Unmanaged<MapRef>? {
        guard let s else { return nil }
        return MemberNodes.peekMap(in: s, vm)
    }
}

/// Makes a node given its place kind as a type.
protocol MemberPlaceSpecialized {
    associatedtype Node
    func make<P: MemberPlace>(_: P.Type) -> Node
}

enum MemberPlaces {
    /// `maker`'s node for a variable at `s`, specialised on its kind.
    static func specialized<M: MemberPlaceSpecialized>(_ s: SlotRef, _ maker: M) -> M.Node {
        switch s {
        case .local: return maker.make(LocalPlace.self)
        case .capture: return maker.make(CapturePlace.self)
        default: return maker.make(AnyPlace.self)
        }
    }

    /// The frame slot or capture index of `s` (0 for the others).
    static func index(_ s: SlotRef) -> Int {
        switch s {
        case .local(let i), .capture(let i): return i
        default: return 0
        }
    }
}

extension MemberNodes {
    /// A member of anything but a map (`?.` on nil ends the chain).
    @inline(never)
    static func memberOther(_ target: Value, _ name: String, _ optional: Bool, _ vm: VM, _ span: SourceSpan) throws -> Value {
        if optional, case .null = target { throw OptionalChainNil() }
        return try Access.member(target, name, vm, span)
    }

    /// The callee of a method call: a closure of this interpreter found in a map
    /// (retained), or nil and `other` set to the member's value for the generic call.
    @inline(__always)
    static func method(_ vm: VM, _ site: MemberSite, _ optional: Bool, _ other: inout Value) throws -> Closure? {
        let cache = site.cache
        if let s = site.place {
            // The map is used in its variable, not retained: no code runs until the
            // closure found in it is retained.
            guard let um = MemberNodes.peekMap(in: s, vm) else {
                other = try memberOther(MemberNodes.read(s, vm), site.name, optional, vm, site.nameSpan)
                return nil
            }
            return um._withUnsafeGuaranteedRef { m in
                if let c = MemberNodes.closure(in: m, cache, vm) { return c }
                other = cache.get(m)
                return nil
            }
        }
        let t = try site.object(vm)
        guard case .map(let m) = t else {
            other = try memberOther(t, site.name, optional, vm, site.nameSpan)
            return nil
        }
        if let c = MemberNodes.closure(in: m, cache, vm) { return c }
        other = cache.get(m)
        return nil
    }
}
