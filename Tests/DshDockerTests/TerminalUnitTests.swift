// TerminalUnitTests.swift: the parts of interactive sessions that need no terminal: the
// detach key syntax (the CLI's term.ToBytes) and the detector that holds back a
// sequence's first keys until it completes or breaks.
import DshCore
@testable import DshDocker
import Testing

struct TerminalUnitTests {
    @Test func detachKeysParseAsTheCLIDoes() throws {
        #expect(try DetachKeys.parse("ctrl-p,ctrl-q") == [16, 17])
        #expect(try DetachKeys.parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_") == [0, 27, 28, 29, 30, 31])
        #expect(try DetachKeys.parse("a,ctrl-X, b") == [97, 24, 98])
        for bad in ["ctrl-1", "ab", "", "ctrl-p,", "ctrl-pp"] {
            #expect(throws: DshError.self, "\(bad)") { try DetachKeys.parse(bad) }
        }
    }

    @Test func theDetectorHoldsBackAPrefixAndSendsItWhenTheSequenceBreaks() {
        var d = DetachDetector([16, 17])
        #expect(d.feed([1, 2, 16]) == ([1, 2], false))       // ctrl-p held back
        #expect(d.feed([3]) == ([16, 3], false))              // ...and sent when the sequence breaks
        #expect(d.feed([16, 16]) == ([16], false))            // a repeated first key restarts the match
        #expect(d.feed([17, 99]) == ([], true))               // completed: detach, nothing more sent
        var split = DetachDetector([16, 17])
        #expect(split.feed([5, 16]) == ([5], false))
        #expect(split.feed([17]) == ([], true))               // across reads
        var single = DetachDetector([24])
        #expect(single.feed([1, 24, 2]) == ([1], true))
        var none = DetachDetector([])
        #expect(none.feed([16, 17]) == ([16, 17], false))
    }
}
