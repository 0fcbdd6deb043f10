// Image endpoints: list, inspect, tag, remove, history, build, push, pull.

extension DockerClient {
    /// `GET /images/json`.
    public func listImages(all: Bool = false, filters: [String: [String]] = [:]) async throws -> JSONValue {
        var query: [(String, String)] = [("all", String(all))]
        if !filters.isEmpty { query.append(("filters", DockerQuery.filters(filters))) }
        return try await request("GET", "/images/json", query: query).json()
    }

    /// `GET /images/{name}/json`.
    public func inspectImage(_ name: String) async throws -> JSONValue {
        try await request("GET", "/images/\(name)/json").json()
    }

    /// `POST /images/{name}/tag?repo=&tag=`.
    public func tagImage(_ name: String, repo: String, tag: String? = nil) async throws {
        var query: [(String, String)] = [("repo", repo)]
        if let tag { query.append(("tag", tag)) }
        _ = try await request("POST", "/images/\(name)/tag", query: query)
    }

    /// `DELETE /images/{name}?force=&noprune=`: the untagged/deleted list.
    @discardableResult
    public func removeImage(_ name: String, force: Bool = false, noPrune: Bool = false) async throws -> JSONValue {
        try await request("DELETE", "/images/\(name)", query: [("force", String(force)), ("noprune", String(noPrune))]).json()
    }

    /// `GET /images/{name}/history`.
    public func imageHistory(_ name: String) async throws -> JSONValue {
        try await request("GET", "/images/\(name)/history").json()
    }

    /// `POST /build`: streams the tar context (never held whole) and returns the build's
    /// messages; an error message throws. `query` carries `t`, `dockerfile`, `buildargs`...
    /// All known registry credentials go in `X-Registry-Config`.
    public func build(context: DockerRequestBody, query: [(String, String)], registryAuth: RegistryAuth? = nil) async throws -> DockerCheckedJSONMessages<DockerByteStream> {
        var body = context
        body.contentType = "application/x-tar"
        var headers: [(String, String)] = []
        if let registryAuth { headers.append(("X-Registry-Config", RegistryAuth.configHeader(registryAuth.allCredentials()))) }
        return try await stream("POST", "/build", query: query, headers: headers, body: body,
                                timeouts: DockerTimeouts(responseHeader: nil, idle: nil)).jsonMessages().throwingOnError()
    }

    /// `POST /images/create?fromImage=&tag=`: pulls, with `X-Registry-Auth` (explicit
    /// credentials, else those stored for the image's registry, else `{}`).
    public func pull(_ image: String, tag: String? = nil, credentials: RegistryCredentials? = nil, registryAuth: RegistryAuth? = nil) async throws -> DockerCheckedJSONMessages<DockerByteStream> {
        var query: [(String, String)] = [("fromImage", image)]
        if let tag { query.append(("tag", tag)) }
        let creds = try credentials ?? registryAuth?.credentials(for: RegistryAuth.server(forImage: image))
        return try await stream("POST", "/images/create", query: query, headers: [("X-Registry-Auth", RegistryAuth.authHeader(creds))],
                                timeouts: .streaming).jsonMessages().throwingOnError()
    }

    /// `POST /images/{name}/push?tag=`, with `X-Registry-Auth` as for ``pull(_:tag:credentials:registryAuth:)``.
    public func push(_ image: String, tag: String? = nil, credentials: RegistryCredentials? = nil, registryAuth: RegistryAuth? = nil) async throws -> DockerCheckedJSONMessages<DockerByteStream> {
        var query: [(String, String)] = []
        if let tag { query.append(("tag", tag)) }
        let creds = try credentials ?? registryAuth?.credentials(for: RegistryAuth.server(forImage: image))
        return try await stream("POST", "/images/\(image)/push", query: query, headers: [("X-Registry-Auth", RegistryAuth.authHeader(creds))],
                                timeouts: .streaming).jsonMessages().throwingOnError()
    }
}
