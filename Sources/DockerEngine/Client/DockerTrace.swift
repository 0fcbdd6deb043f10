// DockerTrace: one event per request for --trace and logs, with secrets redacted.

/// One finished request (or failed attempt), for tracing. Holds no credentials: headers
/// are not included and query values of secret-looking names are replaced by `***`.
public struct DockerTraceEvent: Sendable, CustomStringConvertible {
    /// The HTTP method.
    public var method: String
    /// The path as sent (with its `/vX.Y` prefix, none for the request that negotiates
    /// the version) and the redacted query.
    public var path: String
    /// The HTTP status, nil when no response arrived.
    public var status: Int?
    /// Time from sending to the response head.
    public var duration: Duration
    /// The error, when the request failed before a response.
    public var error: String?

    /// `GET /v1.41/containers/json -> 200 (3 ms)`.
    public var description: String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        let took = ms < 10 ? String(Double(Int(ms * 10)) / 10) : String(Int(ms))
        if let status { return "\(method) \(path) -> \(status) (\(took) ms)" }
        return "\(method) \(path) -> error: \(error ?? "unknown") (\(took) ms)"
    }
}

/// Receives trace events; called on an arbitrary thread.
public typealias DockerTraceHook = @Sendable (DockerTraceEvent) -> Void

enum DockerTrace {
    static let secretNames = ["password", "passwd", "token", "secret", "auth", "credential", "key"]

    /// `path?query` with secret-looking values replaced by `***`.
    static func redactedPath(_ path: String, query: [(String, String)]) -> String {
        let redacted = query.map { (k, v) -> (String, String) in
            let lower = k.lowercased()
            return secretNames.contains(where: { lower.contains($0) }) ? (k, "***") : (k, v)
        }
        return path + DockerQuery.encode(redacted)
    }
}
