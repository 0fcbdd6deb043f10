// FileSystem: the few file operations the client needs, on Glibc (no Foundation).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX helpers: existence, whole-file reads of small files, the home directory.
enum FileSystem {
    /// Whether something exists at `path` (following symlinks).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The bytes of a small file, nil when it cannot be read; refuses files over `limit`.
    static func readFile(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
            if out.count > limit { return nil }
        }
        return out
    }

    /// `$HOME`, else the password database's home of the current user, else "/".
    static func homeDirectory(_ environment: EnvironmentLookup) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// `a/b` with exactly one slash between.
    static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }

    /// The current process environment.
    static func environment() -> [String: String] { ProcessEnvironment.current() }
}

/// The process environment as a dictionary, read without Foundation.
public enum ProcessEnvironment {
    /// Every `NAME=value` of the current process. (Split as bytes: `String.firstIndex(of:)`
    /// would go through generic Character code whose first use costs a scan of the
    /// runtime's conformance tables, about a tenth of a `dsh -c` start.)
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            if let eq = bytes.firstIndex(of: UInt8(ascii: "=")) {
                result[String(decoding: UnsafeBufferPointer(rebasing: bytes[..<eq]), as: UTF8.self)] =
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[(eq + 1)...]), as: UTF8.self)
            }
            p += 1
        }
        return result
    }

    /// The value of `name` in the current process environment, nil when unset: what
    /// `current()[name]` gives (the last `name=` entry wins), without building the whole
    /// dictionary, which costs a `dsh` start that reads a few names about 0.05 ms.
    public static func value(_ name: String) -> String? {
        var name = name
        return name.withUTF8 { key -> String? in
            var found: String?
            var p = environ
            while let entry = p.pointee {
                let bytes = UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self)
                // Stops at the entry's NUL at the latest: `key` holds no NUL byte.
                var i = 0
                while i < key.count && bytes[i] == key[i] { i += 1 }
                if i == key.count && bytes[i] == UInt8(ascii: "=") {
                    found = String(cString: bytes + i + 1)
                }
                p += 1
            }
            return found
        }
    }
}

/// Environment variables by name: those of a given dictionary, or else the process's
/// own, read one name at a time (see `ProcessEnvironment.value`).
struct EnvironmentLookup {
    let given: [String: String]?

    init(_ given: [String: String]?) { self.given = given }

    subscript(name: String) -> String? {
        if let given { return given[name] }
        return ProcessEnvironment.value(name)
    }
}
