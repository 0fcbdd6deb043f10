// Capabilities.swift: what an interpreter's scripts may reach outside the language
// (files, the environment, imports from disk, host processes), chosen at
// construction, and the capability each system built-in needs.

/// The capabilities of an interpreter: a built-in needing one it lacks is not defined,
/// `env` is absent without `.environment`, and `import` reads no file without
/// `.importFiles` (a ``Interpreter/moduleLoader`` may still serve modules).
public struct Capabilities: OptionSet, Sendable, Hashable {
    /// The capability bits.
    public let rawValue: UInt32
    /// A capability set from its bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Reading the file system: `read_file`, `exists`, `glob`, directory listings.
    public static let readFiles = Capabilities(rawValue: 1 << 0)
    /// Changing the file system: `write_file`, `mkdir`, `rm`, ...
    public static let writeFiles = Capabilities(rawValue: 1 << 1)
    /// The `env` global (the process's environment variables).
    public static let environment = Capabilities(rawValue: 1 << 2)
    /// `import` of modules from the file system (relative, absolute and search paths).
    public static let importFiles = Capabilities(rawValue: 1 << 3)
    /// Running host processes (`sh`, `command`).
    public static let processes = Capabilities(rawValue: 1 << 4)

    /// Nothing outside the language: computation, printing, time.
    public static let pure: Capabilities = []
    /// Reading files and importing modules from disk, nothing else.
    public static let readOnlyFiles: Capabilities = [.readFiles, .importFiles]
    /// Everything (the `dsh` command's set).
    public static let all: Capabilities = [.readFiles, .writeFiles, .environment, .importFiles, .processes]

    /// The capability each built-in that reaches outside the language needs; a built-in
    /// not listed is pure. Every new built-in touching files, the environment or
    /// processes must be listed here (`CapabilityTests` checks the known ones).
    public static let builtinRequirements: [String: Capabilities] = [
        "read_file": .readFiles, "exists": .readFiles, "glob": .readFiles,
        "list_dir": .readFiles, "file_info": .readFiles, "cwd": .readFiles, "abs_path": .readFiles,
        "write_file": .writeFiles, "mkdir": .writeFiles, "rm": .writeFiles, "temp_dir": .writeFiles,
        "copy_file": .writeFiles, "move": .writeFiles,
        "sh": .processes, "command": .processes,
    ]

    /// Whether an interpreter with these capabilities defines the built-in `name`.
    public func allows(builtin name: String) -> Bool {
        isSuperset(of: Capabilities.builtinRequirements[name] ?? [])
    }
}

/// What a host's module loader says about `import "name"`.
public enum ModuleSource: Sendable {
    /// The module's source text, served by the host (`name` is how messages show it).
    case text(String, name: String)
    /// Look for the module on the file system as usual (needs `.importFiles`).
    case fileSystem
    /// Refuse the import with this reason.
    case denied(String)
}
