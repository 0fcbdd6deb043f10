// DockerError: every failure of the client, with the daemon's message and the request.

/// An error from the Docker client: an HTTP error from the daemon, an error message in
/// a stream, a transport failure, a timeout, a bad configuration. Never carries credentials.
public struct DockerError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, coarsely.
    public enum Kind: String, Sendable, Equatable {
        /// 404: no such container, image, ...
        case notFound
        /// 409: name in use, container running, ...
        case conflict
        /// 400: the daemon rejected a parameter.
        case badParameter
        /// 401: authentication required or failed.
        case unauthorized
        /// 403: forbidden.
        case forbidden
        /// 304: nothing to do (already started, already stopped).
        case notModified
        /// 5xx other than 503.
        case server
        /// 503: the daemon is not ready or the feature is unavailable.
        case unavailable
        /// Any other HTTP status.
        case http
        /// An `error` message inside a 200 stream (pull, push, build, load).
        case stream
        /// A frame with type 3 in a multiplexed stream.
        case systemError
        /// The daemon's API version is below what this client supports.
        case versionTooOld
        /// Configuration: DOCKER_HOST, contexts, config.json, TLS files.
        case configuration
        /// Connecting, reading or writing failed.
        case transport
        /// A connect, response-header or idle timeout.
        case timeout
        /// The peer broke the protocol (bad HTTP, bad frame, a JSON message too large).
        case protocolError
        /// A build context or archive problem (tar writing, unsafe paths).
        case archive
        /// Registry credentials could not be found or a helper failed.
        case credentials
        /// The request was refused before anything was sent: a method, path or header
        /// that would not go on the wire as given (a line break, a `..` segment).
        case invalidRequest
    }

    /// What went wrong, coarsely.
    public var kind: Kind
    /// The HTTP status, when the daemon answered.
    public var status: Int?
    /// The daemon's message, or the client's description.
    public var message: String
    /// The request's method, when the error is about a request.
    public var method: String?
    /// The request's path (without the version prefix and query).
    public var path: String?
    /// A hint, e.g. when the API version is the likely cause.
    public var hint: String?

    /// A new error.
    public init(kind: Kind, message: String, status: Int? = nil, method: String? = nil, path: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.hint = hint
    }

    /// `METHOD /path`, when known.
    public var request: String? {
        guard let method, let path else { return nil }
        return "\(method) \(path)"
    }

    /// `message (METHOD /path: 404)` plus the hint.
    public var description: String {
        var s = message
        var tail: [String] = []
        if let request { tail.append(request) }
        if let status { tail.append("HTTP \(status)") }
        if !tail.isEmpty { s += " (" + tail.joined(separator: ": ") + ")" }
        if let hint { s += "; hint: " + hint }
        return s
    }

    static func configuration(_ message: String) -> DockerError { DockerError(kind: .configuration, message: message) }
    static func transport(_ message: String, method: String? = nil, path: String? = nil) -> DockerError {
        DockerError(kind: .transport, message: message, method: method, path: path)
    }
    static func protocolError(_ message: String) -> DockerError { DockerError(kind: .protocolError, message: message) }
    static func archive(_ message: String) -> DockerError { DockerError(kind: .archive, message: message) }

    /// The kind an HTTP status maps to.
    static func kind(forStatus status: Int) -> Kind {
        switch status {
        case 304: return .notModified
        case 400: return .badParameter
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 409: return .conflict
        case 503: return .unavailable
        case 500...599: return .server
        default: return .http
        }
    }

    /// An error from an HTTP error response; `body` is at most 1 MiB of it.
    static func http(status: Int, body: [UInt8], method: String, path: String, apiVersion: String?) -> DockerError {
        var message = ""
        if let json = try? JSONValue.decode(body), let m = json["message"]?.string {
            message = m
        } else {
            message = String(decoding: body.prefix(4096), as: UTF8.self).trimmingSpaces
        }
        if message.isEmpty { message = "the daemon answered HTTP \(status)" }
        var hint: String? = nil
        let lower = message.lowercased()
        if lower.contains("client version") || lower.contains("api version") || lower.contains("is too new")
            || lower.contains("minimum supported api version") || lower.contains("maximum supported api version")
        {
            hint = "the API version \(apiVersion ?? "in use") is the likely cause; set DOCKER_API_VERSION or let the client negotiate"
        } else if status == 404, lower == "page not found", let apiVersion {
            hint = "the daemon does not know this endpoint at API \(apiVersion); it may need a newer daemon"
        } else if status == 400, lower.contains("unknown") || lower.contains("not supported"), let apiVersion {
            hint = "the parameter may need a newer API than \(apiVersion)"
        }
        return DockerError(kind: kind(forStatus: status), message: message, status: status, method: method, path: path, hint: hint)
    }
}
