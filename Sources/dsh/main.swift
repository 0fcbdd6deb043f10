// main.swift: the `dsh` command: run a script file, `-c CODE`, a script on standard
// input, or (with a terminal) the interactive REPL.
import ArgumentParser
import DshCore
import DshDocker
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
            dsh [--trace] FILE [ARGS...]
            dsh [--trace] -c CODE [ARGS...]
            dsh [--trace] - [ARGS...]      (script on standard input)
            dsh                            (interactive, when standard input is a terminal)
            """,
        version: "dsh \(dshVersion)"
    )

    @Option(name: .customShort("c"), help: ArgumentHelp("Run CODE instead of a file.", valueName: "CODE"))
    var code: String?

    @Flag(name: .long, help: "Log every Docker API request and response status to standard error.")
    var trace = false

    @Argument(help: ArgumentHelp("The script file (or '-' for standard input), then its arguments.", valueName: "FILE ARGS"))
    var rest: [String] = []

    func run() throws {
        throw ExitCode(try runProgram(code: code, trace: trace, rest: rest))
    }
}

/// Runs the program the command line names (`-c CODE`, a file, `-` or standard input, or
/// the REPL) and returns its exit status; an unreadable file throws `ExitCode(2)`.
func runProgram(code: String?, trace: Bool, rest: [String]) throws -> Int32 {
    if trace { setenv("DSH_TRACE", "1", 1) }
    var args = rest + scriptArguments
    let file: SourceFile
    if let code {
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
        return runInteractive()
    } else {
        file = SourceFile(name: "<stdin>", bytes: readAll(fd: 0))
    }
    var status: Int32 = 0
    EvaluationThread.run {
        let interp = Interpreter()
        interp.arguments = args
        installHostBindings(interp)
        status = interp.runScript(file)
    }
    TextSink.standardOutput.flush()
    return status
}

/// Installs the Docker bindings (the `docker` global, `tar`, `progress`) into `interp`.
/// HOOK: the DshDocker module's installer is called here once it lands.
func installHostBindings(_ interp: Interpreter) {
    // The client is made on first use of `docker`, so `dsh -c 'print(1)'` never
    // connects. `--trace` (DSH_TRACE) logs each request; DSH_READ_ONLY=1 allows only GET/HEAD.
    let trace = getenv("DSH_TRACE") != nil ? DockerBindings.traceToStandardError() : nil
    let readOnly = getenv("DSH_READ_ONLY").map { String(cString: $0) == "1" } ?? false
    DockerBindings.install(into: interp, readOnly: readOnly, trace: trace)
}

/// Runs the interactive REPL and returns the exit status.
func runInteractive() -> Int32 {
    let interp = Interpreter()
    installHostBindings(interp)
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
        if a.hasPrefix("-") && a != "-" {
            own.append(a)
            i += 1
            continue
        }
        return (own, Array(argv[i...]))
    }
    return (own, [])
}

/// The options of a plain run (`-c CODE` and `--trace`, each at most once), or nil when
/// the command line needs the full parser (`--help`, `--version`, an unknown option, a
/// missing or dash-led CODE). Running a script this way skips swift-argument-parser,
/// whose reflection over the command's properties is a measurable share of start-up.
func plainOptions(_ own: [String]) -> (code: String?, trace: Bool)? {
    var code: String?
    var trace = false
    var i = 0
    while i < own.count {
        switch own[i] {
        case "--trace" where !trace:
            trace = true
            i += 1
        case "-c" where code == nil && i + 1 < own.count && !own[i + 1].hasPrefix("-"):
            code = own[i + 1]
            i += 2
        default:
            return nil
        }
    }
    return (code, trace)
}

let (dshOptions, scriptPart) = splitCommandLine(Array(CommandLine.arguments.dropFirst()))
scriptArguments = scriptPart
if let plain = plainOptions(dshOptions) {
    do {
        exit(try runProgram(code: plain.code, trace: plain.trace, rest: []))
    } catch {
        exit((error as? ExitCode)?.rawValue ?? 1)
    }
}
DshCommand.main(dshOptions)
