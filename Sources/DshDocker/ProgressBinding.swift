// ProgressBinding.swift: the `progress(stream)` global: renders pull, push, build and
// load messages like the docker CLI (in place on a terminal, plain lines otherwise),
// raises the daemon's message on an error item, and returns the last `aux` map (for a
// build, the image's `{ID: ...}`) or nil.
import DshCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ProgressBinding {
    static func progress(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        let reader = ArgReader(args, "progress")
        try reader.only(["quiet", "to"])
        let quiet = try reader.bool("quiet") ?? false
        let source = try reader.value(0, "stream of messages")
        let toStderr: Bool
        switch try reader.string("to") ?? "stdout" {
        case "stdout": toStderr = false
        case "stderr": toStderr = true
        case let other: throw DshError.runtime("progress: to must be \"stdout\" or \"stderr\", not \(Value.quote(other))")
        }
        let renderer = ProgressRenderer(isTerminal: toStderr ? isatty(2) == 1 : rt.outputIsTerminal, width: terminalWidth()) { text in
            if !quiet { if toStderr { rt.writeError(text) } else { rt.write(text) } }
        }
        var aux: Value = .null
        func handle(_ item: Value) throws {
            try rt.checkInterrupt()
            if case .map(let m) = item {
                if let e = errorMessage(m) { throw DshError.runtime(e, fields: [("status", .null), ("message", .string(e)), ("request", .null)]) }
                if let a = m["aux"] { aux = a }
            }
            renderer.render(item)
        }
        switch source {
        case .stream(let s):
            do {
                while let item = try s.next(rt) { try handle(item) }
            } catch {
                s.close()
                throw error
            }
        case .list(let l):
            for item in l.items { try handle(item) }
        default:
            throw DshError.runtime("progress: expected a stream (or list) of messages, not \(source.typeName)")
        }
        return aux
    }

    /// The daemon's error message in a message map.
    static func errorMessage(_ m: MapRef) -> String? {
        if case .map(let d)? = m["errorDetail"], case .string(let s)? = d["message"], !s.isEmpty { return s }
        if case .string(let s)? = m["error"], !s.isEmpty { return s }
        return nil
    }

    /// The terminal's width from `COLUMNS`, else 80.
    static func terminalWidth() -> Int {
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n > 0 { return n }
        return 80
    }
}
