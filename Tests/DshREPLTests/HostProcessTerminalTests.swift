// HostProcessTerminalTests.swift: Ctrl-C in the REPL while `sh(...)` runs a host command:
// the whole process group dies (checked with ps) and the session goes on.
import Foundation
import Testing

@Suite struct HostProcessTerminalTests {
    /// Running processes whose command line contains `marker` (zombies excluded), now.
    func snapshot(_ marker: String) -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/ps")
        p.arguments = ["-eo", "stat=,args="]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.split(separator: "\n").map(String.init).filter { $0.contains(marker) && !$0.hasPrefix("Z") }
    }

    /// The same, waiting up to 5 s for them to go (a killed grandchild leaves the table
    /// a moment after its group was killed).
    func running(_ marker: String) -> [String] {
        for _ in 0..<50 {
            if snapshot(marker).isEmpty { return [] }
            usleep(100_000)
        }
        return snapshot(marker)
    }

    @Test func ctrlCKillsARunningHostCommand() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        let marker = "replmark\(UInt32.random(in: 100_000...999_999))"
        try t.enter("sh(\"sleep 306 & sleep 307; echo \(marker)\")")
        // Wait until the command runs (its shell's command line carries the marker).
        var started = false
        for _ in 0..<50 where !started {
            started = !snapshot(marker).isEmpty
            if !started { usleep(100_000) }
        }
        #expect(started, "the command never started: \(t.screen())")
        try t.press("C-c")
        #expect(t.waitForPrompt(count: 2, timeout: .seconds(5)) != nil, "no prompt after Ctrl-C: \(t.screen())")
        #expect(t.screen().contains("interrupted"))
        #expect(running(marker).isEmpty, "left running: \(running(marker))")
        #expect(running("sleep 306").isEmpty, "the background grandchild was left running")
    }
}
