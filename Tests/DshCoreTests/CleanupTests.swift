// CleanupTests.swift: `defer` blocks after a stop (step budget, time limit, cancel)
// run on their own grace allowance; a second cancel ends them; the interpreter is
// usable afterwards.
import Dispatch
import Synchronization
import Testing
@testable import DshCore

/// What the script's `note(x)` calls recorded (from any thread).
private final class Notes: Sendable {
    private let items = Mutex<[String]>([])
    var all: [String] { items.withLock { $0 } }
    func add(_ s: String) { items.withLock { $0.append(s) } }
}

/// An interpreter whose `note(x)` records `x`, and whose `signal()` signals `ready`.
private func makeInterpreter(_ notes: Notes, ready: DispatchSemaphore? = nil) -> Interpreter {
    let interp = Interpreter(output: .capture(), errorOutput: .capture())
    interp.define("note") { args, _ in
        notes.add(args[0]?.displayString ?? "")
        return .null
    }
    interp.define("signal") { _, _ in
        ready?.signal()
        return .null
    }
    return interp
}

/// The error `source` ends with.
private func stopError(_ interp: Interpreter, _ source: String) -> DshError? {
    do {
        _ = try interp.evaluate(source)
        return nil
    } catch let e as DshError {
        return e
    } catch {
        return nil
    }
}

@Suite struct CleanupTests {
    @Test func defersRunAfterTheStepBudgetWithTheirOwnSteps() {
        let notes = Notes()
        let interp = makeInterpreter(notes)
        interp.maxSteps = 10_000
        // The defer loops 5000 times after the budget is spent: its own allowance.
        let e = stopError(interp, """
            fn work() {
                defer {
                    var n = 0
                    for i in range(5000) { n += 1 }
                    note("cleaned ${n}")
                }
                while true { }
            }
            work()
            """)
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "step budget of 10000 exceeded")
        #expect(notes.all == ["cleaned 5000"])
        // The next evaluation runs on a fresh budget.
        #expect((try? interp.evaluate("1 + 1"))?.asInt == 2)
    }

    @Test func defersRunAfterTheTimeLimitAndMayWait() {
        let notes = Notes()
        let interp = makeInterpreter(notes)
        interp.timeLimit = .milliseconds(200)
        let e = stopError(interp, """
            defer {
                sleep(0.05)
                note("cleaned")
            }
            note("started")
            sleep(30)
            note("not reached")
            """)
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "time limit of 0.2 seconds exceeded")
        #expect(notes.all == ["started", "cleaned"])
    }

    @Test func defersRunAfterCancelFromAnotherThreadInEveryFrame() {
        let notes = Notes()
        let ready = DispatchSemaphore(value: 0)
        let interp = makeInterpreter(notes, ready: ready)
        let handle = interp.cancelHandle
        DispatchQueue.global().async {
            ready.wait()
            handle.cancel(reason: "stopped by the host")
        }
        let e = EvaluationThread.run {
            stopError(interp, """
                fn inner() {
                    defer { note("inner") }
                    signal()
                    sleep(30)
                }
                fn outer() {
                    defer {
                        fn helper() {
                            defer { note("nested defer in cleanup") }
                            note("helper")
                        }
                        helper()
                        note("outer")
                    }
                    inner()
                }
                outer()
                """)
        }
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "stopped by the host")
        #expect(notes.all == ["inner", "helper", "nested defer in cleanup", "outer"])
    }

    @Test func aSecondCancelEndsTheCleanup() {
        let notes = Notes()
        let ready = DispatchSemaphore(value: 0)
        let interp = makeInterpreter(notes, ready: ready)
        let handle = interp.cancelHandle
        DispatchQueue.global().async {
            ready.wait()            // the script runs
            handle.cancel()
            ready.wait()            // its cleanup runs
            handle.cancel()
        }
        let e = stopError(interp, """
            defer {
                note("cleanup began")
                signal()
                sleep(30)
                note("cleanup finished")
            }
            signal()
            sleep(30)
            """)
        #expect(e?.kind == .interrupted)
        #expect(e?.message == "interrupted")
        #expect(notes.all == ["cleanup began"])
    }

    @Test func cleanupHasItsOwnBoundedStepsAndTime() {
        let notes = Notes()
        let interp = makeInterpreter(notes)
        interp.maxSteps = 1000
        interp.cleanupAllowance = CleanupAllowance(steps: 5000, time: .seconds(60))
        // A defer that never ends is stopped by the allowance; the first error stands.
        let e = stopError(interp, """
            defer { note("second") }
            defer {
                note("first")
                while true { }
            }
            while true { }
            """)
        #expect(e?.message == "step budget of 1000 exceeded")
        #expect(notes.all == ["first", "second"])

        interp.maxSteps = nil
        interp.timeLimit = .milliseconds(100)
        interp.cleanupAllowance = CleanupAllowance(steps: 1_000_000_000, time: .milliseconds(100))
        let t = stopError(interp, """
            defer {
                note("cleanup")
                sleep(30)
                note("not reached")
            }
            sleep(30)
            """)
        #expect(t?.message == "time limit of 0.1 seconds exceeded")
        #expect(notes.all == ["first", "second", "cleanup"])
    }

    @Test func withoutAnAllowanceDefersTripOverTheStop() {
        let notes = Notes()
        let interp = makeInterpreter(notes)
        interp.timeLimit = .milliseconds(100)
        interp.cleanupAllowance = nil
        let e = stopError(interp, """
            defer {
                sleep(0.01)
                note("not reached")
            }
            sleep(30)
            """)
        #expect(e?.kind == .interrupted)
        #expect(notes.all.isEmpty)
    }

    @Test func evaluationThreadRunReturnsAndThrows() {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let v = EvaluationThread.run { try? interp.evaluate("6 * 7") }
        #expect(v?.asInt == 42)
        #expect(throws: DshError.self) {
            try EvaluationThread.run { try interp.evaluate("nope()") }
        }
    }
}
