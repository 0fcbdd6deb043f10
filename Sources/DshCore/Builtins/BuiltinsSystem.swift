// BuiltinsSystem.swift: built-ins that touch the system: files (read_file, write_file,
// exists, glob), time (sleep, now) and `table` output. Uses libc directly rather than
// Foundation, to keep start-up fast.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Builtins {
    static var systemFunctions: [(String, NativeBody)] {
        [
            ("read_file", readFile),
            ("write_file", writeFile),
            ("exists", { args, _ in
                try args.expect("exists", 1, 1)
                let path = try Expect.string(args.at(0), "exists", "the path")
                var st = stat()
                return .bool(stat(path, &st) == 0)
            }),
            ("glob", glob),
            ("sleep", sleep),
            ("now", { args, _ in
                try args.expect("now", 0, 0)
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                return .float(Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
            }),
            ("table", table),
        ]
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// `read_file(path, bytes: false)`: the file as a UTF-8 string (or bytes).
    static func readFile(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("read_file", 1, 1, named: ["bytes"])
        let path = try Expect.string(args.at(0), "read_file", "the path")
        let data = try FileIO.read(path)
        try rt.reserveMemory(forNew: data.count)
        if args.flag("bytes") { return .bytes(data) }
        guard let s = String(validating: data, as: UTF8.self) else {
            throw DshError.runtime("read_file: \(path) is not valid UTF-8 (pass bytes: true)")
        }
        return .string(s)
    }

    /// `write_file(path, content, append: false)`: writes a string (UTF-8) or bytes, or
    /// drains a stream into the file item by item (bytes as they are, each string as a
    /// line), in constant memory; nil. Any other value is an error.
    static func writeFile(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("write_file", 2, 2, named: ["append"])
        let path = try Expect.string(args.at(0), "write_file", "the path")
        let append = args.flag("append")
        switch args.at(1) {
        case .string(let s): try FileIO.write(path, Array(s.utf8), append: append)
        case .bytes(let b): try FileIO.write(path, b, append: append)
        case .stream(let stream):
            defer { stream.close() }
            let file = try FileIO.Writer(path, append: append)
            defer { file.close() }
            var index = 0
            while let item = try stream.next(rt) {
                switch item {
                case .bytes(let b): try file.write(b)
                case .string(let s): try file.write(Array((s + "\n").utf8))
                case let v:
                    throw DshError.runtime("write_file: item \(index) of the stream is a \(v.typeName), not bytes or a string (\(path) holds the items before it)")
                }
                index += 1
                try rt.checkInterrupt()
            }
        case let v:
            throw DshError.runtime("write_file: the content must be a string, bytes or a stream of them, not a \(v.typeName) (use str(...) or json(...) first)")
        }
        return .null
    }

    /// `glob(pattern)`: sorted paths matching a shell pattern (`*`, `?`, `[...]`, and `**`
    /// for any number of directories). Hidden names match only a pattern starting with `.`.
    static func glob(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("glob", 1, 1)
        let pattern = try Expect.string(args.at(0), "glob", "the pattern")
        return .list(try Glob.match(pattern, rt).map { .string($0) })
    }

    /// `sleep(seconds)`: waits, waking at once when the evaluation is cancelled.
    static func sleep(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("sleep", 1, 1)
        let seconds = try Expect.number(args.at(0), "sleep", "seconds")
        guard seconds.isFinite else { throw DshError.runtime("sleep: seconds must be finite") }
        try rt.checkInterrupt()
        if seconds <= 0 { return .null }
        let token = rt.cancellation
        let lock = ConditionLock()
        let id = token.register { lock.lock(); lock.broadcast(); lock.unlock() }
        defer { token.unregister(id) }
        let deadline = monotonicSeconds() + seconds
        rt.whileBlocked {
            lock.lock()
            while !token.isCancelled {
                let left = deadline - monotonicSeconds()
                if left <= 0 { break }
                lock.wait(seconds: min(left, 3600))
            }
            lock.unlock()
        }
        if token.isCancelled {
            try rt.checkInterrupt()
            throw DshError(.interrupted, token.reason)
        }
        return .null
    }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `table(rows, columns: [...])`: writes the records as an aligned table; nil.
    static func table(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("table", 1, 1, named: ["columns"])
        let rows = try Seq.array(args.at(0), "table", rt)
        var columns: [String]?
        if let c = args.option("columns") {
            columns = try Seq.array(c, "table", rt).map { v in
                guard case .string(let s) = v else { throw DshError.runtime("table: columns must be strings, got \(v.typeName)") }
                return s
            }
        }
        let width = rt.outputIsTerminal ? Terminal.width() : nil
        rt.write(TableRenderer.render(rows, columns: columns, width: width, color: rt.outputIsTerminal))
        return .null
    }
}

/// The terminal's size.
enum Terminal {
    /// Columns of the terminal on standard output (or `$COLUMNS`, else 80).
    static func width() -> Int {
        var ws = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n > 0 { return n }
        return 80
    }
}

/// Whole-file reads and writes with libc.
enum FileIO {
    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DshError.runtime("read_file: cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        var out: [UInt8] = []
        if fstat(fd, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw DshError.runtime("read_file: \(path) is a directory") }
            if st.st_size > 0 { out.reserveCapacity(Int(st.st_size)) }
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc_read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DshError.runtime("read_file: cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Writes (or appends) `data` to the file at `path`, creating it (mode 0644).
    static func write(_ path: String, _ data: [UInt8], append: Bool) throws {
        let file = try Writer(path, append: append)
        defer { file.close() }
        try file.write(data)
    }

    /// A file open for writing (created 0644, truncated unless appending).
    final class Writer {
        let path: String
        private var fd: Int32

        init(_ path: String, append: Bool) throws {
            let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
            fd = open(path, flags, 0o644)
            self.path = path
            guard fd >= 0 else { throw DshError.runtime("write_file: cannot open \(path): \(String(cString: strerror(errno)))") }
        }

        /// Writes all of `data`.
        func write(_ data: [UInt8]) throws {
            var offset = 0
            try data.withUnsafeBytes { buf in
                while offset < buf.count {
                    let n = Glibc_write(fd, buf.baseAddress! + offset, buf.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw DshError.runtime("write_file: cannot write \(path): \(String(cString: strerror(errno)))")
                    }
                    offset += n
                }
            }
        }

        /// Closes the file (once).
        func close() {
            if fd >= 0 { _ = Glibc_close(fd) }
            fd = -1
        }

        deinit { close() }
    }
}

@inline(__always)
private func Glibc_close(_ fd: Int32) -> Int32 {
    close(fd)
}

@inline(__always)
private func Glibc_read(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ n: Int) -> Int {
    read(fd, buf, n)
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, buf, n)
}

/// Shell-style pattern matching over the file system.
enum Glob {
    /// Sorted paths matching `pattern`.
    static func match(_ pattern: String, _ rt: any Runtime) throws -> [String] {
        let absolute = pattern.hasPrefix("/")
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.isEmpty { return absolute ? ["/"] : [] }
        var results = Set<String>()
        try walk(dir: absolute ? "/" : "", parts: parts, index: 0, results: &results, rt)
        return results.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    private static func join(_ dir: String, _ name: String) -> String {
        if dir.isEmpty { return name }
        if dir.hasSuffix("/") { return dir + name }
        return dir + "/" + name
    }

    private static func hasMagic(_ s: String) -> Bool {
        s.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path.isEmpty ? "." : path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Entries of `dir` (name, is a real directory, not a symlink).
    private static func entries(_ dir: String) -> [(String, Bool)] {
        (DirectoryEntries.read(dir.isEmpty ? "." : dir) ?? []).map { ($0.name, $0.isDirectory) }
    }

    private static func walk(dir: String, parts: [String], index: Int, results: inout Set<String>, _ rt: any Runtime) throws {
        try rt.checkInterrupt()
        let part = parts[index]
        let last = index == parts.count - 1
        if part == "**" {
            if last {
                // "a/**" matches everything below a (files and directories).
                for (name, isDir) in entries(dir) where !name.hasPrefix(".") {
                    let path = join(dir, name)
                    results.insert(path)
                    if isDir { try walk(dir: path, parts: parts, index: index, results: &results, rt) }
                }
                return
            }
            try walk(dir: dir, parts: parts, index: index + 1, results: &results, rt)
            for (name, isDir) in entries(dir) where isDir && !name.hasPrefix(".") {
                try walk(dir: join(dir, name), parts: parts, index: index, results: &results, rt)
            }
            return
        }
        if !hasMagic(part) {
            let path = join(dir, part)
            if last {
                if exists(path) { results.insert(path) }
            } else if isDirectory(path) {
                try walk(dir: path, parts: parts, index: index + 1, results: &results, rt)
            }
            return
        }
        for (name, _) in entries(dir) where fnmatch(part, name, FNM_PERIOD) == 0 {
            let path = join(dir, name)
            if last {
                results.insert(path)
            } else if isDirectory(path) {
                try walk(dir: path, parts: parts, index: index + 1, results: &results, rt)
            }
        }
    }
}
