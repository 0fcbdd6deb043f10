// TestCommand.swift: `dsh test [PATH] [--filter TEXT]`: runs the script tests under
// PATH (default `.`) with the same bindings a script gets; exit status 1 on a failure.
import DshCore
import DshDocker
import DshHost
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `dsh test` with the arguments after `test`; returns the exit status.
func runTestCommand(_ arguments: [String]) -> Int32 {
    var path: String?
    var filter: String?
    var i = 0
    while i < arguments.count {
        let a = arguments[i]
        if a == "--filter" || a == "-f" {
            guard i + 1 < arguments.count else {
                FileHandleErr.write("dsh test: --filter needs a value\n")
                return 2
            }
            filter = arguments[i + 1]
            i += 2
        } else if a.hasPrefix("--filter=") {
            filter = String(a.dropFirst("--filter=".count))
            i += 1
        } else if a == "--help" || a == "-h" {
            TextSink.standardOutput.write("""
                usage: dsh test [PATH] [--filter TEXT]
                Runs every *_test.dsh file under PATH (default .). A file declares cases with
                test("name", () => { ... }); assert_eq(a, b) shows how values differ.
                Prints ok/FAIL per case, then 'N passed, M failed'; exit status 1 on a failure.

                """)
            TextSink.standardOutput.flush()
            return 0
        } else if a.hasPrefix("-") || path != nil {
            FileHandleErr.write("dsh test: unexpected argument '\(a)' (usage: dsh test [PATH] [--filter TEXT])\n")
            return 2
        } else {
            path = a
            i += 1
        }
    }
    var status: Int32 = 1
    EvaluationThread.run {
        let runner = ScriptTestRunner(path: path ?? ".", filter: filter, install: installTestBindings)
        status = runner.run().exitStatus
    }
    return status
}

/// What each test file's interpreter gets: the Docker bindings and the host functions,
/// as a script has them (`DSH_READ_ONLY=1`: GET-only Docker, no processes or file changes).
func installTestBindings(_ interp: Interpreter) {
    let readOnly = getenv("DSH_READ_ONLY").map { String(cString: $0) == "1" } ?? false
    let trace = getenv("DSH_TRACE") != nil ? DockerBindings.traceToStandardError() : nil
    DockerBindings.install(into: interp, readOnly: readOnly, trace: trace)
    HostBindings.install(into: interp, capabilities: readOnly ? .readOnly : .all)
}
