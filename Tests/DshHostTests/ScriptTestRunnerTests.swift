// ScriptTestRunnerTests.swift: `dsh test` on the small trees in Tests/script_tests,
// in-process (the runner) and through the built `dsh` executable.
import DshCore
import DshHost
import Foundation
import Testing

/// `<repo>/Tests/script_tests`.
private let scriptTests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("script_tests").path

/// Runs the runner on its own thread (cases block their thread) and returns the report.
private func runTests(_ path: String, filter: String? = nil) async -> (ScriptTestRunner.Summary, String) {
    final class Slot: @unchecked Sendable { var summary = ScriptTestRunner.Summary(); var text = "" }
    let slot = Slot()
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        EvaluationThread.start {
            let out = TextSink.capture()
            let runner = ScriptTestRunner(path: path, filter: filter, output: out) { HostBindings.install(into: $0) }
            slot.summary = runner.run()
            slot.text = out.text
            done.resume()
        }
    }
    return (slot.summary, slot.text)
}

@Suite("dsh test")
struct ScriptTestRunnerTests {
    @Test("a passing tree: every case ok, defers run, exit status 0")
    func passing() async {
        let (summary, text) = await runTests(scriptTests + "/passing")
        #expect(summary.passed == 4 && summary.failed == 0, "\(text)")
        #expect(summary.exitStatus == 0)
        #expect(text.contains("ok   \(scriptTests)/passing/strings_test.dsh: regex captures\n"))
        #expect(text.contains("cleanup of defer case\n"))
        #expect(text.hasSuffix("4 passed, 0 failed\n"))
        #expect(!text.contains("must not run"))
    }

    @Test("a failing tree: diffs, errors and load failures are reported; exit status 1")
    func failing() async {
        let (summary, text) = await runTests(scriptTests + "/failing")
        #expect(summary.passed == 1 && summary.failed == 3, "\(text)")
        #expect(summary.exitStatus == 1)
        #expect(text.contains("FAIL \(scriptTests)/failing/values_test.dsh: maps differ\n"))
        #expect(text.contains("      .port: 80 != 8080\n"))
        #expect(text.contains("cleanup after failure\n"))
        #expect(text.contains("sh: 'exit 3' exited with status 3"))
        #expect(text.contains("FAIL \(scriptTests)/failing/broken_test.dsh (while loading)\n"))
        #expect(text.contains("cannot read member 'y' of nil"))
        #expect(text.hasSuffix("1 passed, 3 failed\n"))
    }

    @Test("--filter runs only the matching cases")
    func filter() async {
        let (summary, text) = await runTests(scriptTests + "/passing", filter: "regex")
        #expect(summary.passed == 1 && summary.failed == 0, "\(text)")
        let (none, noneText) = await runTests(scriptTests + "/passing", filter: "no-such-case")
        #expect(none.exitStatus == 1)
        #expect(noneText.contains("no case matches --filter 'no-such-case'"))
    }

    @Test("the dsh executable: dsh test DIR prints the report and exits 1 on failure")
    func executable() throws {
        let root = URL(fileURLWithPath: scriptTests).deletingLastPathComponent().deletingLastPathComponent()
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["DSH_BINARY"] { candidates.append(env) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("dsh").path)
        candidates.append(root.appendingPathComponent(".build/debug/dsh").path)
        let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "no dsh binary in \(candidates)")
        func run(_ args: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: scriptTests)
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let (ok, okText) = try run(["test", "passing"])
        #expect(ok == 0, "\(okText)")
        #expect(okText.contains("ok   passing/sub/host_test.dsh: temp dir and sh\n"))
        #expect(okText.hasSuffix("4 passed, 0 failed\n"))
        let (bad, badText) = try run(["test", "failing", "--filter", "maps"])
        #expect(bad == 1)
        #expect(badText.hasSuffix("0 passed, 2 failed\n"), "\(badText)")
    }
}
