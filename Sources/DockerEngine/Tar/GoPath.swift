// GoPath: Go's path/filepath.Clean and Dir for slash paths, as .dockerignore semantics need them.

/// Lexical path operations with Go's exact results.
public enum GoPath {
    /// `filepath.Clean`: one slash between elements, no `.`, `..` resolved lexically,
    /// no trailing slash, "." for an empty result; a rooted path stays rooted.
    public static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var out: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = out.last, last != ".." { out.removeLast() } else if !rooted { out.append("..") }
                continue
            }
            out.append(part)
        }
        let joined = out.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `filepath.Dir`: everything but the last element, cleaned ("." when none).
    public static func dir(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return clean(d.isEmpty ? "/" : d)
    }
}
