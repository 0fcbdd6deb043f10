// ArgumentUnpacking.swift: typed unpacking of a native function's arguments (like
// starlark-go's UnpackArgs): positional or named, each decoded to a Swift type, with
// missing, unknown, repeated and wrongly typed arguments reported by name.

extension Arguments {
    /// Unpacks the arguments of the native `function` into Swift values, in parameter
    /// order: each parameter is `(name, Type.self)` and is taken from the positional
    /// argument at its place or from the named argument `name`. A name ending in `?` is
    /// optional (it reads as nil, so give it an `Optional` type); any `Decodable` type
    /// works (`String`, `Int`, `Double`, `Bool`, arrays, dictionaries, your structs).
    ///
    ///     let (name, times) = try args.unpack("greet", ("name", String.self), ("times?", Int?.self))
    public func unpack<each T: Decodable>(_ function: String, _ parameters: repeat (String, (each T).Type)) throws -> (repeat each T) {
        var names: [String] = []
        for p in repeat each parameters { names.append(p.0) }
        let plain = names.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 }
        if positional.count > names.count {
            throw DshError.runtime("\(function)() takes at most \(names.count) argument\(names.count == 1 ? "" : "s") but \(positional.count) were given")
        }
        var seen = Set<String>()
        for (name, _) in named {
            guard let i = plain.firstIndex(of: name) else {
                throw DshError.runtime("\(function)() has no parameter named '\(name)'")
            }
            guard i >= positional.count, seen.insert(name).inserted else {
                throw DshError.runtime("\(function)() got two values for '\(name)'")
            }
        }
        var index = 0
        func one<U: Decodable>(_ parameter: (String, U.Type)) throws -> U {
            defer { index += 1 }
            let name = plain[index]
            let value = self[index] ?? self[name]
            guard let value else {
                if parameter.0.hasSuffix("?") { return try Value.null.decode(U.self) }
                throw DshError.runtime("\(function)() missing argument '\(name)'")
            }
            do {
                return try value.decode(U.self)
            } catch let e as DecodingError {
                throw DshError.runtime("\(function)(): argument '\(name)': \(Arguments.describe(e))")
            }
        }
        return (repeat try one(each parameters))
    }

    /// A decoding error in a sentence.
    private static func describe(_ error: DecodingError) -> String {
        let context: DecodingError.Context?
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: context = nil
        }
        guard let context else { return "\(error)" }
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
    }
}
