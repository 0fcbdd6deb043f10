// ReplCommands.swift: the REPL's own commands (`:help`, `:doc`, `:load`, `:quit`):
// parsing them and the texts they show.
import DshCore

/// A line starting with `:` (never valid dsh) is a REPL command.
enum ReplCommand: Equatable {
    /// `:help` (or `:h`, `:?`).
    case help
    /// `:doc NAME`: one line of help for a global or a member path.
    case doc(String)
    /// `:load FILE`: evaluate a file into the session.
    case load(String)
    /// `:quit` (or `:q`, `:exit`).
    case quit
    /// Anything else starting with `:`.
    case unknown(String)

    /// The command on `line`, or nil when the line is dsh code.
    static func parse(_ line: String) -> ReplCommand? {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.hasPrefix(":") else { return nil }
        let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let name = String(parts[0])
        let argument = parts.count > 1 ? String(parts[1]).trimmingSpaces : ""
        switch name {
        case ":help", ":h", ":?": return .help
        case ":quit", ":q", ":exit": return .quit
        case ":doc", ":d": return .doc(argument)
        case ":load", ":l": return .load(argument)
        default: return .unknown(name)
        }
    }

    /// The text `:help` shows.
    static let helpText = """
        Enter dsh code; its value is shown (lists of records as tables) and kept in `_`.
        Input continues on a `...>` line while a bracket, string or block is open.

          :help          this text
          :doc NAME      help for a built-in, a global or a member path (:doc docker.containers)
          :load FILE     run a file in this session (its definitions stay)
          :quit          leave (also Ctrl-D on an empty line)

        Keys: Tab completes names, members after a dot, and names inside strings;
        Up/Down browse the history; Ctrl-C cancels the running command or clears the line.
        Editing follows ~/.editrc (for example `bind -v` for vi mode).
        """

    /// The help shown by `:doc name`: the interpreter's own doc line, else what the
    /// value at the path is (a function's doc, an object's members).
    static func docText(for name: String, interpreter: Interpreter, resolve: ([PathStep]) -> Value?) -> String {
        if name.isEmpty { return "usage: :doc NAME" }
        if let doc = interpreter.doc(for: name), !doc.isEmpty { return "\(name): \(doc)" }
        let path = name.split(separator: ".", omittingEmptySubsequences: false).enumerated().map { i, part in
            i == 0 ? PathStep.name(String(part)) : PathStep.member(String(part))
        }
        guard let value = resolve(path) else { return "no such name: \(name)" }
        switch value {
        case .function(let f):
            if let native = f as? NativeFunction, !native.doc.isEmpty {
                // A multi-line help (a Docker binding's: call, endpoint, parameters) is
                // shown as it is; it starts with the call.
                return native.doc.contains("\n") ? native.doc : "\(name): \(native.doc)"
            }
            return "\(name): function \(f.name)"
        case .object(let o):
            let members = o.memberNames
            return members.isEmpty ? "\(name): \(o.typeName)" : "\(name): \(o.typeName) with members: " + members.joined(separator: ", ")
        case .map(let m):
            return "\(name): map with keys: " + m.entries.keys.joined(separator: ", ")
        default:
            return "\(name): \(value.typeName)"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
