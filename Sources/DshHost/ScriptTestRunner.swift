// ScriptTestRunner.swift: `dsh test [dir]`: runs the `*_test.dsh` files under a folder.
// Each file declares cases with `test("name", () => { ... })`; each case runs as its own
// evaluation (with its `defer`s), prints `ok` or `FAIL` with the error, and the run ends
// with `N passed, M failed`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DshCore

/// Runs script tests.
public struct ScriptTestRunner {
    /// The folder searched (recursively) for `*_test.dsh`, or one test file.
    public var path: String
    /// Only cases whose name (or `file: name`) contains this text run.
    public var filter: String?
    /// Where the report goes.
    public var output: TextSink
    /// Installs the host's bindings (Docker, host functions) into each file's interpreter.
    public var install: (Interpreter) -> Void

    /// Makes a runner.
    public init(path: String = ".", filter: String? = nil, output: TextSink = .standardOutput,
                install: @escaping (Interpreter) -> Void = { _ in }) {
        self.path = path
        self.filter = filter
        self.output = output
        self.install = install
    }

    /// The counts of one run.
    public struct Summary: Sendable {
        /// No cases yet.
        public init() {}
        /// Cases that ran to the end without an error.
        public var passed = 0
        /// Cases that raised an error, plus files that did not load.
        public var failed = 0
        /// 0 when every case passed (and at least one ran), else 1.
        public var exitStatus: Int32 { failed == 0 && passed > 0 ? 0 : 1 }
    }

    /// Runs every case and returns the counts (the report is written to `output`).
    public func run() -> Summary {
        var summary = Summary()
        let files: [String]
        if FileBuiltins.isDirectory(path) {
            files = ScriptTestRunner.testFiles(under: path)
        } else {
            var st = stat()
            guard stat(path, &st) == 0 else {
                output.write("dsh test: cannot open '\(path)': \(String(cString: strerror(errno)))\n")
                output.flush()
                return summary
            }
            files = [path]
        }
        if files.isEmpty {
            output.write("dsh test: no *_test.dsh files under '\(path)'\n0 passed, 0 failed\n")
            output.flush()
            return summary
        }
        for file in files { runFile(file, &summary) }
        if summary.passed + summary.failed == 0, let filter {
            output.write("dsh test: no case matches --filter '\(filter)'\n")
        }
        output.write("\(summary.passed) passed, \(summary.failed) failed\n")
        output.flush()
        return summary
    }

    /// Declared cases, in order.
    private final class Cases {
        var list: [(name: String, body: Value)] = []
    }

    private func runFile(_ file: String, _ summary: inout Summary) {
        let interp = Interpreter(output: output, errorOutput: output)
        interp.arguments = []
        install(interp)
        let cases = Cases()
        interp.define("test", doc: "test(name, f): declare a test case (under dsh test)") { args, _ in
            guard args.count == 2, args.named.isEmpty, case .string(let name) = args.positional[0], case .function = args.positional[1] else {
                throw DshError.runtime("test: expected test(name, f) with a string name and a function")
            }
            if cases.list.contains(where: { $0.name == name }) { throw DshError.runtime("test: a case named '\(name)' is already declared") }
            cases.list.append((name, args.positional[1]))
            return .null
        }
        do {
            _ = try interp.evaluateFile(atPath: file)
        } catch {
            summary.failed += 1
            output.write("FAIL \(file) (while loading)\n\(indent(report(error)))\n")
            output.flush()
            return
        }
        for (name, body) in cases.list {
            if let filter, !name.contains(filter), !"\(file): \(name)".contains(filter) { continue }
            interp.define("__dsh_test_case", body)
            do {
                _ = try interp.evaluate(SourceFile(name: file, text: "__dsh_test_case()"))
                summary.passed += 1
                output.write("ok   \(file): \(name)\n")
            } catch {
                summary.failed += 1
                output.write("FAIL \(file): \(name)\n\(indent(report(error)))\n")
            }
            output.flush()
        }
    }

    private func report(_ error: any Error) -> String {
        if let e = error as? DshError { return e.report }
        if let e = error as? ExitRequest { return "exit(\(e.code)) called inside a test" }
        return "error: \(error)"
    }

    private func indent(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }

    /// The `*_test.dsh` files below `dir`, sorted; hidden folders and `.build` skipped.
    static func testFiles(under dir: String) -> [String] {
        var out: [String] = []
        func walk(_ d: String) {
            guard let entries = try? FileBuiltins.entries(d, "dsh test") else { return }
            for (name, isDir) in entries where !name.hasPrefix(".") {
                let p = d == "." ? name : PathText.join([d, name])
                if isDir { walk(p) } else if name.hasSuffix("_test.dsh") { out.append(p) }
            }
        }
        walk(dir)
        return out.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }
}
