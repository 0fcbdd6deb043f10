// BuiltinsRegex.swift: regular expressions with captures: match, find_all, re_replace,
// re_split. The syntax is Swift Regex's (the same engine as `=~`): Perl/ICU-style
// classes, groups `( )`, named groups `(?<name> )`, lazy quantifiers, `(?i)` flags.
import Synchronization

extension Builtins {
    static var regexFunctions: [(String, NativeBody)] {
        [
            ("match", { args, _ in
                try args.expect("match", 2, 2)
                let s = try Expect.string(args.at(0), "match", "the text")
                let re = try RegexCache.compile(args.at(1), "match")
                guard let m = try re.firstMatch(in: s) else { return .null }
                return RegexCache.record(m, in: s, offsetOfStart: s.distance(from: s.startIndex, to: m.range.lowerBound))
            }),
            ("find_all", { args, rt in
                try args.expect("find_all", 2, 2)
                let s = try Expect.string(args.at(0), "find_all", "the text")
                let re = try RegexCache.compile(args.at(1), "find_all")
                var out: [Value] = []
                var offset = 0
                var at = s.startIndex
                for m in s.matches(of: re) {
                    try rt.checkInterrupt()
                    offset += s.distance(from: at, to: m.range.lowerBound)
                    at = m.range.lowerBound
                    out.append(RegexCache.record(m, in: s, offsetOfStart: offset))
                }
                return .list(out)
            }),
            ("re_replace", reReplace),
            ("re_split", { args, rt in
                try args.expect("re_split", 2, 3)
                let s = try Expect.string(args.at(0), "re_split", "the text")
                let re = try RegexCache.compile(args.at(1), "re_split")
                let limit = try args.count > 2 ? Expect.int(args.at(2), "re_split", "max") : Int.max
                var out: [Value] = []
                var start = s.startIndex
                for m in s.matches(of: re) where !m.range.isEmpty {
                    if out.count >= limit { break }
                    try rt.checkInterrupt()
                    out.append(.string(String(s[start..<m.range.lowerBound])))
                    start = m.range.upperBound
                }
                out.append(.string(String(s[start...])))
                return .list(out)
            }),
        ]
    }

    /// `re_replace(s, re, template, count?)`: every (or the first `count`) match replaced
    /// by `template`, where `$0` is the whole match, `$1`... a group, `${name}` a named
    /// group and `$$` a dollar; or by `f(match)` when the template is a function.
    static func reReplace(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.expect("re_replace", 3, 4)
        let s = try Expect.string(args.at(0), "re_replace", "the text")
        let re = try RegexCache.compile(args.at(1), "re_replace")
        let template = args.at(2)
        let parts: [TemplatePart]?
        switch template {
        case .string(let t): parts = try TemplatePart.parse(t)
        case .function: parts = nil
        default: throw DshError.runtime("re_replace: the template must be a string or a function, got \(template.typeName)")
        }
        let limit = try args.count > 3 ? Expect.int(args.at(3), "re_replace", "count") : Int.max
        var out = ""
        var start = s.startIndex
        var n = 0
        var offset = 0
        var at = s.startIndex
        for m in s.matches(of: re) {
            if n >= limit { break }
            try rt.checkInterrupt()
            n += 1
            out += s[start..<m.range.lowerBound]
            if let parts {
                for p in parts { out += try p.text(m, "re_replace") }
            } else {
                offset += s.distance(from: at, to: m.range.lowerBound)
                at = m.range.lowerBound
                out += try rt.call(template, with: RegexCache.record(m, in: s, offsetOfStart: offset)).displayString
            }
            start = m.range.upperBound
        }
        out += s[start...]
        return .string(out)
    }
}

/// One piece of a replacement template.
enum TemplatePart {
    case literal(String)
    case group(Int)
    case named(String)

    /// Splits `$1`, `${name}`, `${2}` and `$$` out of a template.
    static func parse(_ t: String) throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var lit = ""
        var i = t.startIndex
        while i < t.endIndex {
            let c = t[i]
            guard c == "$" else { lit.append(c); i = t.index(after: i); continue }
            let j = t.index(after: i)
            guard j < t.endIndex else { throw DshError.runtime("re_replace: the template ends with a lone '$' (write $$ for a dollar)") }
            if t[j] == "$" { lit.append("$"); i = t.index(after: j); continue }
            if !lit.isEmpty { parts.append(.literal(lit)); lit = "" }
            if t[j] == "{" {
                guard let close = t[j...].firstIndex(of: "}") else { throw DshError.runtime("re_replace: '${' without '}' in the template") }
                let name = String(t[t.index(after: j)..<close])
                if let n = Int(name) { parts.append(.group(n)) }
                else if !name.isEmpty { parts.append(.named(name)) }
                else { throw DshError.runtime("re_replace: empty '${}' in the template") }
                i = t.index(after: close)
            } else if t[j].isASCII, t[j].isNumber {
                var k = j
                while k < t.endIndex, t[k].isASCII, t[k].isNumber { k = t.index(after: k) }
                parts.append(.group(Int(t[j..<k]) ?? 0))
                i = k
            } else {
                throw DshError.runtime("re_replace: '$' must be followed by a group number, {name} or $ in the template")
            }
        }
        if !lit.isEmpty { parts.append(.literal(lit)) }
        return parts
    }

    func text(_ m: Regex<AnyRegexOutput>.Match, _ fn: String) throws -> String {
        switch self {
        case .literal(let s): return s
        case .group(let n):
            guard n < m.output.count else { throw DshError.runtime("\(fn): the template names group \(n), but the pattern has \(m.output.count - 1)") }
            return m.output[n].substring.map(String.init) ?? ""
        case .named(let name):
            guard let e = m.output.first(where: { $0.name == name }) else {
                throw DshError.runtime("\(fn): the template names group '\(name)', which the pattern does not have")
            }
            return e.substring.map(String.init) ?? ""
        }
    }
}

/// Compiled patterns, shared by every interpreter behind a lock. (A compiled Regex is
/// immutable; `Regex<AnyRegexOutput>` is not marked Sendable only because its output
/// type is not.)
enum RegexCache {
    private final class Store: @unchecked Sendable {
        var entries: [String: Regex<AnyRegexOutput>] = [:]
    }
    private static let store = Store()
    private static let lock = Mutex<Void>(())

    /// The compiled pattern; a bad one is an error naming the character where it fails.
    static func compile(_ v: Value, _ fn: String) throws -> Regex<AnyRegexOutput> {
        let pattern = try Expect.string(v, fn, "the pattern")
        do {
            return try compile(pattern: pattern)
        } catch let e as DshError {
            throw DshError.runtime("\(fn): \(e.message)", fields: [("pattern", .string(pattern))])
        }
    }

    /// The compiled pattern (cached), or an error `invalid regular expression "a(b" at
    /// character 4: expected ')'`. `=~` compiles through here too.
    static func compile(pattern: String) throws -> Regex<AnyRegexOutput> {
        if let r = lock.withLock({ _ in store.entries[pattern] }) { return r }
        do {
            let r = try Regex(pattern)
            lock.withLock { _ in
                if store.entries.count >= 256 { store.entries.removeAll() }
                store.entries[pattern] = r
            }
            return r
        } catch {
            var at = ""
            if let range = errorRange(error), range.lowerBound >= pattern.startIndex, range.lowerBound <= pattern.endIndex {
                at = " at character \(pattern.unicodeScalars.distance(from: pattern.startIndex, to: range.lowerBound) + 1)"
            }
            throw DshError.runtime("invalid regular expression \(Value.quote(pattern))\(at): \(error)")
        }
    }

    /// The place a Swift Regex parse error points at (found by reflection: the
    /// error type's location is not public API).
    private static func errorRange(_ error: any Error) -> Range<String.Index>? {
        for child in Mirror(reflecting: error).children where child.label == "location" {
            for c in Mirror(reflecting: child.value).children where c.label == "range" {
                return c.value as? Range<String.Index>
            }
        }
        return nil
    }

    /// `{text, groups, named, start, end}` for one match; `start`/`end` count
    /// characters, so `s[m.start:m.end] == m.text`.
    static func record(_ m: Regex<AnyRegexOutput>.Match, in s: String, offsetOfStart: Int) -> Value {
        var groups: [Value] = []
        let named = MapRef()
        for (i, e) in m.output.enumerated() where i > 0 {
            let v: Value = e.substring.map { .string(String($0)) } ?? .null
            groups.append(v)
            if let name = e.name { named[name] = v }
        }
        let length = s.distance(from: m.range.lowerBound, to: m.range.upperBound)
        return .map(MapRef(distinctKeys: ["text", "groups", "named", "start", "end"], values: [
            .string(String(s[m.range])), .list(groups), .map(named), .int(offsetOfStart), .int(offsetOfStart + length),
        ]))
    }
}
