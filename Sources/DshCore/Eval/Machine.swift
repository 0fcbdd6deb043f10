// Machine.swift: the evaluator's registers (value stack, frame base, cells, captures,
// globals, step counter) kept in one manually allocated struct, so compiled code reads
// them through a pointer without exclusivity checks or reference counting.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A variable captured by a closure: the box both the frame and the closures share.
final class Cell {
    /// (No dynamic exclusivity check: every access is a short read or store, and the
    /// check cost two runtime calls per access of a captured variable.)
    @exclusivity(unchecked)
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// How a statement finished.
enum Flow {
    case normal, breakLoop, continueLoop, returned
}

/// Compiled expression.
typealias Code = (VM) throws -> Value
/// Compiled statement.
typealias StmtCode = (VM) throws -> Flow
/// Compiled condition.
typealias CondCode = (VM) throws -> Bool
/// The machine, as compiled code sees it.
typealias VM = UnsafeMutablePointer<Machine>

// Compiled closures kept in arrays go in these boxes. An `Array` (or `Optional`, or a
// tuple in an array) stores a function value at the generic abstraction level: putting
// a closure in wraps it in a reabstraction thunk and taking it out into a local of
// function type wraps that in a second one, so every run pays two extra calls. A
// stored property of a non-generic struct keeps the closure's own convention.

/// A compiled expression, boxed for storing in arrays.
struct CodeBox { let run: Code }
/// A compiled statement, boxed for storing in arrays.
struct StmtBox { let run: StmtCode }
/// A compiled store into a variable, boxed for storing in arrays.
struct StoreBox { let run: (VM, Value) -> Void }

/// Thrown by `?.` on nil and caught at the end of its chain.
struct OptionalChainNil: Error {}

/// The evaluator's registers.
struct Machine {
    /// The value stack: frames of locals, and arguments being prepared.
    var stack: UnsafeMutablePointer<Value>
    var stackCapacity: Int
    /// First free slot. Every slot at or above it holds `.null`.
    var sp = 0
    /// The current frame's first slot.
    var base = 0
    /// Cells of the frames, as a stack; `cellBase` is the current frame's first.
    var cells = ContiguousArray<Cell>()
    var cellBase = 0
    /// The running closure's captured cells (its `capturedCells`; saved and restored by
    /// a call as a plain pointer, without reference counting).
    var captures = Closure.noCaptures
    /// The global slots.
    var globals: UnsafeMutablePointer<Value>
    var globalCapacity: Int
    /// The value a `return` left.
    var returnValue: Value = .null
    /// The value of the last top-level expression statement.
    var lastValue: Value = .null
    /// Steps taken (loop back-edges and calls); checks happen at `nextCheck`.
    var steps = 0
    var nextCheck = 1024
    var stepLimit = Int.max
    /// The error message when `stepLimit` is reached.
    var stepLimitReason = ""
    /// Monotonic deadline in nanoseconds (0: none).
    var deadline: UInt64 = 0
    /// The error message when `deadline` passes.
    var deadlineReason = ""
    /// Whether `defer` blocks are running on the cleanup allowance after a stop.
    var inCleanup = false
    /// Call depth and its limit.
    var depth = 0
    var maxDepth = 50_000
    /// The lowest native stack address calls may reach.
    var stackLimit: UInt = 0
    /// The outermost evaluation's cancellation token while it runs (nil between runs).
    var token: CancellationToken?
    /// Pending `defer` blocks of the running functions.
    var deferStack: [Closure] = []
    /// The interpreter (for natives' `Runtime`).
    unowned(unsafe) var interpreter: Interpreter
    /// The identity of the interpreter's link: closures with this `owner` are its own.
    let owner: ObjectIdentifier
    /// `Closure`'s class, for the "is it a closure" test of a call (a load and a
    /// compare instead of a call of the class's metadata accessor).
    let closureClass = ObjectIdentifier(Closure.self)

    init(interpreter: Interpreter, owner: ObjectIdentifier) {
        self.interpreter = interpreter
        self.owner = owner
        stackCapacity = 1024
        stack = .allocate(capacity: stackCapacity)
        stack.initialize(repeating: .null, count: stackCapacity)
        globalCapacity = 256
        globals = .allocate(capacity: globalCapacity)
        globals.initialize(repeating: .null, count: globalCapacity)
    }

    /// Releases the buffers.
    mutating func destroy() {
        stack.deinitialize(count: stackCapacity)
        stack.deallocate()
        globals.deinitialize(count: globalCapacity)
        globals.deallocate()
    }

    /// Makes room for `needed` stack slots.
    mutating func growStack(_ needed: Int) {
        var cap = stackCapacity
        while cap < needed { cap *= 2 }
        let fresh = UnsafeMutablePointer<Value>.allocate(capacity: cap)
        fresh.moveInitialize(from: stack, count: stackCapacity)
        (fresh + stackCapacity).initialize(repeating: .null, count: cap - stackCapacity)
        stack.deallocate()
        stack = fresh
        stackCapacity = cap
    }

    /// Makes room for `needed` globals.
    mutating func growGlobals(_ needed: Int) {
        guard needed > globalCapacity else { return }
        var cap = globalCapacity
        while cap < needed { cap *= 2 }
        let fresh = UnsafeMutablePointer<Value>.allocate(capacity: cap)
        fresh.moveInitialize(from: globals, count: globalCapacity)
        (fresh + globalCapacity).initialize(repeating: .null, count: cap - globalCapacity)
        globals.deallocate()
        globals = fresh
        globalCapacity = cap
    }

    /// Pushes an argument. The slot holds `.null` (nothing to release), so the value is
    /// moved in with `initialize` instead of an assignment that would destroy the old one.
    @inline(__always) mutating func push(_ v: __owned Value) {
        if sp == stackCapacity { growStack(sp + 1) }
        (stack + sp).initialize(to: v)
        sp &+= 1
    }

    /// Pushes a copy of the value at `p`. An int, a float, a bool or nil is copied
    /// without the out-of-line copy (a switch on the case) that a generic copy calls.
    @inline(__always) mutating func push(copyOf p: UnsafePointer<Value>) {
        switch p.pointee {
        case .int(let x): push(.int(x))
        case .float(let x): push(.float(x))
        case .bool(let x): push(.bool(x))
        case .null: push(.null)
        default: push(p.pointee)
        }
    }

    /// Stores `v` in the slot at `p`. When the slot holds a value without references (an
    /// int, a float, a bool, nil: a loop counter's last value), `v` is moved in without
    /// the out-of-line destroy of the old value that an assignment calls.
    @inline(__always) static func store(_ v: __owned Value, at p: UnsafeMutablePointer<Value>) {
        switch p.pointee {
        case .int, .float, .bool, .null: p.initialize(to: v)
        default: p.pointee = v
        }
    }

    /// The value a `return` left, moved out (no copy), leaving `.null` behind.
    @inline(__always) mutating func takeReturnValue() -> Value {
        var result = Value.null
        swap(&result, &returnValue)
        return result
    }

    /// Drops everything from `mark` up, restoring the `.null` invariant. A slot holding
    /// a value without references (an int, a float, a bool, nil) is overwritten without
    /// the out-of-line destroy of the old value that an assignment calls.
    @inline(__always) mutating func pop(to mark: Int) {
        var p = stack + mark
        let end = stack + sp
        while p < end {
            switch p.pointee {
            case .int, .float, .bool, .null: p.initialize(to: .null)
            default: p.pointee = .null
            }
            p += 1
        }
        sp = mark
    }

    /// The closure of this interpreter that `v` holds, not retained (nil for any other
    /// value: a native, a closure of another interpreter, not a function).
    @inline(__always) func closure(in v: UnsafePointer<Value>) -> Unmanaged<Closure>? {
        guard case .function(let fv) = v.pointee, ObjectIdentifier(type(of: fv)) == closureClass else { return nil }
        let closure = unsafeDowncast(fv, to: Closure.self)
        guard closure.owner == owner else { return nil }
        return Unmanaged.passUnretained(closure)
    }

    /// The closure of this interpreter that `v` is, not retained (see `closure(in:)`).
    @inline(__always) func closure(of v: Value) -> Unmanaged<Closure>? {
        guard case .function(let fv) = v, ObjectIdentifier(type(of: fv)) == closureClass else { return nil }
        let closure = unsafeDowncast(fv, to: Closure.self)
        guard closure.owner == owner else { return nil }
        return Unmanaged.passUnretained(closure)
    }
}

#if os(Linux)
/// glibc's `pthread_getattr_np` (a GNU extension the Glibc module does not export).
@_silgen_name("pthread_getattr_np")
private func dsh_pthread_getattr_np(_ thread: pthread_t, _ attr: UnsafeMutablePointer<pthread_attr_t>) -> Int32
#endif

/// Native stack bounds of the calling thread.
enum NativeStack {
    /// An address below which calls must stop (256 KB above the stack's low end), or 0.
    static func limit() -> UInt {
        #if os(Linux)
        var attr = pthread_attr_t()
        guard dsh_pthread_getattr_np(pthread_self(), &attr) == 0 else { return 0 }
        defer { pthread_attr_destroy(&attr) }
        var addr: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attr, &addr, &size) == 0, let addr else { return 0 }
        let low = UInt(bitPattern: addr)
        let margin: UInt = size > 4 << 20 ? 512 << 10 : 256 << 10
        return low + min(margin, UInt(size) / 2)
        #elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        return top - size + min(256 << 10, size / 2)
        #else
        return 0
        #endif
    }

    /// The current stack position (roughly). Not inlined: the address of a local in a
    /// caller's frame would make the compiler add a stack protector to it.
    @inline(never) static func here() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }
}

/// Monotonic clock in nanoseconds.
@inline(__always) func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
