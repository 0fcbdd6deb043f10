// HostTestSupport.swift: runs dsh code with the host bindings on an evaluation thread
// (never a thread of Swift's cooperative pool: processes block it), and finds leftover
// processes with ps.
import DshCore
import DshHost
import Dispatch
import Foundation
import Testing

/// What one evaluation produced.
struct HostRun {
    var value: Value = .null
    var error: DshError?
    var stdout = ""
}

/// Evaluates `code` in a fresh interpreter with every host capability (or `capabilities`),
/// after `configure`; `cancelAfter` cancels it from another thread, as Ctrl-C does.
func runHost(_ code: String, capabilities: Capabilities = .all, cancelAfter: Double? = nil,
             configure: @escaping @Sendable (Interpreter) -> Void = { _ in }) async -> HostRun {
    final class Slot: @unchecked Sendable { var run = HostRun() }
    final class Box: @unchecked Sendable { var interp: Interpreter? }
    let slot = Slot()
    let box = Box()
    let started = DispatchSemaphore(value: 0)
    if let cancelAfter {
        DispatchQueue.global().async {
            started.wait()
            Thread.sleep(forTimeInterval: cancelAfter)
            box.interp?.cancel(reason: "interrupted")
        }
    }
    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
        EvaluationThread.start {
            let out = TextSink.capture()
            let interp = Interpreter(output: out, errorOutput: out)
            HostBindings.install(into: interp, capabilities: capabilities)
            interp.timeLimit = .seconds(60)
            configure(interp)
            box.interp = interp
            started.signal()
            do {
                slot.run.value = try interp.evaluate(code, name: "test.dsh")
            } catch let e as DshError {
                slot.run.error = e
            } catch {
                slot.run.error = DshError.runtime("\(error)")
            }
            box.interp = nil
            slot.run.stdout = out.text
            done.resume()
        }
    }
    return slot.run
}

/// The command lines of running processes that contain `marker` (zombies, whose command
/// line is gone, do not count). With `wait`, waits up to 5 s for them to go, since a SIGKILLed
/// grandchild leaves the process table a moment after its group was killed.
func processesMatching(_ marker: String, wait: Bool = true) -> [String] {
    var found: [String] = []
    for _ in 0..<(wait ? 50 : 1) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/ps")
        p.arguments = ["-eo", "stat=,args="]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        found = text.split(separator: "\n").map(String.init)
            .filter { $0.contains(marker) && !$0.hasPrefix("Z") && !$0.contains("ps -eo") }
        if found.isEmpty || !wait { return found }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return found
}

/// A marker unlikely to appear in any other process's command line.
func uniqueMarker() -> String { "dshmark\(UInt32.random(in: 100_000...999_999))" }

extension Value {
    /// A string value's text (or its display form).
    var text: String { if case .string(let s) = self { return s }; return displayString }
}
