// HostBindings.swift: installs the host built-ins into an interpreter, by capability:
// processes (`sh`, `command`), file writes, file reads, and the pure YAML functions.
// DshCore itself never starts a process or changes a file beyond `write_file`; a host
// decides here what its scripts may touch.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DshCore

/// The host built-ins and what each may touch.
public enum HostBindings {
    /// What a script may do to the machine it runs on.
    public struct Capabilities: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Start host processes: `sh`, `command`.
        public static let processes = Capabilities(rawValue: 1)
        /// Create, change and remove files: `mkdir`, `rm`, `temp_dir`, `copy_file`, `move`.
        public static let writeFiles = Capabilities(rawValue: 2)
        /// Look at the file system: `list_dir`, `file_info`, `abs_path`, `cwd`.
        public static let readFiles = Capabilities(rawValue: 4)
        /// Everything (the `dsh` command's default).
        public static let all: Capabilities = [.processes, .writeFiles, .readFiles]
        /// Read-only mode (`DSH_READ_ONLY=1`): looking, no changing, no processes.
        public static let readOnly: Capabilities = [.readFiles]
        /// A pure sandbox: only the functions that touch nothing (`parse_yaml`, `yaml`).
        public static let none: Capabilities = []
    }

    /// Every host built-in: its name, the capability it needs (nil: none, it is pure)
    /// and its one line of help. This is the one list to consult when excluding
    /// host-touching functions.
    public static let functions: [(name: String, needs: Capabilities?, doc: String)] = [
        ("sh", .processes, "sh(cmdline, args..., stdin:, env:, clear_env:, cwd:, check: true, stream: false, timeout:, bytes:): run cmdline with /bin/sh -c ($1... are args); {exit_code, stdout, stderr}"),
        ("command", .processes, "command(argv, stdin:, env:, clear_env:, cwd:, check: true, stream: false, timeout:, bytes:): run argv[0] with the rest as arguments, no shell; {exit_code, stdout, stderr}"),
        ("mkdir", .writeFiles, "mkdir(path, parents: false, mode: \"755\"): make a directory (with parents: its parents too, no error if it exists); the path"),
        ("rm", .writeFiles, "rm(path, recursive: false, force: false): remove a file or symlink (a directory tree with recursive); force ignores a missing path"),
        ("temp_dir", .writeFiles, "temp_dir(prefix: \"dsh-\", keep: false): a new private directory, removed when the script ends unless keep: true"),
        ("copy_file", .writeFiles, "copy_file(src, dst): copy a file's bytes and mode (into dst when it is a directory); the destination path"),
        ("move", .writeFiles, "move(src, dst): rename a file or directory (into dst when it is a directory); the destination path"),
        ("list_dir", .readFiles, "list_dir(path = \".\"): the names in a directory, sorted"),
        ("file_info", .readFiles, "file_info(path, follow: false): {name, path, type, size, mode, mtime, link_target}"),
        ("abs_path", .readFiles, "abs_path(path): path made absolute against the working directory, . and .. resolved"),
        ("cwd", .readFiles, "cwd(): the working directory"),
        ("parse_yaml", nil, "parse_yaml(text, all: false): the value of a YAML document (all: the list of every document); keys keep their order"),
        ("yaml", nil, "yaml(value): the value as a YAML document (block style, keys in order)"),
    ]

    /// Defines the host built-ins that `capabilities` allow in `interp` (the pure ones
    /// always). Temporary directories made by `temp_dir` are removed, and processes
    /// still running are killed, when the interpreter is released.
    public static func install(into interp: Interpreter, capabilities: Capabilities = .all) {
        let session = HostSession()
        for (name, needs, doc) in functions {
            if let needs, !capabilities.contains(needs) { continue }
            guard let body = body(name, session) else { continue }
            interp.define(name, doc: doc, body)
        }
    }

    private static func body(_ name: String, _ session: HostSession) -> ((Arguments, any Runtime) throws -> Value)? {
        switch name {
        case "sh": return ProcessBuiltins.sh
        case "command": return ProcessBuiltins.command
        case "mkdir": return FileBuiltins.mkdir
        case "rm": return FileBuiltins.rm
        case "temp_dir": return { args, rt in try session.tempDir(args, rt) }
        case "copy_file": return FileBuiltins.copyFile
        case "move": return FileBuiltins.move
        case "list_dir": return FileBuiltins.listDir
        case "file_info": return FileBuiltins.fileInfo
        case "abs_path": return FileBuiltins.absPath
        case "cwd": return FileBuiltins.cwd
        case "parse_yaml": return YAMLBuiltins.parseYAML
        case "yaml": return YAMLBuiltins.toYAML
        default: return nil
        }
    }
}

/// What one interpreter's host built-ins leave behind: the temporary directories to
/// remove when it goes away.
final class HostSession {
    private var tempDirs: [String] = []

    deinit {
        for dir in tempDirs.reversed() { try? FileBuiltins.removeTree(dir, nil) }
    }

    /// `temp_dir(prefix: "dsh-", keep: false)`: a new directory (mode 0700) under
    /// `$TMPDIR` or `/tmp`.
    func tempDir(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("temp_dir", 0, 0, named: ["prefix", "keep"])
        var prefix = "dsh-"
        if let p = args.given("prefix") {
            guard case .string(let s) = p, !s.contains("/") else { throw DshError.runtime("temp_dir: prefix must be a string without '/'") }
            prefix = s
        }
        let keep = try args.bool("keep", "temp_dir", default: false)
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        if base.isEmpty { base = "/tmp" }
        var template = Array((PathText.join([base, prefix + "XXXXXX"])).utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw errnoError("temp_dir", "cannot create a directory in '\(base)'", path: base)
        }
        let path = String(cString: made)
        if !keep { tempDirs.append(path) }
        return .string(path)
    }
}
