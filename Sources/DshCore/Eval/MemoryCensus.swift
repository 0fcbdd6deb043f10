// MemoryCensus.swift: the approximate live size of an interpreter's values: a walk
// from its machine's roots (globals, the value stack, cells, captures, pending defers)
// that counts each list, map, closure, error and heap string or bytes buffer once.

/// Measures the values an interpreter's machine reaches.
struct MemoryCensus {
    /// A value slot (in a list, a frame, a map entry).
    static let slot = MemoryLayout<Value>.stride
    /// The fixed cost of a heap object (header, fields, allocator rounding).
    static let object = 48

    private var total = 0
    private var work: [Value] = []
    private var objects = Set<ObjectIdentifier>()
    private var buffers = Set<UInt>()

    /// The bytes of everything `vm`'s machine reaches.
    static func liveBytes(_ vm: VM) -> Int {
        var census = MemoryCensus()
        let m = vm.pointee
        census.total = (m.stackCapacity &+ m.globalCapacity) &* slot
        for i in 0..<m.globalCapacity { census.visit(m.globals[i]) }
        for i in 0..<m.sp { census.visit(m.stack[i]) }
        for cell in m.cells { census.visit(cell) }
        // The running closure's captures (`m.captures`, a bare pointer) are reached through
        // the closure itself, which sits in the slot it was called from.
        census.visit(m.returnValue)
        census.visit(m.lastValue)
        for closure in m.deferStack { census.visit(.function(closure)) }
        census.drain()
        return census.total
    }

    /// The approximate bytes of `value` and what it reaches.
    static func size(of value: Value) -> Int {
        var census = MemoryCensus()
        census.total = slot
        census.visit(value)
        census.drain()
        return census.total
    }

    /// `value` (a built-in's new result), once reported to the running memory limit.
    static func reserve(_ value: Value, _ rt: any Runtime) throws -> Value {
        if MemoryMeter.current != nil { try rt.reserveMemory(forNew: size(of: value)) }
        return value
    }

    /// Counts a captured variable's box and its value.
    private mutating func visit(_ cell: Cell) {
        guard objects.insert(ObjectIdentifier(cell)).inserted else { return }
        total &+= MemoryCensus.object
        visit(cell.value)
    }

    /// Counts `v`'s payload (its slot is its holder's); containers go on the work list.
    private mutating func visit(_ v: Value) {
        switch v {
        case .null, .bool, .int, .float:
            return
        case .string(let s):
            let n = s.utf8.count
            guard n > 15 else { return }  // small strings live in the slot
            let address = s.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? 0
            if address == 0 || buffers.insert(address).inserted { total &+= n &+ 32 }
        case .bytes(let b):
            guard !b.isEmpty else { return }
            let address = b.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            if buffers.insert(address).inserted { total &+= b.count &+ 32 }
        case .list(let l):
            if objects.insert(ObjectIdentifier(l)).inserted { work.append(v) }
        case .map(let m):
            if objects.insert(ObjectIdentifier(m)).inserted { work.append(v) }
        case .function(let f):
            guard objects.insert(ObjectIdentifier(f)).inserted else { return }
            total &+= MemoryCensus.object
            if let closure = f as? Closure {
                total &+= closure.captureCount &* 8
                for cell in UnsafeBufferPointer(start: closure.capturedCells, count: closure.captureCount) { visit(cell) }
            }
        case .error(let e):
            guard objects.insert(ObjectIdentifier(e)).inserted else { return }
            total &+= MemoryCensus.object &+ e.message.utf8.count &+ e.fields.count &* (MemoryCensus.slot &+ 32)
            for value in e.fields.values { visit(value) }
            if let p = e.payload { visit(p) }
        case .stream(let s):
            if objects.insert(ObjectIdentifier(s)).inserted { total &+= MemoryCensus.object }
        case .object(let o):
            if objects.insert(ObjectIdentifier(o)).inserted { total &+= MemoryCensus.object }
        }
    }

    /// Counts the lists and maps on the work list and what they hold (no recursion:
    /// a list nested a million deep is walked in a loop).
    private mutating func drain() {
        while let v = work.popLast() {
            switch v {
            case .list(let l):
                total &+= MemoryCensus.object &+ l.items.capacity &* MemoryCensus.slot
                for item in l.items { visit(item) }
            case .map(let m):
                // Per entry: the value slot, the key (inline up to 15 bytes) and the index.
                total &+= MemoryCensus.object &+ m.entries.count &* (MemoryCensus.slot &+ 16 &+ 16)
                for (key, value) in m.entries {
                    if key.utf8.count > 15 { total &+= key.utf8.count &+ 32 }
                    visit(value)
                }
            default:
                break
            }
        }
    }
}
