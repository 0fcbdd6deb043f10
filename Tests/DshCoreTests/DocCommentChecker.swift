// DocCommentChecker: finds the public declarations of Swift source text that have no doc
// comment (`///` or `/** */`) directly above them.
//
// What counts as public (the declarations DocC shows):
//   - a declaration with an explicit `public` or `open` modifier;
//   - a requirement of a `public protocol` and a member of a `public extension` (public
//     without the word), unless marked `private`, `fileprivate`, `internal` or `package`;
//   - a `case` of a `public enum`.
// Not counted: extensions themselves (DocC documents their members, not the block),
// `public import`, `deinit`, and anything inside a function, accessor or closure body.
// "Directly above" means the lines just before the declaration's first line are a doc
// comment, with only attribute lines (`@discardableResult`, `@available(...)`) between;
// a blank line or an ordinary `//` comment in between breaks the link, as it reads as
// unattached. A declaration spanning several lines is checked at its first line.
// Strings (with interpolation, multi-line and raw ones) and comments are skipped, so text
// that looks like a declaration inside them is not one.
import Foundation

/// Finds public declarations without a doc comment in Swift source.
struct DocCommentChecker {
    /// A public declaration without a doc comment.
    struct Finding: Equatable, CustomStringConvertible {
        /// The file it is in, as given.
        var file: String
        /// Its first line, from 1.
        var line: Int
        /// The text of that line, trimmed.
        var declaration: String

        var description: String { "\(file):\(line): public declaration without a doc comment: \(declaration)" }
    }

    /// The findings of every `.swift` file under `directories` (recursively), by path.
    static func findings(inDirectories directories: [URL]) throws -> [Finding] {
        var result: [Finding] = []
        for directory in directories {
            guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: directory.path])
            }
            var files: [URL] = []
            for case let url as URL in walker where url.pathExtension == "swift" { files.append(url) }
            for url in files.sorted(by: { $0.path < $1.path }) {
                let text = try String(contentsOf: url, encoding: .utf8)
                result += findings(in: text, file: url.path)
            }
        }
        return result
    }

    /// The findings of one file's text.
    static func findings(in source: String, file: String) -> [Finding] {
        let lines = SourceLines(source).lines
        var scopes: [Scope] = [.container(implicitPublic: false, publicEnum: false)]
        var pending: Scope? = nil
        var result: [Finding] = []
        for (index, line) in lines.enumerated() {
            let top = scopes.last ?? .body
            if case .container(let implicitPublic, let publicEnum) = top, let decl = Declaration(line.code) {
                pending = decl.scope
                if decl.needsDoc(implicitPublic: implicitPublic, publicEnum: publicEnum), !hasDocComment(lines, before: index) {
                    result.append(Finding(file: file, line: index + 1, declaration: line.raw.trimmingCharacters(in: .whitespaces)))
                }
            }
            for c in line.code {
                if c == "{" {
                    scopes.append(scopes.last == .body ? .body : (pending ?? .body))
                    pending = nil
                } else if c == "}" {
                    if scopes.count > 1 { scopes.removeLast() }
                }
            }
        }
        return result
    }

    /// Whether the lines just above `index` (past attribute lines) end a doc comment.
    private static func hasDocComment(_ lines: [SourceLine], before index: Int) -> Bool {
        var i = index - 1
        while i >= 0 {
            let line = lines[i]
            if line.isDoc { return true }
            guard Declaration.isAttributeLine(line.code) else { return false }
            i -= 1
        }
        return false
    }

    /// What a pair of braces encloses.
    private enum Scope: Equatable {
        /// A file, type, protocol or extension body: declarations in it are members.
        case container(implicitPublic: Bool, publicEnum: Bool)
        /// A function, accessor or closure body: nothing in it is public.
        case body
    }

    /// The head of a declaration: its modifiers and keyword.
    private struct Declaration {
        var modifiers: Set<String>
        var keyword: String

        private static let modifierWords: Set<String> = [
            "public", "open", "private", "fileprivate", "internal", "package", "static", "class", "final",
            "override", "mutating", "nonmutating", "nonisolated", "convenience", "required", "lazy", "weak",
            "unowned", "dynamic", "indirect", "optional", "prefix", "postfix", "infix", "consuming", "borrowing",
            "distributed", "isolated",
        ]
        private static let keywords: Set<String> = [
            "func", "var", "let", "init", "deinit", "subscript", "class", "struct", "enum", "protocol", "extension",
            "typealias", "associatedtype", "actor", "case", "macro", "operator", "import",
        ]

        /// Parses the start of a line of code; nil when it does not start a declaration.
        init?(_ code: String) {
            var words = Declaration.splitPastAttributes(code)[...]
            var modifiers: Set<String> = []
            while let w = words.first {
                let word = Declaration.identifierPrefix(w)
                // `class` is a modifier only when a keyword follows (`class func`, `class var`).
                if word == "class", let next = words.dropFirst().first,
                    !Declaration.modifierWords.contains(Declaration.identifierPrefix(next)), !Declaration.keywords.contains(Declaration.identifierPrefix(next))
                {
                    break
                }
                guard let modifier = Declaration.modifier(w) else { break }
                // `private(set)`, `nonisolated(unsafe)`: the argument qualifies; only a bare
                // word is the declaration's own access.
                if modifier.bare { modifiers.insert(modifier.word) }
                words = words.dropFirst()
            }
            guard let w = words.first else { return nil }
            let keyword = Declaration.identifierPrefix(w)
            guard Declaration.keywords.contains(keyword) else { return nil }
            self.modifiers = modifiers
            self.keyword = keyword
        }

        /// The scope its braces open, if any.
        var scope: Scope {
            let isPublic = modifiers.contains("public") || modifiers.contains("open")
            switch keyword {
            case "protocol": return .container(implicitPublic: isPublic, publicEnum: false)
            case "extension": return .container(implicitPublic: isPublic, publicEnum: false)
            case "enum": return .container(implicitPublic: false, publicEnum: isPublic)
            case "class", "struct", "actor": return .container(implicitPublic: false, publicEnum: false)
            default: return .body
            }
        }

        /// Whether this declaration is public API that needs a doc comment.
        func needsDoc(implicitPublic: Bool, publicEnum: Bool) -> Bool {
            if ["extension", "import", "deinit"].contains(keyword) { return false }
            if keyword == "case" { return publicEnum }
            if modifiers.contains("public") || modifiers.contains("open") { return true }
            let restricted = !modifiers.isDisjoint(with: ["private", "fileprivate", "internal", "package"])
            return implicitPublic && !restricted
        }

        /// Whether a line holds only attributes and modifiers (`@discardableResult`,
        /// `nonisolated(nonsending)`): one that may stand between a doc comment and its
        /// declaration.
        static func isAttributeLine(_ code: String) -> Bool {
            let words = splitPastAttributes(code)
            let hadAttributes = code.trimmingCharacters(in: .whitespaces).hasPrefix("@")
            return (hadAttributes || !words.isEmpty) && words.allSatisfy { modifier($0) != nil }
        }

        /// `word` as a modifier (`public`, or `private(set)`: not bare); nil if it is not one.
        private static func modifier(_ word: Substring) -> (word: String, bare: Bool)? {
            let name = identifierPrefix(word)
            guard modifierWords.contains(name) else { return nil }
            if name.count == word.count { return (name, true) }
            let rest = word.dropFirst(name.count)
            return rest.hasPrefix("(") && rest.hasSuffix(")") ? (name, false) : nil
        }

        /// The words of `code` after its leading attributes (`@available(macOS 15, *)`
        /// included, whatever spaces its arguments hold).
        private static func splitPastAttributes(_ code: String) -> [Substring] {
            var rest = Substring(code).drop(while: { $0 == " " || $0 == "\t" })
            while rest.hasPrefix("@") {
                rest = rest.dropFirst().drop(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
                if rest.hasPrefix("(") {
                    var depth = 0
                    var end = rest.startIndex
                    for i in rest.indices {
                        if rest[i] == "(" { depth += 1 } else if rest[i] == ")" { depth -= 1 }
                        if depth == 0 { end = rest.index(after: i); break }
                    }
                    rest = rest[end...]
                }
                rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            }
            return rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }

        /// The identifier a word starts with (`init?(x:` -> `init`).
        private static func identifierPrefix(_ word: Substring) -> String {
            String(word.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
        }
    }
}

/// One line of source: its code with strings blanked and comments removed, and what
/// kind of comment it holds.
struct SourceLine {
    /// What comment a line is.
    enum Comment: Equatable {
        /// No comment, or one after code.
        case none
        /// A line that is only an ordinary comment (or inside one).
        case plain
        /// A line that is only a doc comment (`///`, or inside a `/** */`).
        case doc
    }

    /// The line as written.
    var raw: String
    /// The code: string contents replaced by spaces, comments left out.
    var code: String
    /// What comment the line is.
    var comment: Comment

    /// Whether the line is part of a doc comment.
    var isDoc: Bool { comment == .doc }
}

/// Splits Swift source into ``SourceLine``s, lexing just enough to know strings and
/// comments from code.
struct SourceLines {
    /// The lines, in order.
    private(set) var lines: [SourceLine] = []

    private enum State {
        case code(parens: Int)
        case string(pounds: Int, multiline: Bool)
        case blockComment(depth: Int, doc: Bool)
    }

    /// Lexes `source`.
    init(_ source: String) {
        var stack: [State] = [.code(parens: 0)]
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let chars = Array(rawLine)
            var code = ""
            var comment: SourceLine.Comment = .none
            let startsInComment: Bool
            if case .blockComment(_, let doc)? = stack.last {
                startsInComment = true
                comment = doc ? .doc : .plain
            } else {
                startsInComment = false
            }
            var i = 0
            func at(_ s: String, _ offset: Int = 0) -> Bool {
                let p = Array(s)
                guard i + offset + p.count <= chars.count else { return false }
                return Array(chars[(i + offset)..<(i + offset + p.count)]) == p
            }
            while i < chars.count {
                let c = chars[i]
                switch stack.last ?? .code(parens: 0) {
                case .blockComment(let depth, let doc):
                    if at("*/") {
                        stack.removeLast()
                        if depth > 1 { stack.append(.blockComment(depth: depth - 1, doc: doc)) }
                        i += 2
                    } else if at("/*") {
                        stack.removeLast()
                        stack.append(.blockComment(depth: depth + 1, doc: doc))
                        i += 2
                    } else {
                        i += 1
                    }
                case .string(let pounds, let multiline):
                    let closer = (multiline ? "\"\"\"" : "\"") + String(repeating: "#", count: pounds)
                    if c == "\\" && at("(", 1 + pounds) && (pounds == 0 || at(String(repeating: "#", count: pounds), 1)) {
                        code += " "
                        stack.append(.code(parens: 0))
                        i += 2 + pounds
                    } else if c == "\\" && pounds == 0 {
                        code += "  "
                        i += 2
                    } else if at(closer) {
                        stack.removeLast()
                        code += String(repeating: " ", count: closer.count)
                        i += closer.count
                    } else {
                        code += " "
                        i += 1
                    }
                case .code(let parens):
                    if at("//") {
                        if code.trimmingCharacters(in: .whitespaces).isEmpty, !startsInComment {
                            comment = at("///") && !at("////") ? .doc : .plain
                        }
                        i = chars.count
                    } else if at("/*") {
                        let doc = at("/**") && !at("/**/")
                        if code.trimmingCharacters(in: .whitespaces).isEmpty, !startsInComment {
                            comment = doc ? .doc : .plain
                        }
                        stack.append(.blockComment(depth: 1, doc: doc))
                        i += 2
                    } else if c == "#" || c == "\"" {
                        var pounds = 0
                        while i + pounds < chars.count, chars[i + pounds] == "#" { pounds += 1 }
                        guard i + pounds < chars.count, chars[i + pounds] == "\"" else {
                            code.append(c)
                            i += 1
                            continue
                        }
                        i += pounds
                        let multiline = at("\"\"\"")
                        stack.append(.string(pounds: pounds, multiline: multiline))
                        let opener = pounds + (multiline ? 3 : 1)
                        code += String(repeating: " ", count: opener)
                        i += multiline ? 3 : 1
                    } else if c == "(" {
                        stack[stack.count - 1] = .code(parens: parens + 1)
                        code.append(c)
                        i += 1
                    } else if c == ")" && parens == 0 && stack.count > 1 {
                        // The end of an interpolation: back into its string.
                        stack.removeLast()
                        code += " "
                        i += 1
                    } else {
                        if c == ")" { stack[stack.count - 1] = .code(parens: max(0, parens - 1)) }
                        code.append(c)
                        i += 1
                    }
                }
            }
            // A single-line string cannot run past its line (a malformed one ends here).
            while stack.count > 1, case .string(_, false) = stack.last { stack.removeLast() }
            if comment != .none && !code.trimmingCharacters(in: .whitespaces).isEmpty { comment = .none }
            lines.append(SourceLine(raw: String(rawLine), code: code, comment: comment))
        }
    }
}
