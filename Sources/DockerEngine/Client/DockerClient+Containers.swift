// Container endpoints the tests and simple tools need (the bindings use the generic request).
import NIOCore

extension DockerClient {
    /// `POST /containers/create`; returns the new container's id.
    public func createContainer(name: String? = nil, config: JSONValue) async throws -> String {
        var query: [(String, String)] = []
        if let name { query.append(("name", name)) }
        let json = try await request("POST", "/containers/create", query: query, body: .json(config)).json()
        guard let id = json["Id"]?.string else { throw DockerError.protocolError("create returned no Id") }
        return id
    }

    /// `POST /containers/{id}/start` (already started is not an error).
    public func startContainer(_ id: String) async throws {
        _ = try await request("POST", "/containers/\(DockerQuery.escape(id))/start")
    }

    /// `POST /containers/{id}/stop?t=` (already stopped is not an error).
    public func stopContainer(_ id: String, timeout: Int? = nil) async throws {
        var query: [(String, String)] = []
        if let timeout { query.append(("t", String(timeout))) }
        _ = try await request("POST", "/containers/\(DockerQuery.escape(id))/stop", query: query, timeouts: .streaming)
    }

    /// `POST /containers/{id}/kill?signal=`.
    public func killContainer(_ id: String, signal: String? = nil) async throws {
        var query: [(String, String)] = []
        if let signal { query.append(("signal", signal)) }
        _ = try await request("POST", "/containers/\(DockerQuery.escape(id))/kill", query: query)
    }

    /// `POST /containers/{id}/wait?condition=`; returns `StatusCode`. No timeouts apply.
    public func waitContainer(_ id: String, condition: String? = nil) async throws -> Int {
        var query: [(String, String)] = []
        if let condition { query.append(("condition", condition)) }
        let json = try await request("POST", "/containers/\(DockerQuery.escape(id))/wait", query: query,
                                     timeouts: DockerTimeouts(responseHeader: nil, idle: nil)).json()
        if let message = json["Error"]?["Message"]?.string, !message.isEmpty {
            throw DockerError(kind: .server, message: message, method: "POST", path: "/containers/\(id)/wait")
        }
        guard let code = json["StatusCode"]?.int else { throw DockerError.protocolError("wait returned no StatusCode") }
        return code
    }

    /// `DELETE /containers/{id}?force=&v=`.
    public func removeContainer(_ id: String, force: Bool = false, volumes: Bool = false) async throws {
        _ = try await request("DELETE", "/containers/\(DockerQuery.escape(id))", query: [("force", String(force)), ("v", String(volumes))])
    }

    /// `GET /containers/{id}/json`.
    public func inspectContainer(_ id: String) async throws -> JSONValue {
        try await request("GET", "/containers/\(DockerQuery.escape(id))/json").json()
    }

    /// `GET /containers/json?all=&filters=`.
    public func listContainers(all: Bool = false, filters: [String: [String]] = [:]) async throws -> JSONValue {
        var query: [(String, String)] = [("all", String(all))]
        if !filters.isEmpty { query.append(("filters", DockerQuery.filters(filters))) }
        return try await request("GET", "/containers/json", query: query).json()
    }

    /// `GET /containers/{id}/logs`: the streaming response; use `.lines(tty:)` or `.frames(tty:)`.
    public func containerLogs(
        _ id: String, follow: Bool = false, stdout: Bool = true, stderr: Bool = true,
        timestamps: Bool = false, tail: String? = nil, since: String? = nil
    ) async throws -> DockerStreamingResponse {
        var query: [(String, String)] = [
            ("follow", String(follow)), ("stdout", String(stdout)), ("stderr", String(stderr)), ("timestamps", String(timestamps)),
        ]
        if let tail { query.append(("tail", tail)) }
        if let since { query.append(("since", since)) }
        return try await stream("GET", "/containers/\(DockerQuery.escape(id))/logs", query: query,
                                timeouts: follow ? .streaming : .default)
    }

    /// `GET /containers/{id}/top?ps_args=`.
    public func top(_ id: String, psArgs: String? = nil) async throws -> JSONValue {
        var query: [(String, String)] = []
        if let psArgs { query.append(("ps_args", psArgs)) }
        return try await request("GET", "/containers/\(DockerQuery.escape(id))/top", query: query).json()
    }

    /// `GET /containers/{id}/changes`.
    public func changes(_ id: String) async throws -> JSONValue {
        try await request("GET", "/containers/\(DockerQuery.escape(id))/changes").json()
    }

    /// `GET /containers/{id}/archive?path=`: a tar of `path`, streamed. `stat` is the
    /// decoded `X-Docker-Container-Path-Stat` header.
    public func getArchive(_ id: String, path: String) async throws -> (stat: JSONValue?, tar: DockerByteStream) {
        let response = try await stream("GET", "/containers/\(DockerQuery.escape(id))/archive", query: [("path", path)], timeouts: .streaming)
        let stat = response.headers.first(name: "X-Docker-Container-Path-Stat").flatMap { Base64.decode($0) }.flatMap { try? JSONValue.decode($0) }
        return (stat, response.body)
    }

    /// `PUT /containers/{id}/archive?path=`: extracts a tar (bytes or a stream) into `path`.
    public func putArchive(_ id: String, path: String, tar: DockerRequestBody, noOverwriteDirNonDir: Bool = false) async throws {
        var body = tar
        body.contentType = "application/x-tar"
        _ = try await request("PUT", "/containers/\(DockerQuery.escape(id))/archive",
                              query: [("path", path), ("noOverwriteDirNonDir", String(noOverwriteDirNonDir))],
                              body: body, timeouts: .streaming)
    }

    /// `GET /containers/{id}/export`: the container's filesystem as a tar stream.
    public func exportContainer(_ id: String) async throws -> DockerByteStream {
        try await stream("GET", "/containers/\(DockerQuery.escape(id))/export", timeouts: .streaming).body
    }

    /// `POST /containers/{id}/attach` (hijacked). Attach before `start` to see all output.
    public func attach(_ id: String, stdin: Bool = false, stdout: Bool = true, stderr: Bool = true, logs: Bool = false) async throws -> DockerHijackedStream {
        try await hijack("POST", "/containers/\(DockerQuery.escape(id))/attach", query: [
            ("stream", "true"), ("stdin", String(stdin)), ("stdout", String(stdout)), ("stderr", String(stderr)), ("logs", String(logs)),
        ])
    }
}
