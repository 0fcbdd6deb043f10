// DirectoryEntries.swift: reading a directory with libc, shared by `glob` and the host
// file functions (`list_dir`, `rm(recursive: true)`, `dsh test`).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The entries of one directory.
public enum DirectoryEntries {
    /// The names in `dir` (without `.` and `..`), each with whether it is a real
    /// directory (a symlink to one is not), in the order the file system gives; nil when
    /// the directory cannot be opened (`errno` says why).
    public static func read(_ dir: String) -> [(name: String, isDirectory: Bool)]? {
        guard let d = opendir(dir) else { return nil }
        defer { closedir(d) }
        var out: [(name: String, isDirectory: Bool)] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: &e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let isDir: Bool
            let t = e.pointee.d_type
            if t == UInt8(DT_DIR) {
                isDir = true
            } else if t == UInt8(DT_UNKNOWN) {
                var st = stat()
                isDir = lstat(dir.hasSuffix("/") ? dir + name : dir + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            } else {
                isDir = false
            }
            out.append((name, isDir))
        }
        return out
    }
}
