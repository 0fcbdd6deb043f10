// RobustnessTests.swift: inputs the fuzzer (and issue #12) found crashing, hanging or
// exhausting memory, too large for golden files: long operator and `?.` chains, long
// statement lists, invalid UTF-8 in a script, and the size limits' arithmetic.
import Testing
@testable import DshCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs `source` on a thread with the default stack of an ordinary thread (8 MiB), so a
/// pass that recursed once per link of a long chain would crash the test run.
private func outcome(_ source: String) -> Result<String, DshError> {
    nonisolated(unsafe) var result: Result<String, DshError> = .success("")
    EvaluationThread.run(stackSize: 8 << 20) {
        let out = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: .capture())
        do {
            _ = try interp.evaluate(source)
            result = .success(out.text)
        } catch let e as DshError {
            result = .failure(e)
        } catch {
            result = .failure(DshError.runtime("\(error)"))
        }
    }
    return result
}

private func errorMessage(_ source: String) -> String? {
    if case .failure(let e) = outcome(source) { return e.message }
    return nil
}

private let tooTall = "expression too long or nested too deeply (more than \(Parser.maxExpressionHeight) levels): split it into several statements"

@Suite struct RobustnessTests {
    @Test func longAdditionChainIsAClearError() {
        // 800k `1+1+...` used to overflow the native stack (SIGSEGV).
        let chain = Array(repeating: "1", count: 800_000).joined(separator: "+")
        #expect(errorMessage("print(\(chain))") == tooTall)
    }

    @Test func longOptionalChainIsAClearError() {
        // 1M `m?.a?.a...` used to overflow the native stack (SIGSEGV).
        let chain = "let m = {}\nprint(m" + String(repeating: "?.a", count: 1_000_000) + ")"
        #expect(errorMessage(chain) == tooTall)
    }

    @Test func chainsUpToTheLimitRun() throws {
        // Just under the limit: parsed, resolved, compiled and run on an 8 MiB stack.
        let n = Parser.maxExpressionHeight - 10
        let sum = Array(repeating: "1", count: n).joined(separator: " + ")
        #expect(try outcome("print(\(sum))").get() == "\(n)\n")
        let member = "let m = {}\nm.a = m\nprint(type(m" + String(repeating: "?.a", count: n) + "))"
        #expect(try outcome(member).get() == "map\n")
        let concat = Array(repeating: "\"x\"", count: n).joined(separator: " + ")
        #expect(try outcome("print(len(\(concat)))").get() == "\(n)\n")
        let pipes = "print([1]" + String(repeating: " | map(x => x + 1)", count: n / 4) + ")"
        #expect(try outcome(pipes).get() == "[\(1 + n / 4)]\n")
    }

    @Test func tallTreesThroughLambdasAreCounted() {
        // A lambda's body counts toward the height of the expression holding it.
        let inner = Array(repeating: "1", count: 600).joined(separator: " + ")
        let source = "let f = x => [x => \(inner), x => \(inner)]\nlet g = (y => y + \(inner))(1)"
        #expect(errorMessage(source) == nil)
        let nested = "let f = x => (z => \(inner))(1) + \(inner)"
        #expect(errorMessage(nested) == tooTall)
    }

    @Test func hundredThousandStatementsCompileAndRun() throws {
        // A block's statements used to be compiled by copying the rest of the list at
        // every statement: 100k statements did not finish in 15 minutes.
        var source = "var total = 0\n"
        source += String(repeating: "total += 1\n", count: 100_000)
        source += "print(total)\n"
        #expect(try outcome(source).get() == "100000\n")
        var inFunction = "fn f() {\n    var n = 0\n"
        inFunction += String(repeating: "    n += 1\n", count: 100_000)
        inFunction += "    if n > 0 { return n }\n    return -1\n}\nprint(f())\n"
        #expect(try outcome(inFunction).get() == "100000\n")
    }

    @Test func returnAndBreakFromDeepInALongBlock() throws {
        var source = "fn f() {\n"
        for i in 0..<500 { source += "    if \(i) == 321 { return \(i) }\n" }
        source += "    return -1\n}\nprint(f())\nvar k = 0\nwhile true {\n"
        for _ in 0..<500 { source += "    k += 1\n    if k == 77 { break }\n" }
        source += "}\nprint(k)\n"
        #expect(try outcome(source).get() == "321\n77\n")
    }

    @Test func invalidUTF8IsReportedWithItsPosition() {
        var bytes = Array("print(1)\nlet s = \"ab".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\"\n".utf8)
        let file = SourceFile(name: "bad.dsh", bytes: bytes, path: nil)
        #expect(file.invalidUTF8?.line == 2)
        #expect(file.invalidUTF8?.column == 12)
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        do {
            _ = try interp.evaluate(file)
            Issue.record("invalid UTF-8 was accepted")
        } catch let e as DshError {
            #expect(e.kind == .syntax)
            #expect(e.message == "invalid UTF-8 (byte 0xFF): a script must be UTF-8 text")
            #expect(e.report.hasPrefix("bad.dsh:2:12: error: invalid UTF-8"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        // Valid UTF-8 (multi-byte included) reads as it is.
        let good = SourceFile(name: "ok.dsh", bytes: Array("print(\"é→😀\")".utf8), path: nil)
        #expect(good.invalidUTF8 == nil)
        #expect(good.text == "print(\"é→😀\")")
        // A truncated sequence at the very end.
        let cut = SourceFile(name: "cut.dsh", bytes: Array("é".utf8) + [0xE2, 0x82], path: nil)
        #expect(cut.invalidUTF8?.line == 1)
        #expect(cut.invalidUTF8?.column == 2)
        #expect(cut.invalidUTF8?.byte == 0xE2)
    }

    @Test func sizeLimitArithmeticCannotOverflow() {
        #expect(throws: DshError.self) { try SizeLimits.checkProduct(2, Int.max / 2 + 1, limit: SizeLimits.maxBytes, "x") }
        #expect(throws: DshError.self) { try SizeLimits.checkProduct(Int.max, Int.max, limit: SizeLimits.maxBytes, "x") }
        #expect(throws: DshError.self) { try SizeLimits.checkSum(Int.max, 1, limit: SizeLimits.maxBytes, "x") }
        #expect(throws: DshError.self) { try SizeLimits.checkSum(SizeLimits.maxBytes, 1, limit: SizeLimits.maxBytes, "x") }
        #expect(throws: Never.self) { try SizeLimits.checkProduct(1 << 15, 1 << 15, limit: SizeLimits.maxBytes, "x") }
        #expect(throws: Never.self) { try SizeLimits.checkSum(SizeLimits.maxBytes - 1, 1, limit: SizeLimits.maxBytes, "x") }
    }

    @Test func deeplyNestedValuesAreFreedWithoutRecursion() throws {
        // Freeing a list nested 200 000 deep used to recurse once per level (several
        // native frames each: far past an 8 MiB stack).
        let source = """
            var x = []
            var m = {}
            for i in range(200_000) {
                x = [x]
                m = {m: m, n: i}
            }
            let keep = x
            x = nil
            m = [m]
            m = nil
            print(len(keep))
            """
        #expect(try outcome(source).get() == "1\n")
    }

    @Test func scriptAndModuleFilesMustBeUTF8RegularFiles() throws {
        let dir = "/tmp/dsh-robustness-\(getpid())"
        makeDirectories(dir)
        defer {
            unlink(dir + "/bad.dsh")
            unlink(dir + "/main.dsh")
            rmdir(dir)
        }
        let bad: [UInt8] = Array("let x = 1\n# caf".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        #expect(FILE_write(dir + "/bad.dsh", bad))
        #expect(FILE_write(dir + "/main.dsh", Array("import \"bad.dsh\" as bad\n".utf8)))
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        for path in [dir + "/bad.dsh", dir + "/main.dsh"] {
            do {
                _ = try interp.evaluateFile(atPath: path)
                Issue.record("\(path): invalid UTF-8 was accepted")
            } catch let e as DshError {
                #expect(e.message == "invalid UTF-8 (byte 0xC3): a script must be UTF-8 text")
                #expect(e.span?.line == 2)
                #expect(e.span?.column == 6)
                #expect(e.span?.file.name.hasSuffix("bad.dsh") == true)
            }
        }
        // A device never ends: importing one (here through a symlink) is an error, not an
        // endless read.
        symlink("/dev/zero", dir + "/zero.dsh")
        defer { unlink(dir + "/zero.dsh") }
        #expect(throws: DshError.self) { try interp.evaluateFile(atPath: dir + "/zero.dsh") }
        #expect(throws: DshError.self) { try interp.evaluate(SourceFile(name: "main.dsh", text: "import \"zero\"", path: dir + "/main.dsh")) }
    }
}

/// Writes `bytes` to a new file at `path`.
private func FILE_write(_ path: String, _ bytes: [UInt8]) -> Bool {
    guard let f = fopen(path, "wb") else { return false }
    defer { fclose(f) }
    return bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) } == bytes.count
}
