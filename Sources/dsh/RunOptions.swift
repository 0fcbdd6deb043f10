// RunOptions.swift: the limits the `dsh` command sets on its interpreter
// (`--read-only`, `--max-steps N`, `--timeout DURATION`, `--max-memory SIZE`,
// `DSH_READ_ONLY`), parsed
// and checked.
import DshCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the command line asks of a run.
struct RunOptions {
    /// `-c CODE`.
    var code: String?
    /// `--trace`.
    var trace = false
    /// `--read-only` (the environment's `DSH_READ_ONLY` also turns it on).
    var readOnly = false
    /// `--max-steps N`.
    var maxSteps: Int?
    /// `--timeout DURATION`.
    var timeout: Duration?
    /// `--max-memory SIZE`, in bytes.
    var maxMemory: Int?

    /// The interpreter limits chosen at construction (the memory limit).
    var interpreterLimits: InterpreterLimits { InterpreterLimits(memory: maxMemory) }

    /// Applies the step budget and the time limit to `interp`.
    func limit(_ interp: Interpreter) {
        interp.maxSteps = maxSteps
        interp.timeLimit = timeout
    }
}

/// A wrong option value or environment setting, reported as `dsh: message` (status 2).
struct UsageError: Error {
    let message: String
}

enum OptionValues {
    /// Parses a duration: a number of seconds (`1.5`) or a number with a unit
    /// (`250ms`, `30s`, `5m`, `2h`); nil when it is not one, negative or too large.
    static func duration(_ text: String) -> Duration? {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = seconds
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite else { return nil }
        let seconds = value * scale
        guard seconds > 0, seconds < 1e9 else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Parses a step budget: a positive whole number.
    static func steps(_ text: String) -> Int? {
        guard let n = Int(text), n > 0 else { return nil }
        return n
    }

    /// Reads `DSH_READ_ONLY`: `1`, `true`, `yes` turn read-only mode on; `0`, `false`,
    /// `no` and empty (or unset) leave it off; anything else is an error.
    static func readOnlyFromEnvironment() throws(UsageError) -> Bool {
        guard let raw = getenv("DSH_READ_ONLY") else { return false }
        let value = String(cString: raw)
        switch value.lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no", "": return false
        default:
            throw UsageError(message: "DSH_READ_ONLY must be 1, true, yes (on) or 0, false, no, empty (off), not '\(value)'")
        }
    }
}
