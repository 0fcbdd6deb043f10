// ScriptSignalTests.swift: Ctrl-C (SIGINT) and SIGTERM sent to a `dsh` script while
// `sh(...)` runs: the script stops and the command's whole process group is gone.
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ScriptSignalTests {
    /// The dsh binary beside this test bundle (or DSH_BINARY, or .build/debug/dsh).
    func binary() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["DSH_BINARY"] { candidates.append(env) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("dsh").path)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/dsh").path)
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "no dsh binary in \(candidates)")
    }

    @Test("SIGINT and SIGTERM to a script kill the running command's process group", arguments: [SIGINT, SIGTERM])
    func signalKillsGroup(_ signal: Int32) throws {
        let n = Int.random(in: 100_000...999_999)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary())
        p.arguments = ["-c", "sh(\"sleep \(n) & sleep \(n + 1)\")"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var started = false
        for _ in 0..<100 where !started {
            started = !processesMatching("sleep \(n + 1)", wait: false).isEmpty
            if !started { usleep(50_000) }
        }
        #expect(started, "the command never started")
        kill(p.processIdentifier, signal)
        // Bounded: a dsh that missed the signal fails the test instead of hanging the suite.
        var waited = 0
        while p.isRunning && waited < 300 { usleep(100_000); waited += 1 }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            Issue.record("dsh did not end within 30 s of signal \(signal)")
        }
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + signal)
        #expect(processesMatching("sleep \(n)").isEmpty)
        #expect(processesMatching("sleep \(n + 1)").isEmpty)
    }
}
