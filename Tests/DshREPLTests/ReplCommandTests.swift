// ReplCommandTests.swift: parsing the REPL's `:` commands.
import Testing
@testable import DshREPL

@Test func parsesCommands() {
    #expect(ReplCommand.parse("print(1)") == nil)
    #expect(ReplCommand.parse(":help") == .help)
    #expect(ReplCommand.parse("  :q") == .quit)
    #expect(ReplCommand.parse(":doc  map ") == .doc("map"))
    #expect(ReplCommand.parse(":load ~/x.dsh") == .load("~/x.dsh"))
    #expect(ReplCommand.parse(":frob") == .unknown(":frob"))
}
