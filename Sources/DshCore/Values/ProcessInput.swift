// ProcessInput.swift: the bytes a `stdin:` value stands for, the one rule shared by host
// processes (`sh`, `command`) and container processes (`exec`, `attach`).

/// What `stdin:` writes to a process.
public enum ProcessInput {
    /// Strings as UTF-8, bytes as they are, a list as lines (each string gets a `\n`
    /// unless it has one), a `{stream, text}` map (a log line) as its text line, nil as
    /// nothing. Items of a stream are lines too (`line: true`).
    public static func bytes(_ value: Value, _ function: String, line: Bool = false) throws -> [UInt8] {
        switch value {
        case .string(let s):
            var b = Array(s.utf8)
            if line && b.last != 0x0a { b.append(0x0a) }
            return b
        case .bytes(let b): return b
        case .list(let l):
            var out: [UInt8] = []
            for item in l.items { out += try bytes(item, function, line: true) }
            return out
        case .map(let m):
            if case .string(let text)? = m["text"] { return try bytes(.string(text), function, line: true) }
            throw DshError.runtime("\(function): stdin: a map item needs a 'text' string")
        case .null: return []
        default:
            throw DshError.runtime("\(function): stdin must be a string, bytes, a list of lines or a stream, not \(value.typeName)")
        }
    }
}
