// main.swift: the `dsh` command: run a script file, `-c CODE`, a script on standard
// input, or (with a terminal) the interactive REPL.
#if CLI
import ArgumentParser
#else
#error("the dsh executable needs the package trait CLI (on by default): swift build --traits CLI")
#endif
import DshCore
import DshDocker
import DshHost
import DshREPL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The dsh version shown by `--version`.
let dshVersion = "0.1.0"

/// The command line.
struct DshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsh",
        abstract: "A scripting language and REPL for the Docker Engine API.",
        usage: """
            dsh [OPTIONS] FILE [ARGS...]
            dsh [OPTIONS] -c CODE [ARGS...]
            dsh [OPTIONS] - [ARGS...]      (script on standard input)
            dsh [OPTIONS]                  (interactive, when standard input is a terminal)
            dsh test [PATH] [--filter TEXT] (run the *_test.dsh files under PATH)
            """,
        version: "dsh \(dshVersion)"
    )

    @Option(name: .customShort("c"), help: ArgumentHelp("Run CODE instead of a file.", valueName: "CODE"))
    var code: String?

    @Flag(name: .long, help: "Log every Docker API request and response status to standard error.")
    var trace = false

    @Flag(name: .long, help: "Allow only GET and HEAD Docker API requests (also DSH_READ_ONLY=1).")
    var readOnly = false

    @Option(name: .long, help: ArgumentHelp("Stop the script after N steps (loop iterations and calls).", valueName: "N"))
    var maxSteps: String?

    @Option(name: .long, help: ArgumentHelp("Stop the script after DURATION (1.5, 250ms, 30s, 5m, 2h).", valueName: "DURATION"))
    var timeout: String?

    @Option(name: .long, help: ArgumentHelp("Stop the script when its values pass SIZE (256M, 1.5G, 65536; K/M/G are powers of 1024).", valueName: "SIZE"))
    var maxMemory: String?

    @Argument(help: ArgumentHelp("The script file (or '-' for standard input), then its arguments.", valueName: "FILE ARGS"))
    var rest: [String] = []

    func validate() throws {
        if let maxSteps, OptionValues.steps(maxSteps) == nil {
            throw ValidationError("--max-steps must be a positive whole number, not '\(maxSteps)'")
        }
        if let timeout, OptionValues.duration(timeout) == nil {
            throw ValidationError("--timeout must be a positive duration such as 1.5, 250ms, 30s, 5m or 2h, not '\(timeout)'")
        }
        if let maxMemory, InterpreterLimits.parseMemory(maxMemory) == nil {
            throw ValidationError("--max-memory must be a size such as 64M, 1.5G or 65536 (bytes), not '\(maxMemory)'")
        }
    }

    func run() throws {
        let options = RunOptions(
            code: code, trace: trace, readOnly: readOnly,
            maxSteps: maxSteps.flatMap(OptionValues.steps), timeout: timeout.flatMap(OptionValues.duration),
            maxMemory: maxMemory.flatMap(InterpreterLimits.parseMemory))
        throw ExitCode(try runProgram(options, rest: rest))
    }
}

/// Runs the program the command line names (`-c CODE`, a file, `-` or standard input, or
/// the REPL) and returns its exit status; an unreadable file throws `ExitCode(2)`.
func runProgram(_ options: RunOptions, rest: [String]) throws -> Int32 {
    var options = options
    if options.trace { setenv("DSH_TRACE", "1", 1) }
    do {
        options.readOnly = try OptionValues.readOnlyFromEnvironment() || options.readOnly
    } catch {
        FileHandleErr.write("dsh: \(error.message)\n")
        throw ExitCode(2)
    }
    var args = rest + scriptArguments
    let file: SourceFile
    if let code = options.code {
        file = SourceFile(name: "<command line>", text: code)
    } else if let first = args.first {
        args.removeFirst()
        if first == "-" {
            file = SourceFile(name: "<stdin>", bytes: readAll(fd: 0))
        } else {
            guard let bytes = readFile(first) else {
                let reason = String(cString: strerror(errno))
                FileHandleErr.write("dsh: cannot open '\(first)': \(reason)\n")
                throw ExitCode(2)
            }
            file = SourceFile(name: first, bytes: bytes, path: first)
        }
    } else if isatty(0) == 1 {
        return runInteractive(options)
    } else {
        file = SourceFile(name: "<stdin>", bytes: readAll(fd: 0))
    }
    let interp = Interpreter(limits: options.interpreterLimits)
    interp.arguments = args
    options.limit(interp)
    installHostBindings(interp, options)
    // SIGINT, SIGTERM, SIGHUP cancel the script; its defers clean up; status 128 + signal.
    let signals = ScriptSignals(cancelling: interp.cancelHandle)
    let status = EvaluationThread.run { interp.runScript(file) }
    TextSink.standardOutput.flush()
    // The process exits next: releasing the interpreter (every global and value) would
    // only cost time (about 0.16M instructions for `print(1)`), unless it must still kill
    // a process the script started or remove a temporary directory.
    if !HostBindings.releaseHasEffects { _ = Unmanaged.passRetained(interp) }
    return signals.status ?? status
}

/// Installs the Docker bindings (the `docker` global, `tar`, `progress`) into `interp`.
func installHostBindings(_ interp: Interpreter, _ options: RunOptions) {
    // The client is made on first use of `docker`, so `dsh -c 'print(1)'` never
    // connects. `--trace` (DSH_TRACE) logs each request; read-only allows only GET/HEAD.
    let trace = getenv("DSH_TRACE") != nil ? DockerBindings.traceToStandardError() : nil
    DockerBindings.install(into: interp, readOnly: options.readOnly, trace: trace)
    // Host processes and file changes are absent in read-only mode (docs/language.md).
    HostBindings.install(into: interp, capabilities: options.readOnly ? .readOnlyFiles : .all)
}

/// Runs the interactive REPL and returns the exit status.
func runInteractive(_ options: RunOptions) -> Int32 {
    let interp = Interpreter(limits: options.interpreterLimits)
    options.limit(interp)
    installHostBindings(interp, options)
    var options = REPLOptions()
    // The prompt names the engine in use: `dsh unix:///var/run/docker.sock> `.
    if case .object(let docker)? = interp.global("docker"), case .string(let host)? = try? docker.member("host", interp) {
        options.promptLabel = "dsh " + host
    }
    options.liveCompletions = LiveCompletions.provider()
    return REPL(interpreter: interp, options: options).run()
}

/// Writes to standard error without Foundation.
enum FileHandleErr {
    static func write(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// Reads a whole file descriptor (its bytes: the lexer reports any that are not UTF-8).
func readAll(fd: Int32) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

/// Reads a whole file, or nil (with `errno` set) when it cannot be opened.
func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
        errno = EISDIR
        return nil
    }
    return readAll(fd: fd)
}

/// Everything from the script file on (or after `-c CODE`): the script's own
/// arguments, kept away from dsh's option parser so `dsh x.dsh --help` passes
/// `--help` to the script.
nonisolated(unsafe) var scriptArguments: [String] = []

/// dsh's options that take the next argument as their value.
let optionsWithValue: Set<String> = ["--max-steps", "--timeout", "--max-memory"]

/// Splits the command line into dsh's options and the script's part.
func splitCommandLine(_ argv: [String]) -> (dsh: [String], script: [String]) {
    var i = 0
    var own: [String] = []
    while i < argv.count {
        let a = argv[i]
        if a == "--" { return (own, Array(argv[(i + 1)...])) }
        if a == "-c" {
            own.append(a)
            if i + 1 < argv.count { own.append(argv[i + 1]) }
            return (own, Array(argv[min(i + 2, argv.count)...]))
        }
        if optionsWithValue.contains(a) {
            own += argv[i..<min(i + 2, argv.count)]
            i += 2
            continue
        }
        if a.hasPrefix("-") && a != "-" {
            own.append(a)
            i += 1
            continue
        }
        return (own, Array(argv[i...]))
    }
    return (own, [])
}

/// The options of a plain run (`-c CODE`, `--trace`, `--read-only`, `--max-steps N`,
/// `--timeout DURATION`, `--max-memory SIZE`, each at most once and well-formed), or nil when the command
/// line needs the full parser (`--help`, `--version`, an unknown or repeated option, a
/// missing or bad value). Running a script this way skips swift-argument-parser, whose
/// reflection over the command's properties is a measurable share of start-up.
func plainOptions(_ own: [String]) -> RunOptions? {
    var options = RunOptions()
    var seen: Set<String> = []
    var i = 0
    while i < own.count {
        let option = own[i]
        guard seen.insert(option).inserted else { return nil }
        let value = i + 1 < own.count && !own[i + 1].hasPrefix("-") ? own[i + 1] : nil
        switch option {
        case "--trace": options.trace = true
        case "--read-only": options.readOnly = true
        case "-c":
            guard let value else { return nil }
            options.code = value
        case "--max-steps":
            guard let n = value.flatMap(OptionValues.steps) else { return nil }
            options.maxSteps = n
        case "--timeout":
            guard let d = value.flatMap(OptionValues.duration) else { return nil }
            options.timeout = d
        case "--max-memory":
            guard let bytes = value.flatMap(InterpreterLimits.parseMemory) else { return nil }
            options.maxMemory = bytes
        default:
            return nil
        }
        i += option == "-c" || optionsWithValue.contains(option) ? 2 : 1
    }
    return options
}

useMainMallocArenaOnly()
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "test" {
    exit(runTestCommand(Array(CommandLine.arguments.dropFirst(2))))
}
let (dshOptions, scriptPart) = splitCommandLine(Array(CommandLine.arguments.dropFirst()))
scriptArguments = scriptPart
if let plain = plainOptions(dshOptions) {
    do {
        exit(try runProgram(plain, rest: []))
    } catch {
        exit((error as? ExitCode)?.rawValue ?? 1)
    }
}
DshCommand.main(dshOptions)
