// GoldenTests.swift: runs every script under Tests/golden and checks it against the
// expectations written inside it, so the cases read as the language's documentation.
//
// A case is a `.dsh` file under `Tests/golden/` (files inside a folder named `lib`
// are modules that cases import, not cases). Its comments say what must happen:
//
//     print(1 + 2)          # expect: 3            one line of stdout, in order
//     nil.x                 # expect error: cannot read member 'x' of nil
//                           # expect error line: 4   (optional: the reported line)
//                           # expect error col: 1    (optional: the reported column)
//                           # expect error file: modules/lib/bad.dsh (optional)
//                           # expect stderr: nil.x    a line that must appear in stderr
//                           # expect exit: 3          exit status (default 0, or 1 with an error)
//                           # args: a b c             the script's arguments
//                           # max-memory: 16M         the interpreter's memory limit
//
// stdout must equal the `expect:` lines exactly (each ending in a newline); with
// `expect error:` the status must be 1 and stderr's first line must end with
// `error: TEXT`. A case with no expectation at all is rejected: no test that cannot fail.
import Foundation
import Testing
import DshCore
import DshHost

#if canImport(Glibc)
import Glibc
#endif

/// The expectations one golden case states in its comments.
private struct GoldenExpectation {
    var stdout: [String] = []
    var error: String?
    var errorLine: Int?
    var errorColumn: Int?
    var errorFile: String?
    var stderrLines: [String] = []
    var exit: Int32?
    var arguments: [String] = []
    /// The interpreter's memory limit (`# max-memory: 16M`).
    var maxMemory: Int?
    /// Whether the case says anything at all that could fail.
    var isEmpty: Bool {
        stdout.isEmpty && error == nil && stderrLines.isEmpty && exit == nil
    }
}

/// Where things are: the golden folder and the repository root, found from this file.
private enum GoldenPaths {
    /// `<repo>/Tests/golden`.
    static let golden: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("golden")
    /// `<repo>`.
    static let repo: URL = golden.deletingLastPathComponent().deletingLastPathComponent()
}

/// Every case, as a path relative to `Tests/golden` (sorted, so runs are stable).
private let allCases: [String] = {
    let root = GoldenPaths.golden.standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
    var found: [String] = []
    while let rel = walker.nextObject() as? String {
        guard rel.hasSuffix(".dsh") else { continue }
        let parts = rel.split(separator: "/")
        if parts.dropLast().contains("lib") { continue }
        found.append(rel)
    }
    return found.sorted()
}()

/// Reads the expectations from a case's text. Throws on a malformed or unknown directive.
private func parseExpectations(_ text: String, file: String) throws -> GoldenExpectation {
    struct BadCase: Error, CustomStringConvertible { let description: String }
    var e = GoldenExpectation()
    // Split on "\n" and "\r\n" (one Character in Swift), so CRLF files read too.
    for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
        var line = String(raw)
        if line.hasSuffix("\r") { line.removeLast() }
        let lineNo = index + 1
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("# args:") {
            e.arguments = trimmed.dropFirst("# args:".count).split(separator: " ").map(String.init)
            continue
        }
        if trimmed.hasPrefix("# max-memory:") {
            let size = trimmed.dropFirst("# max-memory:".count).trimmingCharacters(in: .whitespaces)
            guard let bytes = InterpreterLimits.parseMemory(size) else {
                throw BadCase(description: "\(file):\(lineNo): '# max-memory:' needs a size such as 16M, got '\(size)'")
            }
            e.maxMemory = bytes
            continue
        }
        guard let r = line.range(of: "# expect") else { continue }
        let rest = String(line[r.upperBound...])
        func value(after prefix: String) -> String? {
            guard rest.hasPrefix(prefix) else { return nil }
            var v = String(rest.dropFirst(prefix.count))
            if v.hasPrefix(" ") { v.removeFirst() }
            return v
        }
        func int(_ s: String, _ what: String) throws -> Int {
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)) else {
                throw BadCase(description: "\(file):\(lineNo): '\(what)' needs a number, got '\(s)'")
            }
            return n
        }
        if let v = value(after: ":") {
            e.stdout.append(v)
        } else if let v = value(after: " error line:") {
            e.errorLine = try int(v, "expect error line")
        } else if let v = value(after: " error col:") {
            e.errorColumn = try int(v, "expect error col")
        } else if let v = value(after: " error file:") {
            e.errorFile = v.trimmingCharacters(in: .whitespaces)
        } else if let v = value(after: " error:") {
            guard e.error == nil else { throw BadCase(description: "\(file):\(lineNo): a second 'expect error:'") }
            e.error = v
        } else if let v = value(after: " stderr:") {
            e.stderrLines.append(v)
        } else if let v = value(after: " exit:") {
            e.exit = Int32(try int(v, "expect exit"))
        } else {
            throw BadCase(description: "\(file):\(lineNo): unknown directive '# expect\(rest)'")
        }
    }
    if e.isEmpty {
        throw BadCase(description: "\(file): states no expectation (add '# expect: ...', '# expect error: ...' or '# expect exit: N')")
    }
    if (e.errorLine != nil || e.errorColumn != nil || e.errorFile != nil) && e.error == nil {
        throw BadCase(description: "\(file): 'expect error line/col/file' without 'expect error:'")
    }
    return e
}

/// Runs `body` on a fresh thread with a large stack (deep recursion cases need it)
/// and resumes when it is done. The test awaits rather than joins, so the cases never
/// hold Swift's cooperative threads (two on a 2-core machine) that async tests need.
private func runOnLargeStack(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        EvaluationThread.start { body(); done.resume() }
    }
}

/// What one run of a case produced.
private struct GoldenOutcome {
    var status: Int32 = -1
    var stdout = ""
    var stderr = ""
}

/// Runs one case in-process through the public embedding API.
private func runGoldenCase(_ rel: String, text: String, arguments: [String], maxMemory: Int?) async -> GoldenOutcome {
    final class Slot: @unchecked Sendable { var outcome = GoldenOutcome() }
    final class Canceller: @unchecked Sendable {  // Interpreter.cancel is thread-safe
        let interp: Interpreter
        init(_ i: Interpreter) { interp = i }
    }
    let slot = Slot()
    let path = GoldenPaths.golden.appendingPathComponent(rel).standardizedFileURL.path
    let watchdogDone = DispatchSemaphore(value: 0)
    await runOnLargeStack {
        let out = TextSink.capture(), err = TextSink.capture()
        let interp = Interpreter(output: out, errorOutput: err, limits: InterpreterLimits(memory: maxMemory))
        interp.arguments = arguments
        interp.moduleSearchPaths = [GoldenPaths.repo.appendingPathComponent("stdlib").standardizedFileURL.path]
        HostBindings.install(into: interp)  // files, YAML, processes: as the dsh command has them
        interp.timeLimit = .seconds(60)
        // A second guard in case the wall-clock limit itself is broken: cancel after 90 s.
        let canceller = Canceller(interp)
        DispatchQueue.global().async {
            if watchdogDone.wait(timeout: .now() + 90) == .timedOut { canceller.interp.cancel(reason: "golden runner watchdog") }
        }
        let status = interp.runScript(SourceFile(name: rel, text: text, path: path))
        watchdogDone.signal()
        slot.outcome = GoldenOutcome(status: status, stdout: out.text, stderr: err.text)
    }
    return slot.outcome
}

@Suite("Golden scripts")
struct GoldenTests {
    @Test("golden case", arguments: allCases)
    func golden(_ rel: String) async throws {
        let url = GoldenPaths.golden.appendingPathComponent(rel)
        let text = try String(contentsOf: url, encoding: .utf8)
        let expect = try parseExpectations(text, file: rel)
        let got = await runGoldenCase(rel, text: text, arguments: expect.arguments, maxMemory: expect.maxMemory)

        let wantStdout = expect.stdout.map { $0 + "\n" }.joined()
        #expect(got.stdout == wantStdout, "\(rel): stdout differs\n--- want\n\(wantStdout)--- got\n\(got.stdout)--- stderr\n\(got.stderr)")

        let wantStatus = expect.exit ?? (expect.error != nil ? 1 : 0)
        #expect(got.status == wantStatus, "\(rel): exit status \(got.status), want \(wantStatus)\n--- stderr\n\(got.stderr)")

        let errLines = got.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let want = expect.error {
            let first = errLines.first ?? ""
            #expect(first.hasSuffix("error: " + want), "\(rel): stderr's first line\n  got:  \(first)\n  want: ...error: \(want)")
            // `file:LINE:COL: error: ...`
            let prefix = first.components(separatedBy: ": error: ").first ?? ""
            let parts = prefix.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if let line = expect.errorLine {
                let gotLine = parts.count >= 3 ? Int(parts[parts.count - 2]) : nil
                #expect(gotLine == line, "\(rel): error line \(gotLine.map(String.init) ?? "none") in '\(first)', want \(line)")
            }
            if let col = expect.errorColumn {
                let gotCol = parts.count >= 3 ? Int(parts[parts.count - 1]) : nil
                #expect(gotCol == col, "\(rel): error column \(gotCol.map(String.init) ?? "none") in '\(first)', want \(col)")
            }
            if let file = expect.errorFile {
                let gotFile = parts.count >= 3 ? parts[0..<(parts.count - 2)].joined(separator: ":") : ""
                #expect(gotFile == file, "\(rel): error file '\(gotFile)' in '\(first)', want '\(file)'")
            }
        } else if wantStatus == 0 {
            #expect(got.stderr.isEmpty, "\(rel): unexpected stderr\n\(got.stderr)")
        }
        for want in expect.stderrLines {
            #expect(errLines.contains(want), "\(rel): stderr lacks the line\n  want: '\(want)'\n--- stderr\n\(got.stderr)")
        }
    }

    @Test("there are at least 160 golden cases")
    func enoughCases() {
        #expect(allCases.count >= 160, "only \(allCases.count) golden cases")
    }

    @Test("the runner rejects a case with no expectation, and unknown directives")
    func runnerRejectsEmptyCases() {
        #expect(throws: (any Error).self) { try parseExpectations("print(1)\n", file: "x.dsh") }
        #expect(throws: (any Error).self) { try parseExpectations("print(1)  # expect 1\n", file: "x.dsh") }
        #expect(throws: (any Error).self) { try parseExpectations("# expect error line: 2\nprint(1)  # expect: 1\n", file: "x.dsh") }
        let e = try? parseExpectations("# args: a b\nprint(1)  # expect: 1\n# expect:\n", file: "x.dsh")
        #expect(e?.stdout == ["1", ""])
        #expect(e?.arguments == ["a", "b"])
        #expect(throws: (any Error).self) { try parseExpectations("# max-memory: lots\nprint(1)  # expect: 1\n", file: "x.dsh") }
        #expect((try? parseExpectations("# max-memory: 16M\nprint(1)  # expect: 1\n", file: "x.dsh"))?.maxMemory == 16 << 20)
    }
}
