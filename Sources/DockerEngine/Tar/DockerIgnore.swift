// DockerIgnore: .dockerignore parsing and matching exactly as the docker CLI (moby/patternmatcher).

/// The rules of a `.dockerignore` file. Parsing follows the CLI's `ignorefile.ReadAll`
/// (a BOM on the first line, `#` comments only at the very start of a line, spaces trimmed,
/// `filepath.Clean`, a leading `/` stripped); matching follows `patternmatcher`: rules in
/// order, the last matching rule wins, `!` re-includes, `*` and `?` stop at `/`, `**`
/// crosses directories, `[...]` classes, `\` escapes; a path also matches when one of its
/// parent directories does. Quirks are kept (e.g. `[!a]` is a class of `!` and `a`).
public final class DockerIgnore: @unchecked Sendable {
    /// One compiled rule.
    public struct Pattern: Sendable, CustomStringConvertible {
        enum MatchType: Sendable { case exact, prefix, suffix, regex }
        /// The cleaned pattern without its `!`.
        public let cleaned: String
        /// Whether this is a `!` exception.
        public let exclusion: Bool
        let dirs: Int
        let type: MatchType
        let regexSource: String
        /// For a regex rule: the UTF-8 bytes every matching path starts and ends with.
        let literalPrefix: [UInt8]
        let literalSuffix: [UInt8]
        /// `!pattern` or `pattern`.
        public var description: String { (exclusion ? "!" : "") + cleaned }
    }

    /// The rules, in order.
    public let patterns: [Pattern]
    private let regexes: [Regex<AnyRegexOutput>?]
    /// Whether any rule is a `!` exception.
    public let hasExclusions: Bool

    /// Per-directory results while walking (`MatchInfo` in patternmatcher).
    public struct MatchInfo: Sendable {
        var parentMatched: [Bool] = []
        /// No information (the walk's root).
        public init() {}
    }

    /// Compiles rules as `patternmatcher.New` does (blank rules dropped, `filepath.Clean`).
    /// Throws for `!` alone and malformed patterns.
    public init(patterns rules: [String]) throws {
        var ps: [Pattern] = []
        var rs: [Regex<AnyRegexOutput>?] = []
        var exclusions = false
        for rule in rules {
            var p = rule.trimmingSpaces
            if p.isEmpty { continue }
            p = GoPath.clean(p)
            var exclusion = false
            if p.hasPrefix("!") {
                if p.count == 1 { throw DockerError.archive("illegal exclusion pattern: \"!\"") }
                exclusion = true
                exclusions = true
                p = String(p.dropFirst())
            }
            try DockerIgnore.validate(p)
            let (type, source) = DockerIgnore.compile(p)
            var regex: Regex<AnyRegexOutput>? = nil
            if type == .regex {
                do { regex = try Regex(source).matchingSemantics(.unicodeScalar) } catch {
                    throw DockerError.archive("syntax error in .dockerignore pattern \"\(rule)\"")
                }
            }
            let ends: (prefix: [UInt8], suffix: [UInt8]) = type == .regex ? DockerIgnore.literalEnds(p) : ([], [])
            ps.append(Pattern(cleaned: p, exclusion: exclusion, dirs: p.split(separator: "/", omittingEmptySubsequences: false).count, type: type, regexSource: source,
                              literalPrefix: ends.prefix, literalSuffix: ends.suffix))
            rs.append(regex)
        }
        patterns = ps
        regexes = rs
        hasExclusions = exclusions
    }

    /// Parses `.dockerignore` bytes into rules like the CLI's `ReadAll`.
    public static func parse(_ bytes: [UInt8]) -> [String] {
        var rules: [String] = []
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        for (n, var line) in lines.enumerated() {
            if line.last == 0x0d { line.removeLast() }  // bufio.ScanLines drops \r before \n
            if n == 0, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
            var pattern = String(decoding: line, as: UTF8.self)
            if pattern.hasPrefix("#") { continue }
            pattern = pattern.trimmingSpaces
            if pattern.isEmpty { continue }
            let invert = pattern.hasPrefix("!")
            if invert { pattern = String(pattern.dropFirst()).trimmingSpaces }
            if !pattern.isEmpty {
                pattern = GoPath.clean(pattern)
                if pattern.utf8.count > 1 && pattern.hasPrefix("/") { pattern = String(pattern.dropFirst()) }
            }
            rules.append(invert ? "!" + pattern : pattern)
        }
        return rules
    }

    /// The rules of `dir/.dockerignore`, or none when there is no such file.
    public static func rules(inContext dir: String) -> [String] {
        guard let bytes = FileSystem.readFile(FileSystem.join(dir, ".dockerignore"), limit: 64 << 20) else { return [] }
        return parse(bytes)
    }

    /// The CLI's `TrimBuildFilesFromExcludes`: the Dockerfile and `.dockerignore` are
    /// always sent, by appending exceptions for them when the rules exclude them.
    public static func keepingBuildFiles(_ rules: [String], dockerfile: String) throws -> [String] {
        var result = rules
        if try DockerIgnore(patterns: result).matches(".dockerignore") { result.append("!.dockerignore") }
        if try DockerIgnore(patterns: result).matches(dockerfile) { result.append("!" + dockerfile) }
        return result
    }

    /// `MatchesOrParentMatches` (with `filepath.Clean` of the path; "." never matches).
    public func matches(_ path: String) -> Bool {
        let file = GoPath.clean(path)
        if file == "." { return false }
        let parentPath = GoPath.dir(file)
        let parentDirs = parentPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var matched = false
        for (i, p) in patterns.enumerated() {
            if p.exclusion != matched { continue }
            var match = matchOne(i, file)
            if !match && parentPath != "." {
                for j in parentDirs.indices {
                    if matchOne(i, parentDirs[0...j].joined(separator: "/")) { match = true; break }
                }
            }
            if match { matched = !p.exclusion }
        }
        return matched
    }

    /// `MatchesUsingParentResults`: as ``matches(_:)`` but reusing the parent directory's results.
    public func matches(_ file: String, parent: MatchInfo) -> (Bool, MatchInfo) {
        var info = MatchInfo()
        info.parentMatched = [Bool](repeating: false, count: patterns.count)
        var matched = false
        let parentMatched = parent.parentMatched.count == patterns.count ? parent.parentMatched : []
        for (i, p) in patterns.enumerated() {
            var match = parentMatched.isEmpty ? false : parentMatched[i]
            if !match {
                if p.exclusion != matched { continue }
                match = matchOne(i, file)
                if !match && parentMatched.isEmpty {
                    let parentPath = GoPath.dir(file)
                    if parentPath != "." {
                        let parentDirs = parentPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                        for j in parentDirs.indices {
                            if matchOne(i, parentDirs[0...j].joined(separator: "/")) { match = true; break }
                        }
                    }
                }
            }
            info.parentMatched[i] = match
            if match { matched = !p.exclusion }
        }
        return (matched, info)
    }

    /// Whether an excluded directory must still be walked: some exception's pattern
    /// starts with `dir/` (the CLI's test, quirks included).
    func exceptionMayMatchBeneath(_ dir: String) -> Bool {
        let dirSlash = dir + "/"
        return patterns.contains { $0.exclusion && ($0.cleaned + "/").hasPrefix(dirSlash) }
    }

    private func matchOne(_ i: Int, _ path: String) -> Bool {
        let p = patterns[i]
        switch p.type {
        case .exact:
            return path == p.cleaned
        case .prefix:
            return path.hasPrefix(String(p.cleaned.dropLast(2)))
        case .suffix:
            let suffix = String(p.cleaned.dropFirst(2))
            if path.hasSuffix(suffix) { return true }
            return suffix.hasPrefix("/") && path == String(suffix.dropFirst())
        case .regex:
            guard let r = regexes[i] else { return false }
            // The regex can only match a path that starts and ends with the pattern's
            // literal head and tail (compared as bytes, as the regex compares scalars);
            // checking them first settles most paths without running the regex engine,
            // which costs tens of thousands of instructions per path.
            let utf8 = path.utf8
            if !p.literalPrefix.isEmpty && !utf8.starts(with: p.literalPrefix) { return false }
            if !p.literalSuffix.isEmpty && !(utf8.count >= p.literalSuffix.count && utf8.suffix(p.literalSuffix.count).elementsEqual(p.literalSuffix)) { return false }
            return (try? r.wholeMatch(in: path)) != nil
        }
    }

    /// patternmatcher's `compile`: the match type and, for regex, its source.
    static func compile(_ pattern: String) -> (Pattern.MatchType, String) {
        var reg = "^"
        var type = Pattern.MatchType.exact
        let chars = Array(pattern.unicodeScalars)
        var k = 0
        var i = 0
        func esc(_ c: Unicode.Scalar) -> String { ".+()|{}$".unicodeScalars.contains(c) ? "\\" + String(c) : String(c) }
        while k < chars.count {
            let ch = chars[k]
            k += 1
            if ch == "*" {
                if k < chars.count && chars[k] == "*" {
                    k += 1
                    if k < chars.count && chars[k] == "/" { k += 1 }
                    if k >= chars.count {
                        if type == .exact { type = .prefix } else { reg += ".*"; type = .regex }
                    } else {
                        reg += "(.*/)?"
                        type = .regex
                    }
                    if i == 0 { type = .suffix }
                } else {
                    reg += "[^/]*"
                    type = .regex
                }
            } else if ch == "?" {
                reg += "[^/]"
                type = .regex
            } else if ".+()|{}$".unicodeScalars.contains(ch) {
                reg += "\\" + String(ch)
            } else if ch == "\\" {
                if k < chars.count {
                    reg += "\\" + String(chars[k])
                    k += 1
                    type = .regex
                } else {
                    reg += "\\"
                }
            } else if ch == "[" || ch == "]" {
                reg += String(ch)
                type = .regex
            } else {
                reg += regexLiteral(ch)
            }
            i += 1
        }
        if type == .regex { reg += "$" }
        return (type, reg)
    }

    /// The literal characters at the start and at the end of a regex rule, as `compile`
    /// turns them into the regex: plain characters and the metacharacters it escapes
    /// match themselves; `*`, `?`, classes, `\` escapes and `^` end a literal run.
    static func literalEnds(_ pattern: String) -> (prefix: [UInt8], suffix: [UInt8]) {
        let chars = Array(pattern.unicodeScalars)
        var prefix: [UInt8] = []
        var run: [UInt8] = []
        var broken = false
        var k = 0
        while k < chars.count {
            let ch = chars[k]
            k += 1
            switch ch {
            case "*":
                // `**` and `**/` are one wildcard in `compile` (the slash is optional there).
                if k < chars.count && chars[k] == "*" {
                    k += 1
                    if k < chars.count && chars[k] == "/" { k += 1 }
                }
            case "\\":
                k += 1
            case "?", "[", "]", "^":
                break
            default:
                if broken { run += Array(String(ch).utf8) } else { prefix += Array(String(ch).utf8) }
                continue
            }
            broken = true
            run.removeAll()
        }
        return (prefix, broken ? run : [])
    }

    /// A literal character of the pattern in the regex (Go's and Swift's syntaxes agree on
    /// everything patternmatcher leaves unescaped).
    private static func regexLiteral(_ c: Unicode.Scalar) -> String { String(c) }

    /// `filepath.Match`'s syntax errors (Go 1.16+ checks the whole pattern): a trailing
    /// `\`, an unterminated class, an empty class, a range missing an end (`[-x]`, `[x-]`),
    /// chained ranges (`[a-b-c]`).
    static func validate(_ p: String) throws {
        let s = Array(p.unicodeScalars)
        let bad = DockerError.archive("syntax error in pattern \"\(p)\"")
        var i = 0
        // Go's getEsc: one (possibly escaped) class character that must be followed by more.
        func classChar() throws {
            if i >= s.count || s[i] == "-" || s[i] == "]" { throw bad }
            if s[i] == "\\" {
                i += 1
                if i >= s.count { throw bad }
            }
            i += 1
            if i >= s.count { throw bad }
        }
        while i < s.count {
            switch s[i] {
            case "\\":
                if i + 1 >= s.count { throw bad }
                i += 2
            case "[":
                i += 1
                if i < s.count && s[i] == "^" { i += 1 }
                var ranges = 0
                while true {
                    if i < s.count && s[i] == "]" && ranges > 0 { i += 1; break }
                    try classChar()
                    if s[i] == "-" {
                        i += 1
                        try classChar()
                    }
                    ranges += 1
                }
            default:
                i += 1
            }
        }
    }
}
