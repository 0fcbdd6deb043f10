// MemoryMeter.swift: the memory limit of one interpreter. The operations that grow
// values report the bytes they allocate (a counter: cheap); once they add up to the
// slack left under the limit, the live size of the script's values is measured
// (`MemoryCensus`) and compared with the limit. See `InterpreterLimits`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The memory limit of one interpreter and what was allocated since it last measured.
/// Touched only by the thread that holds its interpreter.
final class MemoryMeter {
    /// The limit in bytes.
    let limit: Int
    /// The interpreter's machine (whose roots the census walks).
    private let vm: VM
    /// Bytes reported since the last census.
    @exclusivity(unchecked) private var sinceCensus = 0
    /// The allocation that triggers the next census.
    @exclusivity(unchecked) private var slack: Int
    /// The error message.
    let message: String

    init(limit: Int, vm: VM) {
        self.limit = max(1, limit)
        self.vm = vm
        slack = self.limit
        message = "memory limit of \(InterpreterLimits.describeMemory(self.limit)) exceeded"
        MemoryMeter.anyLimit.store(true, ordering: .releasing)
    }

    /// Records `bytes` newly allocated; `building` is the size of a value being made
    /// that the script's variables may not reach yet (it is added to the census).
    /// Throws (no span: callers add theirs) when the live size passes the limit.
    @inline(__always)
    func charge(_ bytes: Int, building: Int = 0) throws {
        sinceCensus &+= bytes
        if sinceCensus > slack || building > limit { try measure(building) }
    }

    /// `charge`, with a failure at `span`.
    @inline(__always)
    func charge(_ bytes: Int, building: Int = 0, at span: SourceSpan) throws {
        do { try charge(bytes, building: building) } catch let e as DshError { throw failure(e.message, span) }
    }

    /// Measures the live size; throws when it is over the limit.
    @inline(never)
    private func measure(_ building: Int) throws {
        sinceCensus = 0
        let live = building > limit ? building : MemoryCensus.liveBytes(vm).addingReportingOverflow(building).partialValue
        // Measure again after an eighth of the limit at least (not after every small
        // allocation when the live size sits just under it).
        slack = max(limit - min(live, limit), limit / 8)
        if live > limit { throw DshError.runtime(message) }
    }

    // MARK: - The running interpreter's meter

    /// The key of the thread's running meter (set while an interpreter with a limit runs).
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Whether an interpreter with a memory limit was ever made: until then no thread
    /// looks its running meter up (the operations that grow values pay one load).
    private static let anyLimit = Atomic<Bool>(false)

    /// The meter of the interpreter running on this thread, if it has a limit.
    @inline(__always)
    static var current: MemoryMeter? {
        guard anyLimit.load(ordering: .acquiring), let p = pthread_getspecific(key) else { return nil }
        return Unmanaged<MemoryMeter>.fromOpaque(p).takeUnretainedValue()
    }

    /// Runs `body` with `meter` as the thread's running meter, then restores the previous one.
    static func running<T>(_ meter: MemoryMeter?, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        let mine = meter.map { Unmanaged.passUnretained($0).toOpaque() }
        if previous == mine { return try body() }
        pthread_setspecific(key, mine)
        defer { pthread_setspecific(key, previous) }
        return try body()
    }

    /// Reports `bytes` to the running meter, if any; a failure gets `span`.
    @inline(__always)
    static func charge(_ bytes: Int, building: Int = 0, _ span: SourceSpan) throws {
        try current?.charge(bytes, building: building, at: span)
    }

    /// Reports a new value of `size()` bytes (computed only under a limit) that no
    /// variable holds yet to the running meter; a failure gets `span`.
    @inline(__always)
    static func charge(new size: @autoclosure () -> Int, _ span: SourceSpan) throws {
        guard let m = current else { return }
        let n = size()
        try m.charge(n, building: n, at: span)
    }

    /// Reports storing `value` (and `extra` bytes, a new key) in a list or map, to the
    /// meter of the interpreter running `vm`; nothing is computed without a limit.
    @inline(__always)
    static func charge(_ vm: VM, storing value: Value, extra: Int = 0, _ span: SourceSpan) throws {
        guard let m = vm.pointee.interpreter.memoryMeter else { return }
        try m.charge(footprint(value) &+ extra, at: span)
    }

    /// What one value adds to the container holding it: its slot, plus the bytes of a
    /// string or bytes payload (lists and maps count their own items when built).
    @inline(__always)
    static func footprint(_ v: Value) -> Int {
        switch v {
        case .string(let s): return MemoryCensus.slot &+ s.utf8.count
        case .bytes(let b): return MemoryCensus.slot &+ b.count
        default: return MemoryCensus.slot
        }
    }

    /// The footprints of `items` added up.
    static func footprint(_ items: [Value]) -> Int {
        items.reduce(0) { $0 &+ footprint($1) }
    }
}

/// Natives report what they build through these (a no-op without a limit).
extension Runtime {
    /// Reports `bytes` about to be allocated for a value of `building` bytes that no
    /// variable holds yet; throws "memory limit of ... exceeded" when the interpreter's
    /// live values would pass its memory limit (`InterpreterLimits.memory`).
    public func reserveMemory(_ bytes: Int, building: Int = 0) throws {
        try MemoryMeter.current?.charge(bytes, building: building)
    }

    /// Reports a new value of `bytes` bytes that no variable holds yet (a result about
    /// to be returned): `reserveMemory(bytes, building: bytes)`.
    public func reserveMemory(forNew bytes: Int) throws {
        try MemoryMeter.current?.charge(bytes, building: bytes)
    }
}
