// InterpreterLock.swift: the lock that lets `parallel` run several threads over one
// interpreter without a race: dsh code runs on one thread at a time (the holder of the
// lock), and a thread hands the lock over only while it waits in a blocking host call
// (a Docker request, `sleep`, a stream pull). See docs/scale.md.
import Synchronization

/// One thread's machine while another thread holds the interpreter (its value stack,
/// frames, cells, depth: everything that is "where this thread is" in dsh code).
/// Touched only by its own thread (and by `parallel` before that thread starts).
final class MachineSeat: @unchecked Sendable {
    /// The parked machine; nil while its thread holds the lock (it is then in `vm`).
    var machine: Machine?
    init(_ machine: Machine?) { self.machine = machine }
}

/// The interpreter lock of one interpreter while at least one `parallel` runs in it.
///
/// Invariants (what makes it race-free):
/// - Only the holder reads or writes the interpreter, its machine (`vm.pointee`) and any
///   dsh value. Holding is a flag under `mutex`, so every hand-over is a mutex release
///   followed by a mutex acquire: everything the old holder wrote happens-before
///   everything the new holder reads.
/// - The interpreter's `vm` pointer never changes; the holder's own machine state is
///   copied into it on `acquire` and out of it on `release`. The globals buffer and the
///   step counter are the same for every thread (`shared`), so a global written by one
///   worker is seen by the next and the step budget counts every worker's steps.
/// - A thread releases only around code that touches no dsh value and no interpreter
///   state (`Runtime.whileBlocked`): waiting for a socket, a timer, a stream buffer.
final class InterpreterLock: @unchecked Sendable {
    private let mutex = ConditionLock()
    private var held = true
    /// The machine fields all threads share, valid while no one holds the lock.
    private var globals: UnsafeMutablePointer<Value>?
    private var globalCapacity = 0
    private var steps = 0
    /// How many `parallel` calls use this lock (nested calls share it).
    fileprivate var users = 0
    let vm: VM
    /// The interpreter's link, kept so that its identity (the key of `active`) is not
    /// reused by another interpreter while this lock exists.
    private let link: InterpreterLink

    fileprivate init(_ interp: Interpreter) {
        vm = interp.vm
        link = interp.link
    }

    /// Parks the calling holder's machine in `seat` and lets another thread in.
    func release(into seat: MachineSeat) {
        globals = vm.pointee.globals
        globalCapacity = vm.pointee.globalCapacity
        steps = vm.pointee.steps
        seat.machine = vm.pointee
        mutex.lock()
        held = false
        mutex.signal()
        mutex.unlock()
    }

    /// Waits for the lock, then puts the machine parked in `seat` back in place.
    func acquire(from seat: MachineSeat) {
        mutex.lock()
        while held { mutex.wait() }
        held = true
        mutex.unlock()
        var m = seat.machine!
        seat.machine = nil
        m.globals = globals!
        m.globalCapacity = globalCapacity
        m.steps = steps
        m.nextCheck = min(steps &+ 1024, m.stepLimit)
        vm.pointee = m
    }

    // MARK: - The active locks

    private static let active = Mutex<[ObjectIdentifier: InterpreterLock]>([:])
    private static let activeCount = Atomic<Int>(0)

    /// The lock of `interp`, made when its first `parallel` starts (the caller holds it).
    static func enter(_ interp: Interpreter) -> InterpreterLock {
        active.withLock { locks in
            let key = ObjectIdentifier(interp.link)
            let lock = locks[key] ?? InterpreterLock(interp)
            if locks[key] == nil {
                locks[key] = lock
                activeCount.add(1, ordering: .relaxed)
            }
            lock.users += 1
            return lock
        }
    }

    /// Ends one `parallel` of `interp` (the caller holds the lock); the last one removes it.
    static func leave(_ interp: Interpreter) {
        active.withLock { locks in
            let key = ObjectIdentifier(interp.link)
            guard let lock = locks[key] else { return }
            lock.users -= 1
            if lock.users == 0 {
                locks[key] = nil
                activeCount.subtract(1, ordering: .relaxed)
            }
        }
    }

    /// The lock of `interp` while a `parallel` runs in it.
    static func current(_ interp: Interpreter) -> InterpreterLock? {
        guard activeCount.load(ordering: .relaxed) > 0 else { return nil }
        return active.withLock { $0[ObjectIdentifier(interp.link)] }
    }
}

extension Runtime {
    /// Runs `body`, a wait that touches no dsh value and no interpreter state (a socket
    /// read, a timer, a stream buffer), letting the other workers of a running
    /// `parallel` run dsh code meanwhile. Outside `parallel` it simply runs `body`.
    /// Read what you need from the runtime (its `cancellation` token) before.
    public func whileBlocked<T>(_ body: () throws -> T) rethrows -> T {
        guard let interp = self as? Interpreter, let lock = InterpreterLock.current(interp) else {
            return try body()
        }
        let seat = MachineSeat(nil)
        lock.release(into: seat)
        defer { lock.acquire(from: seat) }
        return try body()
    }
}

/// The machine of a thread that runs dsh code beside the interpreter's own thread (a
/// `parallel` worker, a `merge` pump).
enum WorkerMachine {
    /// A fresh machine for a worker of `interp` with `token` as its cancellation and the
    /// holder's step limit, deadline and depth limit (call holding the lock).
    static func make(for interp: Interpreter, token: CancellationToken) -> Machine {
        let vm = interp.vm
        var m = Machine(interpreter: interp, owner: vm.pointee.owner)
        // The globals are the interpreter's (set on every acquire): drop its own.
        m.globals.deinitialize(count: m.globalCapacity)
        m.globals.deallocate()
        m.stepLimit = vm.pointee.stepLimit
        m.stepLimitReason = vm.pointee.stepLimitReason
        m.deadline = vm.pointee.deadline
        m.maxDepth = vm.pointee.maxDepth
        m.token = token
        return m
    }

    /// On the worker's thread: takes the lock, runs `body` with the interpreter as its
    /// runtime, hands the lock back and frees the machine's stack.
    static func run(_ seat: MachineSeat, _ lock: InterpreterLock, _ body: (Interpreter) -> Void) {
        seat.machine!.stackLimit = NativeStack.limit()
        lock.acquire(from: seat)
        let interp = lock.vm.pointee.interpreter
        MemoryMeter.running(interp.memoryMeter) { body(interp) }
        lock.release(into: seat)
        let done = seat.machine!
        seat.machine = nil
        done.stack.deinitialize(count: done.stackCapacity)
        done.stack.deallocate()
    }
}
