// HostArguments.swift: argument checking for the host built-ins (DshCore keeps its own
// helpers internal), with the same wording as the core's errors.
import DshCore

extension Arguments {
    /// Checks the count of positional arguments and that every named one is known.
    func check(_ fn: String, _ minCount: Int, _ maxCount: Int, named known: [String] = []) throws {
        let n = positional.count
        if n < minCount || n > maxCount {
            let want = minCount == maxCount ? "\(minCount)" : maxCount == Int.max ? "at least \(minCount)" : "\(minCount) to \(maxCount)"
            throw DshError.runtime("\(fn): expected \(want) argument\(maxCount == 1 && minCount == 1 ? "" : "s"), got \(n)")
        }
        for entry in named where !known.contains(entry.name) {
            let expected = known.isEmpty ? "it takes none" : "expected " + known.map { "'\($0)'" }.joined(separator: ", ")
            throw DshError.runtime("\(fn): unknown named argument '\(entry.name)' (\(expected))")
        }
    }

    /// A named argument that is present and not nil.
    func given(_ name: String) -> Value? {
        guard let v = self[name] else { return nil }
        if case .null = v { return nil }
        return v
    }

    /// A string argument (positional `index`).
    func string(_ index: Int, _ fn: String, _ what: String) throws -> String {
        let v = index < positional.count ? positional[index] : .null
        guard case .string(let s) = v else { throw DshError.runtime("\(fn): \(what) must be a string, got \(v.typeName)") }
        return s
    }

    /// A boolean named option; must be a bool when given.
    func bool(_ name: String, _ fn: String, default fallback: Bool) throws -> Bool {
        guard let v = given(name) else { return fallback }
        guard case .bool(let b) = v else { throw DshError.runtime("\(fn): \(name) must be true or false, got \(v.typeName)") }
        return b
    }

    /// A non-negative number of seconds given as `name`, when present.
    func seconds(_ name: String, _ fn: String) throws -> Double? {
        guard let v = given(name) else { return nil }
        let d: Double
        switch v {
        case .int(let i): d = Double(i)
        case .float(let f): d = f
        default: throw DshError.runtime("\(fn): \(name) must be a number of seconds, got \(v.typeName)")
        }
        guard d.isFinite, d >= 0 else { throw DshError.runtime("\(fn): \(name) must be a finite number of seconds >= 0") }
        return d
    }
}
