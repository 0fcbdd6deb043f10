// ParallelTests.swift: `parallel` from a host's side: the limit on concurrent calls, and
// that a cancel, the step budget and the time limit stop every worker.
import Synchronization
import Testing
@testable import DshCore
#if canImport(Glibc)
import Glibc
#endif

/// Counts the calls of a blocking native that are in progress at once.
private final class ConcurrencyMeter: Sendable {
    let inside = Atomic<Int>(0)
    let most = Atomic<Int>(0)
    let calls = Atomic<Int>(0)

    /// A native `hold(n)`: a blocking host call (it lets the other workers run) that
    /// waits until `n` calls are inside at once (or 10 s pass), then returns.
    func install(into interp: Interpreter) {
        interp.define("hold") { args, rt in
            let want = args[0]?.asInt ?? 1
            self.calls.add(1, ordering: .relaxed)
            let now = self.inside.add(1, ordering: .relaxed).newValue
            var seen = self.most.load(ordering: .relaxed)
            while now > seen {
                let (exchanged, original) = self.most.compareExchange(expected: seen, desired: now, ordering: .relaxed)
                if exchanged { break }
                seen = original
            }
            rt.whileBlocked {
                var waited = 0
                while self.inside.load(ordering: .relaxed) < want && waited < 1000 {
                    usleep(10_000)
                    waited += 1
                }
            }
            self.inside.subtract(1, ordering: .relaxed)
            return .null
        }
    }
}

/// Runs `body` on a thread of its own with a big stack (never blocking a thread of the
/// test's cooperative pool, which the push streams' producer Tasks need) and awaits it.
private func onEvaluationThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        EvaluationThread.start(stackSize: 64 << 20) { continuation.resume(returning: body()) }
    }
}

/// What evaluating `source` gave: the printed text and the value, or the error.
private func outcome(_ interp: Interpreter, _ sink: TextSink, _ source: String) -> String {
    do {
        let v = try interp.evaluate(source)
        return sink.text + v.displayString
    } catch let e as DshError {
        return "error(\(e.kind)): \(e.message)"
    } catch {
        return "error: \(error)"
    }
}

@Suite struct ParallelTests {
    /// Evaluates `source` in a fresh interpreter set up by `setUp`; the printed text or
    /// the error's message.
    private func run(_ source: String, setUp: @escaping @Sendable (Interpreter) -> Void = { _ in }) async -> String {
        await onEvaluationThread {
            let sink = TextSink.capture()
            let interp = Interpreter(output: sink, errorOutput: sink)
            setUp(interp)
            return outcome(interp, sink, source)
        }
    }

    @Test(arguments: [1, 3, 8])
    func atMostLimitCallsRunAtOnceAndAsManyAsItAllows(limit: Int) async {
        let meter = ConcurrencyMeter()
        // A multiple of the limit: every batch fills up (no call waits for the 10 s fallback).
        let out = await run("parallel(range(\(limit * 3)), x => hold(\(limit)), limit: \(limit)) | len", setUp: meter.install)
        #expect(out == "\(limit * 3)")
        #expect(meter.calls.load(ordering: .relaxed) == limit * 3)
        // hold(n) waits for n calls inside at once: reaching exactly `limit` proves the
        // blocking calls overlap, and never more proves the limit holds.
        #expect(meter.most.load(ordering: .relaxed) == limit)
    }

    @Test func theDefaultLimitIsEight() async {
        let meter = ConcurrencyMeter()
        let out = await run("parallel(range(24), x => hold(8)) | len", setUp: meter.install)
        #expect(out == "24")
        #expect(meter.most.load(ordering: .relaxed) == 8)
    }

    @Test func aCancelStopsEveryWorker() async {
        let meter = ConcurrencyMeter()
        let out = await onEvaluationThread { () -> String in
            let sink = TextSink.capture()
            let interp = Interpreter(output: sink, errorOutput: sink)
            meter.install(into: interp)
            nonisolated(unsafe) let target = interp
            // Cancel once four workers are inside their sleep.
            let watcher = Watcher.start {
                var waited = 0
                while meter.calls.load(ordering: .relaxed) < 4 && waited < 1000 { usleep(10_000); waited += 1 }
                usleep(50_000)
                target.cancel(reason: "stop now")
            }
            defer { watcher.join() }
            do {
                _ = try interp.evaluate("parallel(range(4), (x) => { hold(1); sleep(60) }, limit: 4)")
                return "finished"
            } catch let e as DshError {
                return "\(e.kind): \(e.message)"
            } catch {
                return "\(error)"
            }
        }
        #expect(out == "interrupted: stop now")
    }

    @Test func theStepBudgetStopsEveryWorker() async {
        let out = await run("parallel(range(4), (x) => { while true { } }, limit: 4)") { $0.maxSteps = 100_000 }
        #expect(out == "error(interrupted): step budget of 100000 exceeded")
    }

    @Test func theStepBudgetCountsEveryWorkersSteps() async {
        // Each item alone fits in the budget; all of them together do not.
        let out = await run("parallel(range(8), (x) => { for i in range(20_000) { } })") { $0.maxSteps = 100_000 }
        #expect(out == "error(interrupted): step budget of 100000 exceeded")
    }

    @Test func theTimeLimitStopsEveryWorker() async {
        let out = await run("parallel(range(4), x => sleep(60), limit: 4)") { $0.timeLimit = .milliseconds(300) }
        #expect(out.hasPrefix("error(interrupted): time limit of"))
    }

    @Test func theInterpreterWorksNormallyAfterwards() async {
        let out = await run("""
            var total = 0
            let r = parallel(range(50), (x) => { total += x; return x * 2 }, limit: 4)
            print(total)
            print(sum(r))
            map([1, 2], x => x + 1)
            """)
        #expect(out == "1225\n2450\n[2, 3]")
    }
}

/// A joinable thread for the tests.
private final class Watcher: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    private init(_ body: @escaping () -> Void) { self.body = body }

    static func start(_ body: @escaping @Sendable () -> Void) -> Watcher {
        let t = Watcher(body)
        let context = Unmanaged.passRetained(t).toOpaque()
        pthread_create(&t.thread, nil, { raw in
            Unmanaged<Watcher>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
        return t
    }

    func join() { pthread_join(thread, nil) }
}

/// The push streams a test made, to check that `merge` closed them.
private final class MadeStreams: @unchecked Sendable {
    var streams: [PushStream<Int>] = []
}

@Suite struct MergeTests {
    /// An interpreter with `numbers(first, count, forever)`: a push stream fed by a Task
    /// with `count` ints from `first`, which then ends, or with `forever`, stays open
    /// until closed.
    private func run(_ source: String, _ made: MadeStreams) async -> String {
        await onEvaluationThread {
            let sink = TextSink.capture()
            let interp = Interpreter(output: sink, errorOutput: sink)
            interp.timeLimit = .seconds(60)
            interp.define("numbers") { args, _ in
                let first = args[0]?.asInt ?? 0
                let count = args[1]?.asInt ?? 0
                let forever = args[2]?.isTruthy ?? false
                let s = PushStream<Int>(label: "numbers", capacity: 4) { .int($0) }
                made.streams.append(s)
                let producer = s.producer
                Task {
                    for i in first..<(first + count) {
                        guard await producer.yield(i) else { return }
                    }
                    if !forever { producer.finish() }
                }
                return .stream(s)
            }
            return outcome(interp, sink, source)
        }
    }

    @Test func everyItemOnceTaggedWithItsSourceInEachSourcesOrder() async {
        let made = MadeStreams()
        let out = await run("""
            let all = merge(numbers(0, 100, false), web: numbers(1000, 50, false)) | collect
            let a = all | filter(e => e.source == 0) | map(e => e.item)
            let b = all | filter(e => e.source == "web") | map(e => e.item)
            [len(all), a == (range(100) | collect), b == (range(1000, 1050) | collect)]
            """, made)
        #expect(out == "[150, true, true]")
        #expect(made.streams.count == 2 && made.streams.allSatisfy { $0.isClosed })
    }

    @Test func closingTheMergedStreamClosesEverySource() async {
        let made = MadeStreams()
        let out = await run("merge(numbers(0, 3, true), numbers(10, 3, true), numbers(20, 3, true)) | take(5) | collect | len", made)
        #expect(out == "5")
        #expect(made.streams.count == 3)
        #expect(made.streams.allSatisfy { $0.isClosed }, "every source was closed")
    }

    @Test func aLazySourceRunsItsFunctionsOnThePump() async {
        let made = MadeStreams()
        let out = await run("merge(numbers(0, 5, false) | map(x => x * 10)) | map(e => e.item) | collect", made)
        #expect(out == "[0, 10, 20, 30, 40]")
    }

    @Test func aSourcesErrorEndsTheMergedStream() async {
        let out = await run("merge(numbers(0, 2, false) | map(x => 10 / x)) | map(e => e.item) | collect", MadeStreams())
        #expect(out == "error(runtime): division by zero")
    }

    @Test func badArguments() async {
        #expect(await run("merge()", MadeStreams()) == "error(runtime): merge: expected at least 1 stream, got 0")
        #expect(await run("merge([1])", MadeStreams()) == "error(runtime): merge: argument 1 must be a stream, got list")
        #expect(await run("merge(a: 5)", MadeStreams()) == "error(runtime): merge: 'a' must be a stream, got int")
    }
}
