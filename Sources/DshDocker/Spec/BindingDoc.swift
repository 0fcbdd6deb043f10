// BindingDoc.swift: the help of a binding as `:doc` prints it (summary, endpoint,
// parameters with types, defaults and API versions, friendly body names, dsh options),
// and the operation table of docs/docker.md, both made from the binding table and the spec.

/// Help made from the binding table.
enum BindingDoc {
    /// The `:doc` text of one binding.
    static func text(_ b: Binding) -> String {
        let spec = APISpec.shared
        let op = b.operation.flatMap { spec.operations[$0] }
        var names = b.params.map(Binding.spelling) + b.body.keys.sorted() + b.local.keys.sorted()
        names = names.map { $0 + ":" }
        var lines = ["\(b.qualified)(\(([b.positional].filter { !$0.isEmpty } + names).joined(separator: ", ")))"]
        lines.append("  \(b.doc)")
        if let op {
            let versions = op.versions.text.isEmpty ? "" : " (\(op.versions.text))"
            lines.append("  \(op.method) \(op.path): \(op.summary)\(versions)")
        }
        let params = b.params.compactMap { p in op?.param(p).map { (p, $0) } }
        if !params.isEmpty {
            lines.append("  parameters:")
            for (name, p) in params {
                var line = "    \(Binding.spelling(name)): \(typeText(p))"
                if let d = p.defaultValue, d != "\"\"" { line += " = \(d)" }
                if !p.versions.text.isEmpty { line += "  [\(p.versions.text)]" }
                if Binding.spelling(name) != name { line += "  (\(name))" }
                if !p.doc.isEmpty { line += "  \(p.doc.prefix(100))" }
                lines.append(line)
            }
        }
        let aliases = b.aliases.sorted { $0.key < $1.key }
        if !aliases.isEmpty { lines.append("  also: " + aliases.map { "\($0.key) = \(Binding.spelling($0.value))" }.joined(separator: ", ")) }
        if !b.body.isEmpty {
            lines.append("  body fields by friendly name:")
            for (name, target) in b.body.sorted(by: { $0.key < $1.key }) {
                var line = "    \(name) → \(target)"
                if let t = fieldType(op, target) { line += ": \(t)" }
                lines.append(line)
            }
        }
        if b.rawBody, let type = op?.body, let def = spec.definition(type) {
            let fields = def.fields.map { f in f.versions.isGated ? "\(f.name) [\(f.versions.text)]" : f.name }
            lines.append("  API fields (checked, nested too): " + fields.joined(separator: ", "))
        }
        if !b.local.isEmpty {
            lines.append("  options:")
            for (name, what) in b.local.sorted(by: { $0.key < $1.key }) { lines.append("    \(name): \(what)") }
        }
        return lines.joined(separator: "\n")
    }

    /// A parameter's type as a call gives it: `filters` a map of lists, a JSON
    /// parameter a map or list, `extrahosts` a map or list (see `Query.encode`).
    static func typeText(_ p: APIParam) -> String {
        if p.name == "filters" { return "{[string]}" }
        if p.name == "extrahosts" { return "{string} or [string]" }
        if p.type == .string, p.doc.contains("JSON") { return "map or list (sent as JSON)" }
        return p.type.description
    }

    /// The type of a body field path (`HostConfig.Memory`).
    static func fieldType(_ op: APIOperation?, _ path: String) -> APIType? {
        guard var type = op?.body else { return nil }
        for part in path.split(separator: ".") {
            guard let def = APISpec.shared.definition(type), let f = def.field(String(part)) else { return nil }
            type = f.type
        }
        return type
    }

    /// The markdown table of every operation of every vendored spec and its binding
    /// (docs/docker.md, between the `operations` markers).
    static func operationTable() -> String {
        let spec = APISpec.shared
        var rows = ["| operation | endpoint | API | dsh |", "|---|---|---|---|"]
        for id in spec.operationIDs.sorted() {
            let op = spec.operation(id)
            let bound = BindingTable.all.filter { $0.operation == id }.map { "`\($0.qualified)`" }
            let used = BindingTable.all.filter { $0.uses.contains(id) }.map { "(in `\($0.qualified)`)" }
            var cell = (bound + used).joined(separator: ", ")
            if cell.isEmpty, let u = BindingTable.unbound.first(where: { $0.operation == id }) { cell = "unbound: \(u.reason)" }
            let versions = op.versions.text.isEmpty ? "all" : op.versions.text
            rows.append("| \(id) | `\(op.method) \(op.path)` | \(versions) | \(cell) |")
        }
        return rows.joined(separator: "\n") + "\n"
    }
}
