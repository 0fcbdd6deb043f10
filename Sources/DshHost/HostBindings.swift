// HostBindings.swift: installs the host built-ins into an interpreter, by DshCore's
// capabilities: processes (`sh`, `command`), file writes, file reads, and the pure YAML
// functions.
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
import Synchronization

/// The host built-ins and what each may touch.
public enum HostBindings {
    /// Every host built-in with its one line of help. What each needs is in DshCore's
    /// `Capabilities.builtinRequirements` (the one list of host-touching functions);
    /// `parse_yaml` and `yaml` need nothing.
    static let docs: [(name: String, doc: String)] = [
        ("sh", "sh(cmdline, args..., stdin:, env:, clear_env:, cwd:, check: true, stream: false, timeout:, bytes:): run cmdline with /bin/sh -c ($1... are args); {exit_code, stdout, stderr}"),
        ("command", "command(argv, stdin:, env:, clear_env:, cwd:, check: true, stream: false, timeout:, bytes:): run argv[0] with the rest as arguments, no shell; {exit_code, stdout, stderr}"),
        ("mkdir", "mkdir(path, parents: false, mode: \"755\"): make a directory (with parents: its parents too, no error if it exists); the path"),
        ("rm", "rm(path, recursive: false, force: false): remove a file or symlink (a directory tree with recursive); force ignores a missing path"),
        ("temp_dir", "temp_dir(prefix: \"dsh-\", keep: false): a new private directory, removed when the script ends unless keep: true"),
        ("copy_file", "copy_file(src, dst): copy a file's bytes and mode (into dst when it is a directory); the destination path"),
        ("move", "move(src, dst): rename a file or directory (into dst when it is a directory); the destination path"),
        ("list_dir", "list_dir(path = \".\"): the names in a directory, sorted"),
        ("file_info", "file_info(path, follow: false): {name, path, type, size, mode, mtime, link_target}"),
        ("abs_path", "abs_path(path): path made absolute against the working directory, . and .. resolved"),
        ("cwd", "cwd(): the working directory"),
        ("parse_yaml", "parse_yaml(text, all: false): the value of a YAML document (all: the list of every document); keys keep their order"),
        ("yaml", "yaml(value): the value as a YAML document (block style, keys in order)"),
    ]

    /// Every host built-in: its name, the capabilities it needs (empty: none, it is
    /// pure) and its one line of help.
    public static var functions: [(name: String, needs: Capabilities, doc: String)] {
        docs.map { ($0.name, Capabilities.builtinRequirements[$0.name] ?? [], $0.doc) }
    }

    /// Defines the host built-ins that both `capabilities` (default: all) and the
    /// interpreter's own `capabilities` allow (the pure ones always). Temporary
    /// directories made by `temp_dir` are removed, and processes still running are
    /// killed, when the interpreter is released.
    public static func install(into interp: Interpreter, capabilities: Capabilities = .all) {
        let allowed = capabilities.intersection(interp.capabilities)
        let session = HostSession()
        // From `docs` itself: `functions` makes an array of another tuple type, whose
        // metadata costs each start about 20k instructions to make. With every capability
        // allowed, what each needs is not looked up (nor that table built: about 30k).
        let allowsAll = allowed.isSuperset(of: .all)
        for (name, doc) in docs {
            if !allowsAll && !allowed.isSuperset(of: Capabilities.builtinRequirements[name] ?? []) { continue }
            guard let body = body(name, session) else { continue }
            interp.define(name, doc: doc, body)
        }
    }

    /// Whether releasing an interpreter could still do something outside this process:
    /// kill a process that `sh`/`command` started (one is alive), or remove a `temp_dir`
    /// directory. When false, a host about to exit may skip releasing its interpreter.
    public static var releaseHasEffects: Bool { HostSession.pendingCleanup.load(ordering: .acquiring) > 0 }

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

    /// Live spawned processes plus temporary directories still to remove, over every
    /// session (see `HostBindings.releaseHasEffects`).
    static let pendingCleanup = Atomic<Int>(0)

    deinit {
        for dir in tempDirs.reversed() { try? FileBuiltins.removeTree(dir, nil) }
        HostSession.pendingCleanup.subtract(tempDirs.count, ordering: .releasing)
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
        if !keep {
            tempDirs.append(path)
            HostSession.pendingCleanup.add(1, ordering: .releasing)
        }
        return .string(path)
    }
}
