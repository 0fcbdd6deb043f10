// MemoryLimitTests.swift: an interpreter's memory limit as a host sees it: the error,
// the host and the interpreter surviving it, what counts as live, nested interpreters
// and parallel workers, and the sizes `--max-memory` reads.
import Testing
import DshCore

@Suite struct MemoryLimitTests {
    @Test func growingAListStopsWithAClearErrorAndTheInterpreterStaysUsable() throws {
        let interp = Interpreter(limits: InterpreterLimits(memory: 16 << 20))
        var released = 0
        interp.define("released") { _, _ in released += 1; return .null }
        var caught: DshError?
        do {
            _ = try interp.evaluate("""
                fn grow() {
                    defer { released() }
                    var xs = []
                    while true { xs += ["line ${len(xs)}"] }
                }
                grow()
                """, name: "grow.dsh")
        } catch let e as DshError {
            caught = e
        }
        #expect(caught?.message == "memory limit of 16 MiB exceeded")
        #expect(caught?.kind == .runtime)
        #expect(caught?.span?.line == 4)
        #expect(caught?.report.hasPrefix("grow.dsh:4:") == true)
        #expect(released == 1)
        // The list was the function's: it is gone, and the next evaluations have the room.
        #expect(try interp.evaluate("1 + 2").asInt == 3)
        #expect(try interp.evaluate("len(range(100_000) | map(i => \"v${i}\") | collect)").asInt == 100_000)
    }

    @Test func aLoopThatBuildsAndDropsFarMoreThanTheLimitRunsToTheEnd() throws {
        let interp = Interpreter(limits: InterpreterLimits(memory: 4 << 20))
        // About 200 MB built in all (each row a 1 KB string in a list and a map), a few KB live.
        let total = try interp.evaluate("""
            var total = 0
            for i in range(100_000) {
                let row = {id: i, text: "x" * 1000, parts: [str(i), "y" * 1000]}
                total += len(row.text) + len(row.parts[1])
            }
            total
            """)
        #expect(total.asInt == 200_000_000)
    }

    @Test func whatTheGlobalsKeepStaysCountedUntilTheyLetGo() throws {
        let interp = Interpreter(limits: InterpreterLimits(memory: 8 << 20))
        let grow = "while true { hoard += [\"x\" * 1000] }"
        _ = try interp.evaluate("var hoard = []")
        #expect(throws: DshError.self) { try interp.evaluate(grow) }
        let kept = try interp.evaluate("len(hoard)").asInt ?? 0
        #expect(kept > 4000)
        // Still held by the global: growing it further fails at once.
        #expect(throws: DshError.self) { try interp.evaluate("hoard += [\"x\" * 1_000_000]") }
        #expect(try interp.evaluate("len(hoard)").asInt == kept)
        // Once the script lets go, the room is back.
        _ = try interp.evaluate("hoard = []")
        #expect(try interp.evaluate("let fresh = \"z\" * 4_000_000\nlen(fresh)").asInt == 4_000_000)
    }

    @Test func eachInterpreterHasItsOwnLimitWhenOneRunsAnother() throws {
        let outer = Interpreter(limits: InterpreterLimits(memory: 64 << 20))
        let inner = Interpreter(limits: InterpreterLimits(memory: 1 << 20))
        outer.define("run_inner") { _, _ in
            do {
                _ = try inner.evaluate("var xs = []\nwhile true { xs += [\"y\" * 100] }")
                return .string("inner finished")
            } catch let e as DshError {
                return .string("inner: " + e.message)
            }
        }
        // The outer script builds 4 MB (over the inner limit) around the inner failure.
        let v = try outer.evaluate("""
            let before = "a" * 2_000_000
            let r = run_inner()
            let after = "b" * 2_000_000
            r + " " + str(len(before) + len(after))
            """)
        #expect(v.displayString == "inner: memory limit of 1 MiB exceeded 4000000")
    }

    @Test func parallelWorkersAreCounted() throws {
        let interp = Interpreter(limits: InterpreterLimits(memory: 4 << 20))
        var caught: DshError?
        do {
            _ = try EvaluationThread.run {
                try interp.evaluate("parallel(range(2), i => { var xs = []\nwhile true { xs += [\"w\" * 100] } })")
            }
        } catch let e as DshError {
            caught = e
        }
        #expect(caught?.message.contains("memory limit of 4 MiB exceeded") == true, "\(String(describing: caught))")
        #expect(try interp.evaluate("len(\"ok\")").asInt == 2)
    }

    @Test func withoutALimitNothingIsCounted() throws {
        let interp = Interpreter()
        #expect(interp.limits == .none)
        #expect(try interp.evaluate("len(\"x\" * 20_000_000)").asInt == 20_000_000)
    }

    @Test func sizesAsTheCommandLineWritesThem() {
        #expect(InterpreterLimits.parseMemory("256M") == 256 << 20)
        #expect(InterpreterLimits.parseMemory("1.5G") == 3 << 29)
        #expect(InterpreterLimits.parseMemory("64MiB") == 64 << 20)
        #expect(InterpreterLimits.parseMemory("512kb") == 512 << 10)
        #expect(InterpreterLimits.parseMemory(" 65536 ") == 65536)
        #expect(InterpreterLimits.parseMemory("2t") == 2 << 40)
        for bad in ["", "M", "-1M", "0", "0.1", "12X", "1e3", "1.2.3M", "99999999999G"] {
            #expect(InterpreterLimits.parseMemory(bad) == nil, "\(bad)")
        }
        #expect(InterpreterLimits.describeMemory(64 << 20) == "64 MiB")
        #expect(InterpreterLimits.describeMemory(3 << 29) == "1.5 GiB")
        #expect(InterpreterLimits.describeMemory(1000) == "1000 bytes")
        #expect(InterpreterLimits.describeMemory(2048) == "2 KiB")
    }
}
