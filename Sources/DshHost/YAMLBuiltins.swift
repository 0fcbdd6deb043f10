// YAMLBuiltins.swift: `parse_yaml(text)` and `yaml(value)` on Yams (libyaml). Maps keep
// their key order both ways; errors give the line and column libyaml reports.
import DshCore
import Yams

enum YAMLBuiltins {
    /// Most nodes one parse may produce (aliases can make a small text expand hugely).
    static let maxNodes = 10_000_000

    /// Plain scalars are typed by the YAML 1.2 core schema, as Docker Compose (go-yaml v3)
    /// reads them: `yes`/`no`/`on`/`off` stay strings, `22:22` is not a base-60 number,
    /// `017` is seventeen; `0o17` and `0x1f` are octal and hex. (Yams' default is YAML 1.1.)
    static let coreSchema: Yams.Resolver = {
        // The patterns are constants: they compile.
        let r = Yams.Resolver.basic.appending(.null).appending(.merge)
        return try! r
            .appending(.bool, "^(?:true|True|TRUE|false|False|FALSE)$")
            .appending(.int, "^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
            .appending(.float, "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$")
    }()

    /// `parse_yaml(text, all: false)`: the value of a YAML document (nil for an empty
    /// one); with `all: true`, the list of every document in the text.
    static func parseYAML(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("parse_yaml", 1, 1, named: ["all"])
        let text: String
        switch args.positional[0] {
        case .string(let s): text = s
        case .bytes(let b):
            guard let s = String(validating: b, as: UTF8.self) else { throw DshError.runtime("parse_yaml: the bytes are not valid UTF-8") }
            text = s
        case let v: throw DshError.runtime("parse_yaml: the text must be a string or bytes, got \(v.typeName)")
        }
        let all = try args.bool("all", "parse_yaml", default: false)
        var budget = maxNodes
        do {
            if all {
                var docs: [Value] = []
                let parser = try Yams.Parser(yaml: text, resolver: coreSchema)
                while let node = try parser.nextRoot() {
                    docs.append(try value(node, rt, &budget))
                }
                return .list(docs)
            }
            guard let node = try Yams.compose(yaml: text, coreSchema) else { return .null }
            return try value(node, rt, &budget)
        } catch let e as YamlError {
            throw DshError.runtime("parse_yaml: " + describe(e))
        }
    }

    /// `line L, column C: problem (while context)` for a libyaml error.
    static func describe(_ e: YamlError) -> String {
        func at(_ m: Yams.Mark, _ problem: String, _ context: YamlError.Context?) -> String {
            var s = "line \(m.line), column \(m.column): \(problem)"
            if let c = context { s += " (\(c.text) at line \(c.mark.line), column \(c.mark.column))" }
            return s
        }
        switch e {
        case .scanner(let context, let problem, let mark, _): return at(mark, problem, context)
        case .parser(let context, let problem, let mark, _): return at(mark, problem, context)
        case .composer(let context, let problem, let mark, _): return at(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the mapping at line \(context.mark.line), column \(context.mark.column)"
        default: return "\(e)"
        }
    }

    private static func value(_ node: Yams.Node, _ rt: any Runtime, _ budget: inout Int) throws -> Value {
        budget -= 1
        if budget < 0 { throw DshError.runtime("parse_yaml: the document expands to more than \(maxNodes) nodes (aliases?)") }
        if budget & 1023 == 0 { try rt.checkInterrupt() }
        switch node {
        case .scalar(let s):
            switch node.tagName {
            case .null: return .null
            case .bool: return .bool(s.string.first == "t" || s.string.first == "T")
            case .int:
                let t = s.string
                let i = t.hasPrefix("0o") ? Int(t.dropFirst(2), radix: 8) : t.hasPrefix("0x") ? Int(t.dropFirst(2), radix: 16) : Int(t)
                if let i { return .int(i) }
                throw DshError.runtime("parse_yaml: line \(s.mark?.line ?? 0), column \(s.mark?.column ?? 0): integer \(t) does not fit in 64 bits")
            case .float:
                let t = s.string
                if t.hasSuffix("inf") || t.hasSuffix("Inf") || t.hasSuffix("INF") { return .float(t.hasPrefix("-") ? -.infinity : .infinity) }
                if t.lowercased() == ".nan" { return .float(.nan) }
                return Double(t).map { .float($0) } ?? .string(t)
            default: return .string(s.string)
            }
        case .sequence(let seq):
            var items: [Value] = []
            items.reserveCapacity(seq.count)
            for n in seq { items.append(try value(n, rt, &budget)) }
            return .list(items)
        case .mapping(let mapping):
            let m = MapRef()
            for (k, v) in mapping {
                let key: String
                switch k {
                case .scalar(let s): key = s.string
                default:
                    throw DshError.runtime("parse_yaml: line \(k.mark?.line ?? 0), column \(k.mark?.column ?? 0): only scalar keys are supported")
                }
                if key == "<<", k.tagName == .merge || k.tagName == .str {
                    // A merge key: the entries of the mapping(s) it names, unless set here.
                    let merged = try value(v, rt, &budget)
                    let sources: [Value]
                    if case .list(let l) = merged { sources = l.items } else { sources = [merged] }
                    for src in sources {
                        guard case .map(let sm) = src else { throw DshError.runtime("parse_yaml: '<<' must merge a mapping") }
                        for (mk, mv) in sm.entries where m[mk] == nil { m[mk] = mv }
                    }
                    continue
                }
                m[key] = try value(v, rt, &budget)
            }
            return .map(m)
        case .alias:
            throw DshError.runtime("parse_yaml: an unresolved alias")
        }
    }

    /// `yaml(value)`: the value as a YAML document (block style, keys in order, strings
    /// quoted where they would otherwise read back as another type, multi-line strings
    /// as literal blocks).
    static func toYAML(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        try args.check("yaml", 1, 1)
        let node = try node(args.positional[0], rt, depth: 0)
        do {
            return .string(try Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true, newLineScalarStyle: .literal))
        } catch let e as YamlError {
            throw DshError.runtime("yaml: \(e)")
        }
    }

    private static func scalar(_ s: String) -> Yams.Node {
        let plain = Yams.Node(s)
        if plain.tagName == .str && !s.isEmpty { return Yams.Node(s, Yams.Tag(.str)) }
        return Yams.Node(s, Yams.Tag(.str), .doubleQuoted)
    }

    private static func node(_ v: Value, _ rt: any Runtime, depth: Int) throws -> Yams.Node {
        if depth > 512 { throw DshError.runtime("yaml: the value is nested too deeply (a cycle?)") }
        switch v {
        case .null: return Yams.Node("null", Yams.Tag(.null))
        case .bool(let b): return Yams.Node(b ? "true" : "false", Yams.Tag(.bool))
        case .int(let i): return Yams.Node(String(i), Yams.Tag(.int))
        case .float(let d):
            let text = d.isNaN ? ".nan" : d.isInfinite ? (d < 0 ? "-.inf" : ".inf") : Value.formatFloat(d)
            return Yams.Node(text, Yams.Tag(.float))
        case .string(let s):
            if s.contains("\n") { return Yams.Node(s, Yams.Tag(.str), .literal) }
            return scalar(s)
        case .list(let l):
            return Yams.Node(try l.items.map { try node($0, rt, depth: depth + 1) }, Yams.Tag(.seq))
        case .map(let m):
            var pairs: [(Yams.Node, Yams.Node)] = []
            for (k, item) in m.entries { pairs.append((scalar(k), try node(item, rt, depth: depth + 1))) }
            return Yams.Node(pairs, Yams.Tag(.map))
        case .object(let o):
            if let p = o.plainValue { return try node(p, rt, depth: depth + 1) }
            throw DshError.runtime("yaml: cannot encode \(o.typeName)")
        default:
            throw DshError.runtime("yaml: cannot encode \(v.typeName)")
        }
    }
}

extension Yams.Node {
    /// The resolved tag's name (`Tag.name` itself is not public).
    fileprivate var tagName: Yams.Tag.Name { Yams.Tag.Name(rawValue: tag.description) }
}
