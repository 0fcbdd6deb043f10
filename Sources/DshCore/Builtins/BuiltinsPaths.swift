// BuiltinsPaths.swift: path text built-ins (path_join, basename, dirname). Pure string
// operations: nothing here reads the file system, so they stay in every sandbox.

extension Builtins {
    static var pathFunctions: [(String, NativeBody)] {
        [
            ("path_join", { args, _ in
                try args.expect("path_join", 1, Int.max)
                let parts = try args.positional.map { try Expect.string($0, "path_join", "each part") }
                return .string(PathText.join(parts))
            }),
            ("basename", { args, _ in
                try args.expect("basename", 1, 1)
                return .string(PathText.basename(try Expect.string(args.at(0), "basename", "the path")))
            }),
            ("dirname", { args, _ in
                try args.expect("dirname", 1, 1)
                return .string(PathText.dirname(try Expect.string(args.at(0), "dirname", "the path")))
            }),
        ]
    }
}

/// POSIX path text, as the `basename` and `dirname` commands and Python's
/// `os.path.join` treat it.
public enum PathText {
    /// Joins parts with `/`; an absolute part starts over (`join(["a", "/b"])` is "/b").
    public static func join(_ parts: [String]) -> String {
        var out = ""
        for p in parts {
            if p.hasPrefix("/") { out = p }
            else if out.isEmpty || out.hasSuffix("/") { out += p }
            else { out += "/" + p }
        }
        return out
    }

    /// The last component, trailing slashes ignored (`basename("a/b/")` is "b", of "/" is "/").
    public static func basename(_ path: String) -> String {
        let trimmed = trimTrailingSlashes(path)
        if trimmed == "/" || trimmed.isEmpty { return trimmed }
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// All but the last component (`dirname("a/b")` is "a", of "a" is ".", of "/a" is "/").
    public static func dirname(_ path: String) -> String {
        let trimmed = trimTrailingSlashes(path)
        if trimmed == "/" { return "/" }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let head = trimTrailingSlashes(String(trimmed[..<slash]))
        return head.isEmpty ? "/" : head
    }

    /// `.` and `..` resolved and repeated slashes folded, by text alone.
    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var out: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if let last = out.last, last != ".." { out.removeLast(); continue }
                if absolute { continue }
            }
            out.append(part)
        }
        let body = out.joined(separator: "/")
        if absolute { return "/" + body }
        return body.isEmpty ? "." : body
    }

    private static func trimTrailingSlashes(_ path: String) -> String {
        var s = Substring(path)
        while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
        return String(s)
    }
}
