// BuiltinsTesting.swift: `assert_eq(a, b, msg?)`, which says how two values differ
// (each differing path, with both sides) rather than only that they do.

extension Builtins {
    static var testingFunctions: [(String, NativeBody)] {
        [("assert_eq", { args, _ in
            try args.expect("assert_eq", 2, 3)
            let a = args.at(0), b = args.at(1)
            if try Value.equals(a, b) { return .null }
            var msg = "assert_eq failed"
            if args.count > 2 { msg += ": " + args.at(2).displayString }
            msg += "\n  left:  " + ValueDiff.clip(a.sourceString) + "\n  right: " + ValueDiff.clip(b.sourceString)
            var lines: [String] = []
            ValueDiff.collect(a, b, path: "", into: &lines, depth: 0)
            if !(lines.count == 1 && lines[0].hasPrefix("(value): ")) {
                for l in lines.prefix(12) { msg += "\n  " + l }
                if lines.count > 12 { msg += "\n  ... and \(lines.count - 12) more differences" }
            }
            throw DshError.runtime(msg, fields: [("left", a), ("right", b)])
        })]
    }
}

/// Where two values differ, as `path: left != right` lines.
enum ValueDiff {
    /// A long rendering cut to 300 characters.
    static func clip(_ s: String) -> String { s.count > 300 ? String(s.prefix(300)) + "…" : s }

    static func collect(_ a: Value, _ b: Value, path: String, into out: inout [String], depth: Int) {
        if out.count > 12 || depth > 32 { return }
        let here = path.isEmpty ? "(value)" : path
        switch (a, b) {
        case (.map(let x), .map(let y)):
            for (k, v) in x.entries {
                let p = path + (isName(k) ? "." + k : "[" + Value.quote(k) + "]")
                if let w = y[k] {
                    if !((try? Value.equals(v, w)) ?? false) { collect(v, w, path: p, into: &out, depth: depth + 1) }
                } else {
                    out.append("\(p): only on the left (\(clip(v.sourceString)))")
                }
            }
            for (k, w) in y.entries where x[k] == nil {
                let p = path + (isName(k) ? "." + k : "[" + Value.quote(k) + "]")
                out.append("\(p): only on the right (\(clip(w.sourceString)))")
            }
        case (.list(let x), .list(let y)):
            for i in 0..<min(x.items.count, y.items.count) where !((try? Value.equals(x.items[i], y.items[i])) ?? false) {
                collect(x.items[i], y.items[i], path: path + "[\(i)]", into: &out, depth: depth + 1)
            }
            if x.items.count != y.items.count {
                out.append("\(here): \(x.items.count) items != \(y.items.count) items")
            }
        case (.string(let x), .string(let y)) where x.contains("\n") || y.contains("\n"):
            let xl = x.split(separator: "\n", omittingEmptySubsequences: false)
            let yl = y.split(separator: "\n", omittingEmptySubsequences: false)
            for i in 0..<max(xl.count, yl.count) {
                let l = i < xl.count ? Value.quote(String(xl[i])) : "(no line)"
                let r = i < yl.count ? Value.quote(String(yl[i])) : "(no line)"
                if l != r {
                    out.append("\(here) line \(i + 1): \(clip(l)) != \(clip(r))")
                    if out.count > 12 { return }
                }
            }
        default:
            let l = clip(a.sourceString), r = clip(b.sourceString)
            let types = a.typeName != b.typeName ? " (\(a.typeName) vs \(b.typeName))" : ""
            out.append("\(here): \(l) != \(r)\(types)")
        }
    }

    private static func isName(_ k: String) -> Bool {
        guard let f = k.unicodeScalars.first, f == "_" || (f.isASCII && f.properties.isAlphabetic) else { return false }
        return k.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
