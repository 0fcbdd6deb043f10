// Calls.swift: calling closures and natives, the step/interrupt check, defers, and
// attaching source spans to errors raised without one.

/// Gives an error without a span the span of the place that raised it; turns foreign
/// Swift errors into dsh runtime errors.
func attachSpan(_ error: any Error, _ span: SourceSpan) -> any Error {
    if var e = error as? DshError {
        if e.span == nil { e.span = span }
        if e.unwindSpan == nil { e.unwindSpan = span }
        return e
    }
    if error is ExitRequest || error is OptionalChainNil { return error }
    return DshError(.runtime, "\(error)", span: span)
}

/// Adds the frame of the function `proto` that `error` is leaving to its backtrace.
@inline(never)
func leaving(_ proto: FunctionProto, _ error: any Error) -> any Error {
    guard var e = error as? DshError else { return error }
    e.enter(BacktraceFrame(function: proto.name, span: e.backtrace.isEmpty ? (e.span ?? e.unwindSpan) : e.unwindSpan))
    return e
}

/// A runtime error at `span`.
@inline(never)
func failure(_ message: String, _ span: SourceSpan) -> DshError {
    DshError(.runtime, message, span: span)
}

/// Counts a step; every 1024 steps checks cancellation, the budget and the clock.
@inline(__always)
func tick(_ vm: VM) throws {
    vm.pointee.steps &+= 1
    if vm.pointee.steps >= vm.pointee.nextCheck { try slowCheck(vm) }
}

@inline(never)
func slowCheck(_ vm: VM) throws {
    let interp = vm.pointee.interpreter
    let token = interp.currentToken
    if token.isCancelled { throw DshError(.interrupted, token.reason) }
    if vm.pointee.steps >= vm.pointee.stepLimit {
        throw DshError(.interrupted, vm.pointee.stepLimitReason)
    }
    if vm.pointee.deadline != 0, monotonicNanos() >= vm.pointee.deadline {
        let reason = vm.pointee.deadlineReason
        token.cancel(reason: reason)
        throw DshError(.interrupted, reason)
    }
    vm.pointee.nextCheck = min(vm.pointee.steps &+ 1024, vm.pointee.stepLimit)
}

private func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word)" : "\(n) \(word)s" }

/// Runs a closure whose `argc` arguments are at `argBase...` (the caller pops them).
/// With `checkMissing`, parameters holding `missingArgument` take their defaults.
///
/// In order: too many arguments, the call depth and the native stack, a step (`tick`);
/// then the frame is set up and the body runs. The common case (no defaults to fill,
/// a function without cells or defers) is a straight path; everything else is out of line.
@inline(__always)
func invoke(_ vm: VM, _ closure: Closure, argBase: Int, argc: Int, checkMissing: Bool = false) throws -> Value {
    let proto = closure.proto
    if _slowPath(argc > proto.paramCount) { throw tooManyArguments(proto, argc) }
    let depth = vm.pointee.depth &+ 1
    // The native stack is measured every 16 levels only: any deeper call passes through
    // a checked level first, and 15 levels of frames fit well inside the margin.
    if _slowPath(depth > vm.pointee.maxDepth) || (depth & 15 == 0 && NativeStack.here() < vm.pointee.stackLimit) {
        throw stackOverflow()
    }
    try tick(vm)
    vm.pointee.depth = depth
    let top = argBase &+ proto.slotCount
    if _slowPath(top > vm.pointee.stackCapacity) { vm.pointee.growStack(top) }
    let savedBase = vm.pointee.base
    vm.pointee.base = argBase
    vm.pointee.sp = top
    do {
        if _slowPath(argc != proto.paramCount || checkMissing) {
            try fillDefaults(vm, closure, argc: argc)
        }
        let result: Value
        if proto.isPlain {
            result = try runBody(vm, proto)
        } else if proto.capturesOnly {
            let savedCaptures = vm.pointee.captures
            vm.pointee.captures = closure.capturedCells
            defer { vm.pointee.captures = savedCaptures }
            result = try runBody(vm, proto)
        } else {
            try invokeSlow(vm, closure)
            result = vm.pointee.takeReturnValue()
        }
        vm.pointee.base = savedBase
        vm.pointee.depth = depth &- 1
        return result
    } catch {
        vm.pointee.base = savedBase
        vm.pointee.depth = depth &- 1
        throw leaving(proto, error)
    }
}

/// Runs the body of a function without cells or defers in its frame; returns its value.
@inline(__always)
private func runBody(_ vm: VM, _ proto: FunctionProto) throws -> Value {
    if proto.returnsExpr {
        if proto.hasLead, try proto.lead(vm) != .normal { return vm.pointee.takeReturnValue() }
        return try proto.returned(vm)
    }
    _ = try proto.body(vm)
    return vm.pointee.takeReturnValue()
}

/// "f() takes N arguments but M were given".
@inline(never)
func tooManyArguments(_ proto: FunctionProto, _ argc: Int) -> DshError {
    DshError.runtime("\(proto.name)() takes \(plural(proto.paramCount, "argument")) but \(argc) were given")
}

/// The error of a call past the depth limit or the native stack's margin.
@inline(never)
func stackOverflow() -> DshError {
    DshError.runtime("stack overflow: too many nested calls")
}

/// Default values are evaluated in the callee's scope (the resolver's): a variable of an
/// enclosing function is one of the closure's captures, and an earlier parameter that an
/// inner function captures lives in a cell; both are set up here for the defaults (the
/// body's cells are made afterwards by `invokeSlow`).
@inline(never)
func fillDefaults(_ vm: VM, _ closure: Closure, argc: Int) throws {
    let proto = closure.proto
    let base = vm.pointee.base
    var savedCaptures: UnsafeMutablePointer<Cell>?
    if closure.captureCount > 0 {
        savedCaptures = vm.pointee.captures
        vm.pointee.captures = closure.capturedCells
    }
    let savedCellBase = vm.pointee.cellBase
    let cellMark = vm.pointee.cells.count
    if proto.cellCount > 0 {
        vm.pointee.cellBase = cellMark
        for _ in 0..<proto.cellCount { vm.pointee.cells.append(Cell(.null)) }
    }
    defer {
        if proto.cellCount > 0 {
            vm.pointee.cells.removeSubrange(cellMark...)
            vm.pointee.cellBase = savedCellBase
        }
        if let savedCaptures { vm.pointee.captures = savedCaptures }
    }
    for i in 0..<proto.paramCount where i >= argc || isMissing(vm.pointee.stack[base + i]) {
        for (slot, cell) in proto.cellParams where slot < i {
            vm.pointee.cells[cellMark + cell].value = vm.pointee.stack[base + slot]
        }
        if let d = proto.defaults[i] {
            vm.pointee.stack[base + i] = try d(vm)
        } else {
            vm.pointee.stack[base + i] = .null
            throw DshError.runtime("\(proto.name)() missing argument '\(proto.paramNames[i])'")
        }
    }
}

/// The part of a call that sets up cells, captures and defers.
@inline(never)
func invokeSlow(_ vm: VM, _ closure: Closure) throws {
    let proto = closure.proto
    let savedCellBase = vm.pointee.cellBase
    let cellMark = vm.pointee.cells.count
    if proto.cellCount > 0 {
        vm.pointee.cellBase = cellMark
        for _ in 0..<proto.cellCount { vm.pointee.cells.append(Cell(.null)) }
        let base = vm.pointee.base
        for (slot, cell) in proto.cellParams {
            vm.pointee.cells[cellMark + cell].value = vm.pointee.stack[base + slot]
        }
    }
    let savedCaptures = vm.pointee.captures
    vm.pointee.captures = closure.capturedCells
    defer {
        if proto.cellCount > 0 {
            vm.pointee.cells.removeSubrange(cellMark...)
            vm.pointee.cellBase = savedCellBase
        }
        vm.pointee.captures = savedCaptures
    }
    if proto.hasDefer {
        let mark = vm.pointee.deferStack.count
        do {
            _ = try proto.body(vm)
        } catch {
            let result = vm.pointee.returnValue
            try? runDefers(vm, down: mark, after: error)
            vm.pointee.returnValue = result
            throw error
        }
        let result = vm.pointee.returnValue
        vm.pointee.returnValue = .null
        try runDefers(vm, down: mark, after: nil)
        vm.pointee.returnValue = result
    } else {
        _ = try proto.body(vm)
    }
}

/// Runs the deferred blocks registered above `mark`, last first, the function being
/// left by `error` when there is one; after a stop each block runs on a cleanup
/// allowance of its own (see `runCleanup`). The first error raised by one of them is
/// thrown after all have run.
func runDefers(_ vm: VM, down mark: Int, after error: (any Error)?) throws {
    var firstError: (any Error)?
    while vm.pointee.deferStack.count > mark {
        let block = vm.pointee.deferStack.removeLast()
        do {
            try runCleanup(vm, after: error) {
                let argBase = vm.pointee.sp
                defer { vm.pointee.pop(to: argBase) }
                _ = try invoke(vm, block, argBase: argBase, argc: 0)
            }
        } catch {
            if firstError == nil { firstError = error }
        }
    }
    if let firstError { throw firstError }
}

/// Runs the closure `u` (kept alive by the caller) on one argument pushed onto the
/// stack (no `Arguments` array), then pops its frame: what natives calling a function
/// per item (`map`, `filter`, sort keys) come to through `Runtime.call(_:with:)`.
@inline(__always)
func callWithOne(_ vm: VM, _ u: Unmanaged<Closure>, _ argument: Value) throws -> Value {
    let argBase = vm.pointee.sp
    vm.pointee.push(argument)
    let result: Value
    do {
        result = try u._withUnsafeGuaranteedRef { try invoke(vm, $0, argBase: argBase, argc: 1) }
    } catch {
        vm.pointee.pop(to: argBase)
        throw error
    }
    vm.pointee.pop(to: argBase)
    return result
}

/// Calls any function value with prepared arguments (natives, closures, named args).
func callValue(_ vm: VM, _ callee: Value, _ args: Arguments) throws -> Value {
    guard case .function(let f) = callee else {
        throw DshError.runtime("cannot call \(callee.typeName)")
    }
    if type(of: f) == Closure.self {
        let closure = unsafeDowncast(f, to: Closure.self)
        if closure.owner == vm.pointee.owner {
            return try callClosure(vm, closure, args)
        }
    }
    return try f.call(args, vm.pointee.interpreter)
}

/// Binds `args` (positional and named) to a closure's parameters and runs it.
func callClosure(_ vm: VM, _ closure: Closure, _ args: Arguments) throws -> Value {
    let proto = closure.proto
    let argBase = vm.pointee.sp
    defer { vm.pointee.pop(to: argBase) }
    if args.positional.count > proto.paramCount {
        throw tooManyArguments(proto, args.positional.count)
    }
    for v in args.positional { vm.pointee.push(v) }
    if args.named.isEmpty {
        return try invoke(vm, closure, argBase: argBase, argc: args.positional.count)
    }
    for _ in args.positional.count..<proto.paramCount { vm.pointee.push(.error(missingArgument)) }
    for (name, value) in args.named {
        guard let i = proto.paramNames.firstIndex(of: name) else {
            throw DshError.runtime("\(proto.name)() has no parameter named '\(name)'")
        }
        guard isMissing(vm.pointee.stack[argBase + i]) else {
            throw DshError.runtime("\(proto.name)() got two values for '\(name)'")
        }
        vm.pointee.stack[argBase + i] = value
    }
    return try invoke(vm, closure, argBase: argBase, argc: proto.paramCount, checkMissing: true)
}
