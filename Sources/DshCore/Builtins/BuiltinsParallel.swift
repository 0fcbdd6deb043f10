// BuiltinsParallel.swift: `parallel(items, f, limit: 8, errors: "raise")`: calls f on
// every item from up to `limit` threads whose blocking calls overlap while their dsh
// code takes turns under the interpreter lock (InterpreterLock.swift, docs/scale.md).

extension Builtins {
    static var parallelFunctions: [(String, NativeBody)] {
        [("parallel", { args, rt in try Parallel.run(args, rt) })]
    }
}

/// The `parallel` built-in.
enum Parallel {
    /// Workers when `limit:` is not given.
    static let defaultLimit = 8
    /// The native stack of a worker thread (address space; touched only as deep as used).
    static let workerStackSize = 64 << 20

    static func run(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("parallel", 2, 2, named: ["limit", "errors"])
        let f = try Expect.function(args.at(1), "parallel", "f")
        var limit = defaultLimit
        if let l = args.option("limit") {
            limit = try Expect.int(l, "parallel", "limit")
            guard limit >= 1 else { throw DshError.runtime("parallel: limit must be at least 1, got \(limit)") }
        }
        var collect = false
        if let e = args.option("errors") {
            switch try Expect.string(e, "parallel", "errors") {
            case "raise": collect = false
            case "collect": collect = true
            case let other: throw DshError.runtime("parallel: errors must be \"raise\" or \"collect\", got \"\(other)\"")
            }
        }
        let items = try Seq.array(args.at(0), "parallel", rt)
        let job = ParallelJob(items: items, f: f, collect: collect)
        if !items.isEmpty {
            if let interp = rt as? Interpreter {
                job.runThreads(interp, workers: min(limit, items.count))
            } else {
                try job.runHere(rt)
            }
        }
        if let failure = job.failure { throw failure }
        let results = Value.list(job.results.map { $0 ?? .null })
        guard collect else { return results }
        let errors = job.errors.sorted { $0.index < $1.index }.map { entry -> Value in
            .map(["index": .int(entry.index), "item": items[entry.index], "error": errorValue(entry.error)])
        }
        return .map(["ok": results, "errors": .list(errors)])
    }

    /// The error as a dsh value (what `catch e` would bind).
    static func errorValue(_ error: any Error) -> Value {
        if let e = error as? DshError { return e.value ?? .error(ErrorValue(message: e.message)) }
        return .error(ErrorValue(message: "\(error)"))
    }

    /// The error `parallel` raises for item `index`: its message names the item, its
    /// members are `index`, `item` and `cause` (the item's own error); the span stays the
    /// one of the failing code inside f.
    static func itemError(_ error: DshError, index: Int, item: Value) -> DshError {
        var shown = item.sourceString
        if shown.count > 60 { shown = String(shown.prefix(57)) + "..." }
        let message = "parallel: item \(index) (\(shown)) failed: \(error.message)"
        var e = DshError.runtime(message, fields: [("index", .int(index)), ("item", item), ("cause", errorValue(error))])
        e.span = error.span
        return e
    }
}

/// One `parallel` call's shared state. Everything but `finished` is read and written only
/// by the holder of the interpreter lock (hence `@unchecked Sendable`).
final class ParallelJob: @unchecked Sendable {
    let items: [Value]
    let f: Value
    let collect: Bool
    var results: [Value?]
    var errors: [(index: Int, error: any Error)] = []
    /// What `parallel` raises: the first item error (raise mode) or a stop (cancel, the
    /// step budget, the time limit, `exit`).
    var failure: (any Error)?
    private var next = 0
    /// Counts finished workers (its own lock: the waiter does not hold the interpreter).
    private let finished = ConditionLock()
    private var finishedCount = 0

    init(items: [Value], f: Value, collect: Bool) {
        self.items = items
        self.f = f
        self.collect = collect
        results = Array(repeating: nil, count: items.count)
    }

    /// Calls f on items until none is left or the group is cancelled (lock held).
    private func work(_ rt: any Runtime, _ group: CancellationToken?) {
        while next < items.count, group?.isCancelled != true {
            let i = next
            next += 1
            do {
                results[i] = try rt.call(f, with: items[i])
            } catch let e as DshError where e.kind != .interrupted {
                if collect {
                    errors.append((i, e))
                } else {
                    if failure == nil {
                        failure = Parallel.itemError(e, index: i, item: items[i])
                        group?.cancel(reason: "parallel: stopped because item \(i) failed")
                    }
                    return
                }
            } catch {
                // A stop (interrupted, exit): the first one wins unless an item error
                // already stopped the group (then this is that stop arriving).
                if failure == nil {
                    failure = error
                    group?.cancel(reason: (error as? DshError)?.message ?? "parallel: stopped")
                }
                return
            }
        }
    }

    /// Without an interpreter to share: one item after another on this thread.
    func runHere(_ rt: any Runtime) throws {
        work(rt, nil)
    }

    /// Runs `workers` threads over `interp`; returns when all have finished.
    func runThreads(_ interp: Interpreter, workers: Int) {
        let lock = InterpreterLock.enter(interp)
        defer { InterpreterLock.leave(interp) }
        let parent = interp.currentToken
        let group = CancellationToken()
        let link = parent.register { group.cancel(reason: parent.reason) }
        defer { parent.unregister(link) }
        for _ in 0..<workers {
            let seat = MachineSeat(WorkerMachine.make(for: interp, token: group))
            EvaluationThread.start(stackSize: Parallel.workerStackSize) { [self] in
                WorkerMachine.run(seat, lock) { work($0, group) }
                finished.lock()
                finishedCount += 1
                finished.signal()
                finished.unlock()
            }
        }
        let mainSeat = MachineSeat(nil)
        lock.release(into: mainSeat)
        finished.lock()
        while finishedCount < workers { finished.wait() }
        finished.unlock()
        lock.acquire(from: mainSeat)
        if failure == nil, parent.isCancelled { failure = DshError(.interrupted, parent.reason) }
    }
}
