// FileBuiltins.swift: file-system operations for scripts: mkdir, rm, temp_dir,
// list_dir, file_info, copy_file, move, abs_path, cwd. Errors name the path and the
// reason as CLI tools do (`mkdir: cannot create directory 'x': File exists (EEXIST)`).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import DshCore

enum FileBuiltins {
    /// `mkdir(path, parents: false, mode: "755")`: makes a directory; with `parents`,
    /// the missing parents too and no error when it exists (`mkdir -p`). Returns the path.
    static func mkdir(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("mkdir", 1, 1, named: ["parents", "mode"])
        let path = try args.string(0, "mkdir", "the path")
        let parents = try args.bool("parents", "mkdir", default: false)
        var mode: mode_t = 0o755
        if let m = args.given("mode") {
            // An octal string as chmod takes it ("750"), or the bits as an int.
            let bits: Int?
            switch m {
            case .string(let s): bits = Int(s, radix: 8)
            case .int(let i): bits = i
            default: bits = nil
            }
            guard let bits, bits >= 0, bits <= 0o7777 else {
                throw DshError.runtime("mkdir: mode must be octal text like \"750\" (or an int), got \(m.sourceString)")
            }
            mode = mode_t(bits)
        }
        try makeDirectory(path, parents: parents, mode: mode)
        return .string(path)
    }

    static func makeDirectory(_ path: String, parents: Bool, mode: mode_t) throws {
        if Glibc.mkdir(path, mode) == 0 { return }
        let code = errno
        if parents {
            if code == EEXIST && isDirectory(path) { return }
            if code == ENOENT {
                let parent = PathText.dirname(path)
                if parent != path {
                    try makeDirectory(parent, parents: true, mode: 0o755)
                    if Glibc.mkdir(path, mode) == 0 || (errno == EEXIST && isDirectory(path)) { return }
                }
            }
        }
        errno = code
        throw errnoError("mkdir", "cannot create directory '\(path)'", path: path)
    }

    /// `rm(path, recursive: false, force: false)`: removes a file or symlink (a
    /// directory only with `recursive`, never following symlinks). `force` ignores a
    /// missing path. Returns nil.
    static func rm(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("rm", 1, 1, named: ["recursive", "force"])
        let path = try args.string(0, "rm", "the path")
        let recursive = try args.bool("recursive", "rm", default: false)
        let force = try args.bool("force", "rm", default: false)
        let last = PathText.basename(path)
        if path.isEmpty || last == "/" || last == "." || last == ".." {
            throw DshError.runtime("rm: refusing to remove '\(path)'")
        }
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT && force { return .null }
            throw errnoError("rm", "cannot remove '\(path)'", path: path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            guard recursive else {
                throw DshError.runtime("rm: cannot remove '\(path)': Is a directory (EISDIR; pass recursive: true)",
                                       fields: [("errno", .string("EISDIR")), ("path", .string(path))])
            }
            try removeTree(path, rt)
        } else if unlink(path) != 0 {
            throw errnoError("rm", "cannot remove '\(path)'", path: path)
        }
        return .null
    }

    /// Removes a directory and everything below it (symlinks are removed, not followed).
    static func removeTree(_ path: String, _ rt: (any Runtime)?) throws {
        try rt?.checkInterrupt()
        for (name, isDir) in try entries(path, "rm") {
            let child = path + "/" + name
            if isDir {
                try removeTree(child, rt)
            } else if unlink(child) != 0 {
                throw errnoError("rm", "cannot remove '\(child)'", path: child)
            }
        }
        if rmdir(path) != 0 { throw errnoError("rm", "cannot remove '\(path)'", path: path) }
    }

    /// The names in a directory (without `.` and `..`), each with whether it is a real
    /// directory (lstat: a symlink to a directory is not).
    static func entries(_ path: String, _ fn: String) throws -> [(String, Bool)] {
        guard let list = DirectoryEntries.read(path) else { throw errnoError(fn, "cannot open directory '\(path)'", path: path) }
        return list.map { ($0.name, $0.isDirectory) }
    }

    /// `list_dir(path = ".")`: the names in a directory, sorted.
    static func listDir(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("list_dir", 0, 1)
        let path = try args.count == 0 ? "." : args.string(0, "list_dir", "the path")
        let names = try entries(path, "list_dir").map(\.0).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        return .list(names.map { .string($0) })
    }

    /// `file_info(path, follow: false)`: `{name, path, type, size, mode, mtime,
    /// link_target}`; `type` is "file", "dir", "symlink" or "other"; `mode` the permission
    /// bits as an int (`format("{:o}", m)` shows `644`); `mtime` seconds since the epoch. A symlink is described
    /// itself unless `follow: true`.
    static func fileInfo(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("file_info", 1, 1, named: ["follow"])
        let path = try args.string(0, "file_info", "the path")
        let follow = try args.bool("follow", "file_info", default: false)
        var st = stat()
        if (follow ? stat(path, &st) : lstat(path, &st)) != 0 {
            throw errnoError("file_info", "cannot stat '\(path)'", path: path)
        }
        let type: String
        switch st.st_mode & S_IFMT {
        case S_IFREG: type = "file"
        case S_IFDIR: type = "dir"
        case S_IFLNK: type = "symlink"
        default: type = "other"
        }
        var target: Value = .null
        if type == "symlink" {
            var buf = [CChar](repeating: 0, count: 4097)
            let n = readlink(path, &buf, 4096)
            if n >= 0 { target = .string(String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
        }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return .map(MapRef(distinctKeys: ["name", "path", "type", "size", "mode", "mtime", "link_target"], values: [
            .string(PathText.basename(path)), .string(path), .string(type), .int(Int(st.st_size)),
            .int(Int(st.st_mode & 0o7777)), .float(mtime), target,
        ]))
    }

    /// `copy_file(src, dst)`: copies a regular file's bytes and permission bits; a
    /// directory `dst` receives it under the same name. Returns the destination path.
    static func copyFile(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("copy_file", 2, 2)
        let src = try args.string(0, "copy_file", "the source")
        var dst = try args.string(1, "copy_file", "the destination")
        if isDirectory(dst) { dst = PathText.join([dst, PathText.basename(src)]) }
        try copy(src, dst, "copy_file", rt)
        return .string(dst)
    }

    private static func copy(_ src: String, _ dst: String, _ fn: String, _ rt: any Runtime) throws {
        var st = stat()
        guard stat(src, &st) == 0 else { throw errnoError(fn, "cannot stat '\(src)'", path: src) }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw DshError.runtime("\(fn): '\(src)' is a directory (EISDIR)", fields: [("errno", .string("EISDIR")), ("path", .string(src))])
        }
        var dstStat = stat()
        if stat(dst, &dstStat) == 0 && dstStat.st_dev == st.st_dev && dstStat.st_ino == st.st_ino {
            throw DshError.runtime("\(fn): '\(src)' and '\(dst)' are the same file")
        }
        let input = open(src, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw errnoError(fn, "cannot open '\(src)'", path: src) }
        defer { close(input) }
        let output = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0o7777)
        guard output >= 0 else { throw errnoError(fn, "cannot create '\(dst)'", path: dst) }
        defer { close(output) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            try rt.checkInterrupt()
            let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw errnoError(fn, "cannot read '\(src)'", path: src) }
            if n == 0 { break }
            var off = 0
            while off < n {
                let w = chunk.withUnsafeBytes { write(output, $0.baseAddress! + off, n - off) }
                if w < 0 { if errno == EINTR { continue }; throw errnoError(fn, "cannot write '\(dst)'", path: dst) }
                off += w
            }
        }
        _ = fchmod(output, st.st_mode & 0o7777)
    }

    /// `move(src, dst)`: renames a file or directory; a directory `dst` receives it under
    /// the same name; across file systems a file is copied, then removed. Returns the
    /// destination path.
    static func move(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("move", 2, 2)
        let src = try args.string(0, "move", "the source")
        var dst = try args.string(1, "move", "the destination")
        if isDirectory(dst) { dst = PathText.join([dst, PathText.basename(src)]) }
        if rename(src, dst) == 0 { return .string(dst) }
        if errno == EXDEV && !isDirectory(src) {
            try copy(src, dst, "move", rt)
            if unlink(src) != 0 { throw errnoError("move", "cannot remove '\(src)'", path: src) }
            return .string(dst)
        }
        throw errnoError("move", "cannot move '\(src)' to '\(dst)'", path: src)
    }

    /// `cwd()`: the process's working directory.
    static func cwd(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("cwd", 0, 0)
        return .string(try currentDirectory())
    }

    static func currentDirectory() throws -> String {
        var buf = [CChar](repeating: 0, count: 4097)
        guard getcwd(&buf, 4096) != nil else { throw errnoError("cwd", "cannot read the working directory") }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `abs_path(path)`: `path` made absolute against the working directory and
    /// normalised (`.` and `..` resolved by text; symlinks are not followed, the path
    /// need not exist).
    static func absPath(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("abs_path", 1, 1)
        let path = try args.string(0, "abs_path", "the path")
        let full = try path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        return .string(PathText.normalize(full))
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
