// ProcessBuiltins.swift: `sh(cmdline, ...)` and `command(argv, ...)`: run a host program
// and return `{exit_code, stdout, stderr}`, or with `stream: true` a stream of
// `{stream, text}` lines like container logs.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DshCore

enum ProcessBuiltins {
    /// The named arguments both functions take.
    static let options = ["stdin", "env", "clear_env", "cwd", "check", "stream", "timeout", "bytes"]

    /// `sh(cmdline, args...)`: `/bin/sh -c cmdline sh args...` (so `$1`... are the extra
    /// arguments, passed without any re-splitting).
    static func sh(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("sh", 1, Int.max, named: options)
        let line = try args.string(0, "sh", "the command line")
        var argv = ["/bin/sh", "-c", line, "sh"]
        for v in args.positional.dropFirst() { argv.append(try word(v, "sh")) }
        return try run(argv, display: line, args, rt, "sh")
    }

    /// `command(argv)`: runs `argv[0]` (searched in PATH) with the rest as its arguments,
    /// no shell in between.
    static func command(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("command", 1, 1, named: options)
        guard case .list(let l) = args.positional[0] else {
            throw DshError.runtime("command: argv must be a list of strings (use sh(...) for a command line), got \(args.positional[0].typeName)")
        }
        let argv = try l.items.map { try word($0, "command") }
        guard !argv.isEmpty else { throw DshError.runtime("command: argv is empty") }
        return try run(argv, display: argv.map(quoteForDisplay).joined(separator: " "), args, rt, "command")
    }

    /// One argument word: strings as they are, numbers in decimal.
    private static func word(_ v: Value, _ fn: String) throws -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .float: return v.displayString
        default: throw DshError.runtime("\(fn): arguments must be strings, got \(v.typeName)")
        }
    }

    private static func quoteForDisplay(_ s: String) -> String {
        if !s.isEmpty && s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0) }) { return s }
        return "'" + s.replacingAll("'", with: "'\\''") + "'"
    }

    private static func run(_ argv: [String], display: String, _ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> Value {
        let check = try args.bool("check", fn, default: true)
        let stream = try args.bool("stream", fn, default: false)
        let asBytes = try args.bool("bytes", fn, default: false)
        if stream && asBytes { throw DshError.runtime("\(fn): bytes: and stream: cannot be used together") }
        let timeout = try args.seconds("timeout", fn)
        let cwd: String?
        switch args.given("cwd") {
        case nil: cwd = nil
        case .string(let s)?: cwd = s
        case let v?: throw DshError.runtime("\(fn): cwd must be a string, got \(v.typeName)")
        }
        if let cwd {
            var st = stat()
            if stat(cwd, &st) != 0 { throw errnoError(fn, "cwd \(cwd)", path: cwd) }
            if (st.st_mode & S_IFMT) != S_IFDIR { throw DshError.runtime("\(fn): cwd \(cwd): Not a directory (ENOTDIR)") }
        }
        let env = try environment(args, rt, fn)
        let stdin = args.given("stdin")
        try rt.checkInterrupt()
        let process = try SpawnedProcess.spawn(argv: argv, env: env, cwd: cwd, wantsStdin: stdin != nil,
                                               display: display, function: fn)
        let pump = try ProcessPump(process, stdin: stdin, timeout: timeout, function: fn)
        if stream {
            return .stream(ProcessStream(pump, check: check))
        }
        try pump.runToEnd(rt)
        let code = process.exitCode ?? -1
        let out: Value = asBytes ? .bytes(pump.stdout) : .string(String(decoding: pump.stdout, as: UTF8.self))
        let err: Value = asBytes ? .bytes(pump.stderr) : .string(String(decoding: pump.stderr, as: UTF8.self))
        if check && code != 0 {
            throw failure(fn, process, code: code, stdout: out, stderr: err)
        }
        return .map(MapRef(distinctKeys: ["exit_code", "stdout", "stderr"], values: [.int(code), out, err]))
    }

    /// The error `check: true` raises for a non-zero exit.
    static func failure(_ fn: String, _ process: SpawnedProcess, code: Int, stdout: Value, stderr: Value) -> DshError {
        var why = process.signal.map { "was killed by signal \($0)" } ?? "exited with status \(code)"
        if case .string(let e) = stderr, let line = e.split(separator: "\n").last(where: { !$0.allSatisfy(\.isWhitespace) }) {
            why += ": " + String(line.prefix(300))
        }
        return DshError.runtime("\(fn): '\(process.display)' \(why)", fields: [
            ("exit_code", .int(code)), ("stdout", stdout), ("stderr", stderr), ("command", .string(process.display)),
        ])
    }

    /// The child's environment: the script's `env` map (so assignments to `env.X` reach
    /// children) or, with `clear_env: true`, nothing; then the `env:` entries on top.
    private static func environment(_ args: Arguments, _ rt: any Runtime, _ fn: String) throws -> [String] {
        var entries: [(String, String)] = []
        if try !args.bool("clear_env", fn, default: false) {
            if let interp = rt as? Interpreter, case .map(let m)? = interp.global("env") {
                for (k, v) in m.entries { entries.append((k, v.displayString)) }
            } else {
                var p = environ
                while let e = p.pointee {
                    let s = String(cString: e)
                    if let eq = s.firstIndex(of: "=") { entries.append((String(s[..<eq]), String(s[s.index(after: eq)...]))) }
                    p += 1
                }
            }
        }
        if let extra = args.given("env") {
            guard case .map(let m) = extra else { throw DshError.runtime("\(fn): env must be a map, got \(extra.typeName)") }
            for (k, v) in m.entries {
                if k.isEmpty || k.contains("=") || k.utf8.contains(0) {
                    throw DshError.runtime("\(fn): env: invalid variable name '\(k)'")
                }
                let text: String
                switch v {
                case .string(let s): text = s
                case .int, .float, .bool: text = v.displayString
                default: throw DshError.runtime("\(fn): env: \(k) must be a string or number, got \(v.typeName)")
                }
                if let i = entries.firstIndex(where: { $0.0 == k }) { entries[i].1 = text } else { entries.append((k, text)) }
            }
        }
        return entries.map { "\($0.0)=\($0.1)" }.filter { !$0.utf8.contains(0) }
    }
}

/// `stream: true`: the process's output as `{stream: "stdout" | "stderr", text}` lines,
/// in the order they were read. Closing the stream (break, `take`, an error) kills the
/// process group; the end of the output waits for the exit and, with `check: true`,
/// raises the error for a non-zero status.
final class ProcessStream: StreamValue {
    private let pump: ProcessPump
    private let check: Bool
    private var queue: [Value] = []
    private var queueIndex = 0
    private var done = false
    private static let keys: ContiguousArray<String> = ["stream", "text"]

    init(_ pump: ProcessPump, check: Bool) {
        self.pump = pump
        self.check = check
        super.init(label: "process \(pump.process.display)")
    }

    override func next(_ runtime: any Runtime) throws -> Value? {
        while true {
            if queueIndex < queue.count {
                defer { queueIndex += 1 }
                return queue[queueIndex]
            }
            queue.removeAll(keepingCapacity: true)
            queueIndex = 0
            if done { return nil }
            if pump.finished {
                done = true
                let code = pump.process.exitCode ?? -1
                pump.stop()
                if check && code != 0 {
                    throw ProcessBuiltins.failure(pump.function, pump.process, code: code, stdout: .string(""), stderr: .string(""))
                }
                return nil
            }
            do {
                try pump.step(runtime)
            } catch {
                done = true
                pump.stop()
                throw error
            }
            take(&pump.stdout, "stdout", atEnd: pump.process.stdoutFD < 0)
            take(&pump.stderr, "stderr", atEnd: pump.process.stderrFD < 0)
        }
    }

    /// Moves the complete lines of `buffer` (and at the end, the rest) into the queue.
    private func take(_ buffer: inout [UInt8], _ name: String, atEnd: Bool) {
        var start = 0
        while let nl = buffer[start...].firstIndex(of: 0x0a) {
            emit(buffer[start..<nl], name)
            start = nl + 1
        }
        if atEnd && start < buffer.count {
            emit(buffer[start...], name)
            start = buffer.count
        }
        if start > 0 { buffer.removeFirst(start) }
    }

    private func emit(_ bytes: ArraySlice<UInt8>, _ name: String) {
        queue.append(.map(MapRef(distinctKeys: ProcessStream.keys, values: [.string(name), .string(String(decoding: bytes, as: UTF8.self))])))
    }

    override func close() {
        done = true
        pump.stop()
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
