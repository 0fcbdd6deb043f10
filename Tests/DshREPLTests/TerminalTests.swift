// TerminalTests.swift: the REPL as a user meets it: the real `dsh` binary in a
// pseudo-terminal (tmux), typing keys and reading the screen.
import Foundation
import Testing

@Suite struct TerminalTests {
    @Test func typingAndEditingALine() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil, "no prompt: \(t.screen())")
        try t.type("print(1+3)")
        try t.press("Left", "Left", "Left")  // cursor before "+"
        try t.type(" ")
        #expect(t.wait { $0.contains("print(1 +3)") } != nil, "edit not shown: \(t.screen())")
        try t.press("Enter")
        let screen = t.waitForPrompt(count: 2)
        #expect(screen != nil, "no second prompt: \(t.screen())")
        #expect(t.lines().contains("4"), "print(1 +3) did not print 4: \(t.screen())")
    }

    @Test func historyIsRecalledInASecondSession() throws {
        var template = Array("/tmp/dsh-repl-hist-XXXXXX".utf8CString)
        let dir = String(cString: mkdtemp(&template)!)
        let first = try TerminalSession(home: dir, historyPath: dir + "/hist")
        #expect(first.waitForPrompt() != nil)
        try first.enter("let hist_marker = 41 + 1")
        #expect(first.waitForPrompt(count: 2) != nil)
        try first.press("C-d")
        let deadline = ContinuousClock.now + .seconds(5)
        while first.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        #expect(!first.isRunning, "Ctrl-D did not end the session: \(first.screen())")
        first.close()

        let second = try TerminalSession(home: dir, historyPath: dir + "/hist")
        defer { second.close() }
        #expect(second.waitForPrompt() != nil)
        try second.press("Up")
        #expect(second.wait { ($0.components(separatedBy: "\n").last ?? "").hasSuffix("> let hist_marker = 41 + 1") } != nil,
                "Up did not recall the entry: \(second.screen())")
        try second.press("Enter")
        #expect(second.waitForPrompt(count: 2) != nil)
        try second.enter("hist_marker")
        #expect(second.waitForPrompt(count: 3) != nil)
        #expect(second.lines().contains("42"), "recalled entry did not run: \(second.screen())")
    }

    @Test func tabCompletesAGlobal() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        try t.type("pri")
        try t.press("Tab")
        #expect(t.wait { ($0.components(separatedBy: "\n").last ?? "").hasSuffix("> print") } != nil,
                "pri<Tab> did not complete: \(t.screen())")
        try t.enter("(\"completed\")")
        #expect(t.waitForPrompt(count: 2) != nil)
        #expect(t.lines().contains("completed"))
    }

    @Test func tabCompletesAMember() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        try t.enter("let m = {alpha: 1, beta: 2}")
        #expect(t.waitForPrompt(count: 2) != nil)
        try t.type("m.al")
        try t.press("Tab")
        #expect(t.wait { ($0.components(separatedBy: "\n").last ?? "").hasSuffix("> m.alpha") } != nil,
                "m.al<Tab> did not complete: \(t.screen())")
        try t.press("Enter")
        #expect(t.waitForPrompt(count: 3) != nil)
        #expect(t.lines().contains("1"), "m.alpha did not show 1: \(t.screen())")
    }

    @Test func multiLineInputContinuesWhileABlockIsOpen() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        try t.enter("fn f() {")
        #expect(t.wait { ($0.components(separatedBy: "\n").last ?? "").hasPrefix("...>") } != nil,
                "no continuation prompt: \(t.screen())")
        try t.enter("return 1 + 1")
        try t.enter("}")
        #expect(t.waitForPrompt(count: 2) != nil, "block did not end: \(t.screen())")
        try t.enter("f()")
        #expect(t.waitForPrompt(count: 3) != nil)
        #expect(t.lines().contains("2"), "f() did not show 2: \(t.screen())")
    }

    @Test func ctrlCCancelsARunningCommandAndKeepsBindings() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        try t.enter("let keep = 7")
        #expect(t.waitForPrompt(count: 2) != nil)
        try t.enter("sleep(30)")
        // Still running after half a second: no new prompt came.
        usleep(500_000)
        #expect(t.lines().filter(TerminalSession.isPrompt).count == 2)  // still running: no new prompt
        let start = ContinuousClock.now
        try t.press("C-c")
        #expect(t.waitForPrompt(count: 3, timeout: .seconds(5)) != nil, "no prompt after Ctrl-C: \(t.screen())")
        #expect(ContinuousClock.now - start < .seconds(1), "Ctrl-C took \(ContinuousClock.now - start)")
        #expect(t.screen().contains("interrupted"))
        try t.enter("keep")
        #expect(t.waitForPrompt(count: 4) != nil)
        #expect(t.lines().contains("7"), "binding lost after Ctrl-C: \(t.screen())")
    }

    @Test func ctrlCAtThePromptDiscardsTheLine() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        try t.type("let lost = ")
        try t.press("C-c")
        #expect(t.waitForPrompt(count: 2) != nil, "Ctrl-C did not give a new prompt: \(t.screen())")
        try t.enter("1 + 2")
        #expect(t.waitForPrompt(count: 3) != nil)
        #expect(t.lines().contains("3"))
    }

    @Test func listsOfRecordsShowAsATable() throws {
        let t = try TerminalSession()
        defer { t.close() }
        #expect(t.waitForPrompt() != nil)
        try t.enter("[{name: \"web\", port: 80}, {name: \"database\", port: 5432}]")
        #expect(t.waitForPrompt(count: 2) != nil)
        let lines = t.lines()
        guard let header = lines.firstIndex(where: { $0.hasPrefix("name") && $0.contains("port") }),
              header + 2 < lines.count else {
            Issue.record("no table header: \(t.screen())")
            return
        }
        let rows = Array(lines[header...(header + 2)])
        #expect(rows[1].hasPrefix("web"))
        #expect(rows[2].hasPrefix("database"))
        let columns = rows.map { line -> Int? in
            let chars = Array(line)
            // the start of the second column: first non-space after the first run of spaces
            guard let gap = chars.firstIndex(of: " ") else { return nil }
            return chars[gap...].firstIndex(where: { $0 != " " })
        }
        #expect(columns[0] != nil && columns[0] == columns[1] && columns[1] == columns[2], "\(rows)")
    }
}
