// Completer.swift: what Tab offers for the text before the cursor: keywords,
// globals, members of the value left of a dot, REPL commands, file paths, and
// the host's live names inside string arguments (with a deadline).
import Dispatch
import DshCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the cursor is when Tab is pressed inside a string literal; the host's
/// live completion hook (container and image names) receives it.
public struct CompletionContext: Sendable, Equatable {
    /// The whole text before the cursor.
    public let line: String
    /// What was typed inside the string so far.
    public let prefix: String
    /// The dotted path of the call whose argument the string is (`"docker.containers.get"`),
    /// `"import"` after `import`, or nil.
    public let callee: String?
    /// The name of the named argument the string is (`image` in `run(image: "`), or nil.
    public let argumentName: String?

    /// Makes a context.
    public init(line: String, prefix: String, callee: String?, argumentName: String?) {
        self.line = line
        self.prefix = prefix
        self.callee = callee
        self.argumentName = argumentName
    }
}

/// The candidates for the fragment before the cursor.
struct Completions: Equatable {
    /// The fragment being completed (every candidate starts with it).
    var fragment: String
    /// Whole replacements for the fragment, sorted, without duplicates.
    var candidates: [String]
    /// Appended when exactly one candidate is inserted (a closing quote, say).
    var suffix: String = ""
    /// How a candidate is shown in a listing (file paths show their last part).
    var label: (String) -> String = { $0 }

    static func == (a: Completions, b: Completions) -> Bool {
        a.fragment == b.fragment && a.candidates == b.candidates && a.suffix == b.suffix
    }

    /// The longest prefix all candidates share.
    var commonPrefix: String {
        guard var common = candidates.first else { return "" }
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        return common
    }
}

/// One step of a side-effect-free path (`c.Config.Env[0]`): no call is ever made.
enum PathStep: Equatable {
    /// The first name, a global.
    case name(String)
    /// `.name` or `?.name`.
    case member(String)
    /// `[n]` on a list.
    case index(Int)
    /// `["key"]` on a map.
    case key(String)
}

/// Computes completions. Pure apart from the closures it is given.
struct Completer {
    /// dsh's keywords.
    static let keywords = ["as", "break", "catch", "continue", "defer", "else", "false", "fn", "for", "if",
                           "import", "in", "let", "nil", "return", "throw", "true", "try", "var", "while"]
    /// The REPL's commands.
    static let commands = [":doc", ":help", ":load", ":quit"]

    /// The session's global names.
    var globals: () -> [String]
    /// Reads a path without calling anything; nil when a step fails.
    var resolve: ([PathStep]) -> Value?
    /// The names offered after a dot on a value.
    var members: (Value) -> [String] = Completer.memberNames
    /// The host's live names for a string argument; run with `liveDeadline`.
    var live: (@Sendable (CompletionContext) -> [String])?
    /// How long the live hook may take before its answer is dropped.
    var liveDeadline: Duration = .milliseconds(200)

    /// The names after a dot: map keys that are identifiers, a host object's
    /// `memberNames` (else its plain value's keys), an error's message and fields.
    static func memberNames(_ value: Value) -> [String] {
        switch value {
        case .map(let m): return m.entries.keys.filter(isIdentifier)
        case .object(let o):
            let names = o.memberNames
            if !names.isEmpty { return names }
            if case .map(let m)? = o.plainValue { return m.entries.keys.filter(isIdentifier) }
            return []
        case .error(let e): return ["message"] + e.fields.keys.filter(isIdentifier)
        default: return []
        }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, f == "_" || f.isLetter else { return false }
        return s.allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    /// The completions for `before` (the text before the cursor).
    func complete(_ before: String) -> Completions {
        if before.hasPrefix(":") { return completeCommand(before) }
        switch Scanner.scan(before) {
        case .comment:
            return Completions(fragment: "", candidates: [])
        case .string(let prefix, let quote, let codeTokens):
            return completeString(before: before, prefix: prefix, quote: quote, tokens: codeTokens)
        case .code(let tokens):
            return completeCode(tokens: tokens, endsWithSpace: before.last?.isWhitespace ?? true)
        }
    }

    // MARK: code

    private func completeCode(tokens: [Token], endsWithSpace: Bool) -> Completions {
        var toks = tokens[...]
        var fragment = ""
        if !endsWithSpace, case .ident(let w)? = toks.last { fragment = w; toks = toks.dropLast() }
        if case .punct(let p)? = toks.last, p == "." || p == "?." {
            toks = toks.dropLast()
            guard let path = Completer.path(endingAt: toks), let value = resolve(path) else {
                return Completions(fragment: fragment, candidates: [])
            }
            return Completions(fragment: fragment, candidates: Completer.filter(members(value), fragment))
        }
        guard !fragment.isEmpty else { return Completions(fragment: "", candidates: []) }
        if case .number? = toks.last { return Completions(fragment: fragment, candidates: []) }
        let named = namedArguments(before: toks).map { $0 + ":" }
        return Completions(fragment: fragment, candidates: Completer.filter(named, fragment) + Completer.filter(Completer.keywords + globals(), fragment))
    }

    /// The named arguments of the call whose argument list `tokens` end in, at the start
    /// of an argument (after `(` or `,`): what the function says it takes (a Docker
    /// binding's come from the same entries that check its calls).
    private func namedArguments(before tokens: ArraySlice<Token>) -> [String] {
        guard case .punct(let p)? = tokens.last, p == "(" || p == "," else { return [] }
        let open: Int
        if p == "(" {
            open = tokens.endIndex - 1
        } else {
            guard let o = Completer.openParen(in: tokens) else { return [] }
            open = o
        }
        guard let path = Completer.path(endingAt: tokens[tokens.startIndex..<open]),
              case .function(let f)? = resolve(path), let native = f as? NativeFunction else { return [] }
        return native.namedArguments
    }

    /// The path whose last token ends `tokens` (`a.b[0].c`), or nil when it holds
    /// anything but names, member reads and literal indexes (a call, an operator...).
    static func path(endingAt tokens: ArraySlice<Token>) -> [PathStep]? {
        var steps: [PathStep] = []
        var i = tokens.endIndex - 1
        while i >= tokens.startIndex {
            switch tokens[i] {
            case .ident(let name):
                let prev = i - 1
                if prev >= tokens.startIndex, case .punct(let p) = tokens[prev], p == "." || p == "?." {
                    steps.append(.member(name))
                    i = prev - 1
                    continue
                }
                if prev >= tokens.startIndex, case .number = tokens[prev] { return nil }
                steps.append(.name(name))
                return steps.reversed()
            case .punct("]"):
                guard i - 2 >= tokens.startIndex, case .punct("[") = tokens[i - 2] else { return nil }
                switch tokens[i - 1] {
                case .number(let n): guard let v = Int(n) else { return nil }; steps.append(.index(v))
                case .string(let s): steps.append(.key(s))
                default: return nil
                }
                i -= 3
            default:
                return nil
            }
        }
        return nil
    }

    // MARK: strings

    private func completeString(before: String, prefix: String, quote: Character, tokens: [Token]) -> Completions {
        var toks = tokens[...]
        var argumentName: String?
        if case .punct(":")? = toks.last, toks.count >= 2, case .ident(let n) = toks[toks.endIndex - 2] {
            argumentName = n
            toks = toks.dropLast(2)
        }
        var callee: String?
        if case .ident("import")? = toks.last {
            callee = "import"
        } else if let open = Completer.openParen(in: toks) {
            let head = toks[toks.startIndex..<open]
            if let path = Completer.path(endingAt: head) {
                callee = path.compactMap { step -> String? in
                    switch step {
                    case .name(let n), .member(let n): return n
                    default: return nil
                    }
                }.joined(separator: ".")
            }
        }
        let context = CompletionContext(line: before, prefix: prefix, callee: callee, argumentName: argumentName)
        var names = runLive(context)
        var label: (String) -> String = { $0 }
        if names.isEmpty && Completer.wantsPaths(context) {
            names = Completer.paths(prefix)
            label = Completer.lastComponent
        }
        let candidates = Completer.filter(names, prefix)
        let suffix = candidates.count == 1 && !(candidates[0].hasSuffix("/")) ? String(quote) : ""
        return Completions(fragment: prefix, candidates: candidates, suffix: suffix, label: label)
    }

    /// The index of the `(` whose argument list the tokens end inside, or nil.
    static func openParen(in tokens: ArraySlice<Token>) -> Int? {
        var depth = 0
        var i = tokens.endIndex - 1
        while i >= tokens.startIndex {
            if case .punct(let p) = tokens[i] {
                switch p {
                case ")", "]", "}": depth += 1
                case "[", "{": if depth == 0 { return nil }; depth -= 1
                case "(": if depth == 0 { return i }; depth -= 1
                default: break
                }
            }
            i -= 1
        }
        return nil
    }

    /// Runs the live hook with the deadline; an answer that comes late is dropped.
    private func runLive(_ context: CompletionContext) -> [String] {
        guard let live else { return [] }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .userInitiated).async {
            box.set(live(context))
            done.signal()
        }
        let micros = liveDeadline.components.seconds * 1_000_000 + liveDeadline.components.attoseconds / 1_000_000_000_000
        guard done.wait(timeout: .now() + .microseconds(Int(micros))) == .success else { return [] }
        return box.get()
    }

    /// Whether a string argument names a file: `read_file`, `write_file`, `tar`,
    /// `glob`, `import`, `:load`, or text that looks like a path.
    static func wantsPaths(_ c: CompletionContext) -> Bool {
        let fileCallees: Set<String> = ["read_file", "write_file", "tar", "glob", "import"]
        if let callee = c.callee, fileCallees.contains(callee) { return true }
        return c.prefix.hasPrefix("/") || c.prefix.hasPrefix("./") || c.prefix.hasPrefix("../") || c.prefix.hasPrefix("~/")
    }

    // MARK: commands and files

    private func completeCommand(_ before: String) -> Completions {
        guard let space = before.firstIndex(of: " ") else {
            return Completions(fragment: before, candidates: Completer.filter(Completer.commands, before))
        }
        let command = String(before[..<space])
        let argument = String(before[before.index(after: space)...].drop(while: { $0 == " " }))
        switch command {
        case ":doc":
            return complete(argument)
        case ":load":
            return Completions(fragment: argument, candidates: Completer.filter(Completer.paths(argument), argument),
                               label: Completer.lastComponent)
        default:
            return Completions(fragment: "", candidates: [])
        }
    }

    static func lastComponent(_ path: String) -> String {
        var p = Substring(path)
        let dir = p.hasSuffix("/")
        if dir { p = p.dropLast() }
        if let slash = p.lastIndex(of: "/") { p = p[p.index(after: slash)...] }
        return String(p) + (dir ? "/" : "")
    }

    /// Files and directories (with a trailing `/`) whose path starts with `prefix`.
    static func paths(_ prefix: String) -> [String] {
        let dirPart: String
        let base: String
        if let slash = prefix.lastIndex(of: "/") {
            dirPart = String(prefix[...slash])
            base = String(prefix[prefix.index(after: slash)...])
        } else {
            dirPart = ""
            base = prefix
        }
        var listDir = dirPart.isEmpty ? "." : dirPart
        if listDir.hasPrefix("~/"), let home = getenv("HOME") { listDir = String(cString: home) + listDir.dropFirst() }
        guard let dir = opendir(listDir) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            if name.hasPrefix(".") && !base.hasPrefix(".") { continue }
            guard name.hasPrefix(base) else { continue }
            var st = stat()
            let full = (listDir.hasSuffix("/") ? listDir : listDir + "/") + name
            let isDir = stat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            out.append(dirPart + name + (isDir ? "/" : ""))
            if out.count >= 2000 { break }
        }
        return out
    }

    static func filter(_ names: [String], _ fragment: String) -> [String] {
        Array(Set(names.filter { $0.hasPrefix(fragment) })).sorted()
    }
}

/// Carries the live hook's answer from its thread.
private final class ResultBox: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var value: [String] = []
    func set(_ v: [String]) { lock.wait(); value = v; lock.signal() }
    func get() -> [String] { lock.wait(); defer { lock.signal() }; return value }
}

/// A token of the text before the cursor, as far as completion needs to know.
enum Token: Equatable {
    case ident(String)
    case number(String)
    case string(String)
    case punct(String)
}

/// Splits the text before the cursor into tokens and tells whether the cursor is
/// in code, in a string (and which) or in a comment. Strings nest code through `${...}`.
enum Scanner {
    enum State: Equatable {
        /// In code; the tokens of the innermost code level (an interpolation's own).
        case code([Token])
        /// In a string literal: what was typed inside it, its quote, and the tokens of
        /// the code around it up to its opening quote.
        case string(prefix: String, quote: Character, tokens: [Token])
        /// In a comment.
        case comment
    }

    private enum Frame {
        case code(tokens: [Token], braces: Int)
        case string(quote: Character, triple: Bool, text: String)
    }

    static func scan(_ text: String) -> State {
        let chars = Array(text)
        var stack: [Frame] = [.code(tokens: [], braces: 0)]
        var i = 0
        func appendToken(_ t: Token) {
            if case .code(var tokens, let braces) = stack[stack.count - 1] {
                tokens.append(t)
                stack[stack.count - 1] = .code(tokens: tokens, braces: braces)
            }
        }
        while i < chars.count {
            let c = chars[i]
            switch stack[stack.count - 1] {
            case .string(let quote, let triple, var textSoFar):
                if c == "\\" && quote == "\"" {
                    textSoFar.append(c)
                    if i + 1 < chars.count { textSoFar.append(chars[i + 1]) }
                    stack[stack.count - 1] = .string(quote: quote, triple: triple, text: textSoFar)
                    i += 2
                } else if quote == "\"" && c == "$" && i + 1 < chars.count && chars[i + 1] == "{" {
                    stack.append(.code(tokens: [], braces: 0))
                    i += 2
                } else if c == quote && (!triple || (i + 2 < chars.count && chars[i + 1] == quote && chars[i + 2] == quote)) {
                    stack.removeLast()
                    appendToken(.string(textSoFar))
                    i += triple ? 3 : 1
                } else {
                    textSoFar.append(c)
                    stack[stack.count - 1] = .string(quote: quote, triple: triple, text: textSoFar)
                    i += 1
                }
            case .code(let tokens, let braces):
                if c == "#" { return .comment }
                if c.isWhitespace { i += 1; continue }
                if c == "\"" || c == "'" {
                    let triple = c == "\"" && i + 2 < chars.count && chars[i + 1] == "\"" && chars[i + 2] == "\""
                    stack.append(.string(quote: c, triple: triple, text: ""))
                    i += triple ? 3 : 1
                } else if c.isLetter || c == "_" {
                    var j = i
                    while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                    appendToken(.ident(String(chars[i..<j])))
                    i = j
                } else if c.isNumber {
                    var j = i
                    while j < chars.count, chars[j].isNumber || chars[j] == "_" || chars[j].isLetter
                            || (chars[j] == "." && j + 1 < chars.count && chars[j + 1].isNumber) { j += 1 }
                    appendToken(.number(String(chars[i..<j])))
                    i = j
                } else if c == "?" && i + 1 < chars.count && chars[i + 1] == "." {
                    appendToken(.punct("?."))
                    i += 2
                } else if c == "{" {
                    stack[stack.count - 1] = .code(tokens: tokens + [.punct("{")], braces: braces + 1)
                    i += 1
                } else if c == "}" {
                    if braces == 0 && stack.count > 1 {
                        stack.removeLast()  // end of an interpolation
                    } else {
                        stack[stack.count - 1] = .code(tokens: tokens + [.punct("}")], braces: max(0, braces - 1))
                    }
                    i += 1
                } else {
                    appendToken(.punct(String(c)))
                    i += 1
                }
            }
        }
        switch stack[stack.count - 1] {
        case .code(let tokens, _):
            return .code(tokens)
        case .string(let quote, _, let text):
            var outer: [Token] = []
            if stack.count >= 2, case .code(let tokens, _) = stack[stack.count - 2] { outer = tokens }
            return .string(prefix: text, quote: quote, tokens: outer)
        }
    }
}
