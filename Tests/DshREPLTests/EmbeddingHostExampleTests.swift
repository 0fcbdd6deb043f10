// EmbeddingHostExampleTests.swift: builds the example host package
// (Examples/EmbeddingHost, depending on dsh by path, Swift 6 mode) with no warnings,
// runs it against the test engine with its standard output a pipe, and checks what it
// printed.
import DshCore
import Foundation
import Testing

/// The package root (three levels above this file).
private var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

// The example uses the test engine (TestEngine.swift): it runs with one, or in CI.
@Test(.enabled(if: TestEngine.enabled, TestEngine.skipReason))
func theEmbeddingHostExampleBuildsWithoutWarningsAndRuns() async throws {
    let example = packageRoot.appendingPathComponent("Examples/EmbeddingHost").path
    // At the lowest CPU priority: the suite's engine tests run beside it on few cores. The
    // build takes minutes: it waits on a thread of its own, never on the Swift concurrency
    // pool (two threads on a two-core machine), which the engine tests' streams need.
    let build = try await EvaluationThread.value {
        try runProgram("/usr/bin/env", ["nice", "-n", "19", "swift", "build", "--package-path", example])
    }
    #expect(build.status == 0, "\(build.output)")
    let warnings = build.output.split(separator: "\n").filter { $0.contains("warning:") }
    #expect(warnings.isEmpty, "\(warnings)")
    guard build.status == 0 else { return }
    let r = try await EvaluationThread.value { try runProgram(example + "/.build/debug/EmbeddingHost", []) }
    #expect(r.status == 0)
    #expect(r.output == """
        host: before
        script: during
        host: after
        callback got: ["to the callback\\n"]
        async keys: ["zeta", "alpha", "mid"]
        script: cleaned up
        stopped: interrupted cancelled by the host
        policy: true
        sandbox refused: undefined name 'write_file'
        sandbox refused: import "/etc/passwd" is not allowed: not on the list
        sandbox refused: undefined name 'env'
        verdicts: true true true false false
        job.dsh:1:31: error: cannot read member 'deeper' of nil
          at check (job.dsh:1:31)
          at run_all (job.dsh:2:23)
          at <script> (job.dsh:3:1)
        recursion depth: 20000
        codable: web-1 2.0 [80, 443]
        stream: int(1) int(4) int(9) int(16) (pulled 4)
        hoard.dsh:2:14: error: memory limit of 8 MiB exceeded
        after the limit: 10
        own Value: cpu 1.0
        docker log: line 1, line 2, line 3
        docker events: create start kill die destroy

        """)
}
