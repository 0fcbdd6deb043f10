// DockerErrors.swift: turns the client's errors into dsh errors whose members a script
// can read (`catch e { e.status }`): `status` (the HTTP code), `message` (the daemon's
// message) and `request` ("GET /containers/x/json").
import DockerEngine
import DshCore

enum DockerErrors {
    /// The dsh error for any error of the client; dsh errors pass through unchanged.
    static func map(_ error: any Error, request fallback: String? = nil) -> any Error {
        if error is DshError || error is ExitRequest { return error }
        if let e = error as? DockerError {
            let message = e.message
            let request = e.request ?? fallback
            var fields: [(String, Value)] = [
                ("status", e.status.map { .int($0) } ?? .null),
                ("message", .string(e.message)),
                ("request", request.map { .string($0) } ?? .null),
                ("kind", .string(e.kind.rawValue)),
            ]
            if e.hint != nil { fields.append(("hint", .string(e.hint!))) }
            var dshError = DshError.runtime(message, fields: fields)
            dshError.hint = e.hint
            return dshError
        }
        if error is CancellationError { return DshError(.interrupted, "interrupted") }
        return DshError.runtime("\(error)", fields: [("status", .null), ("message", .string("\(error)")), ("request", fallback.map { .string($0) } ?? .null)])
    }

    /// A refused request in read-only mode.
    static func readOnly(_ method: String, _ path: String) -> DshError {
        let message = "read-only: \(method) \(path) is not allowed"
        return DshError.runtime(message, fields: [
            ("status", .null), ("message", .string(message)), ("request", .string("\(method) \(path)")), ("kind", .string("readOnly")),
        ])
    }
}

extension DshError {
    /// The `status` member of a daemon error, if any.
    var statusField: Int? {
        if case .error(let e)? = value, case .int(let s)? = e.fields["status"] { return s }
        return nil
    }
}
