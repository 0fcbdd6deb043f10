// System endpoints: ping, version, info, events.

extension DockerClient {
    /// `GET /_ping`: "OK" when the daemon is up.
    public func ping() async throws -> String {
        try await request("GET", "/_ping").text
    }

    /// `GET /version`.
    public func version() async throws -> JSONValue {
        try await request("GET", "/version").json()
    }

    /// `GET /info`.
    public func info() async throws -> JSONValue {
        try await request("GET", "/info").json()
    }

    /// `GET /events`: one JSON message per event until `until` or cancellation.
    /// `filters` is encoded as the API wants (`{"container": ["id"], "type": ["container"]}`).
    public func events(since: String? = nil, until: String? = nil, filters: [String: [String]] = [:]) async throws -> DockerCheckedJSONMessages<DockerByteStream> {
        var query: [(String, String)] = []
        if let since { query.append(("since", since)) }
        if let until { query.append(("until", until)) }
        if !filters.isEmpty { query.append(("filters", DockerQuery.filters(filters))) }
        return try await stream("GET", "/events", query: query, timeouts: .streaming).jsonMessages().throwingOnError()
    }
}
