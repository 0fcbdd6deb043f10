// DockerConfiguration: resolves the endpoint, TLS and API version exactly as the docker CLI does.

/// How to reach a daemon: the endpoint, a pinned API version, the config directory.
public struct DockerConfiguration: Sendable {
    /// Where the daemon listens.
    public var endpoint: DockerEndpoint
    /// A pinned API version (`DOCKER_API_VERSION`), else nil to negotiate with `/_ping`.
    public var apiVersion: String?
    /// The CLI configuration directory (`DOCKER_CONFIG`, default `~/.docker`).
    public var configDirectory: String
    /// The context the endpoint came from (`default` when from `DOCKER_HOST` or the default socket).
    public var contextName: String

    /// A configuration for an explicit endpoint.
    public init(endpoint: DockerEndpoint, apiVersion: String? = nil, configDirectory: String? = nil, contextName: String = "default") {
        self.endpoint = endpoint
        self.apiVersion = apiVersion
        self.configDirectory = configDirectory ?? DockerConfiguration.configDirectory(EnvironmentLookup(nil))
        self.contextName = contextName
    }

    /// `DOCKER_CONFIG`, else `$HOME/.docker`.
    public static func configDirectory(environment: [String: String]) -> String {
        configDirectory(EnvironmentLookup(environment))
    }

    /// `DOCKER_CONFIG`, else `$HOME/.docker`.
    static func configDirectory(_ environment: EnvironmentLookup) -> String {
        if let dir = environment["DOCKER_CONFIG"], !dir.isEmpty { return dir }
        return FileSystem.join(FileSystem.homeDirectory(environment), ".docker")
    }

    /// Resolves like the docker CLI: `DOCKER_HOST` (with `DOCKER_TLS_VERIFY`/`DOCKER_TLS`
    /// and `DOCKER_CERT_PATH`), else `DOCKER_CONTEXT`, else `currentContext` from
    /// `config.json`, else `unix:///var/run/docker.sock`. `DOCKER_API_VERSION` pins the version.
    public static func resolve(environment: [String: String]? = nil) throws -> DockerConfiguration {
        // The process environment is read name by name: only a few are needed.
        let env = EnvironmentLookup(environment)
        let configDir = configDirectory(env)
        var pinned: String? = nil
        if let v = env["DOCKER_API_VERSION"], !v.isEmpty {
            let version = v.hasPrefix("v") ? String(v.dropFirst()) : v
            guard APIVersion(version) != nil else {
                throw DockerError.configuration("DOCKER_API_VERSION \"\(v)\" is not a version like 1.41")
            }
            pinned = version
        }

        // The CLI: DOCKER_HOST wins and means the default context.
        if let host = env["DOCKER_HOST"], !host.isEmpty {
            let endpoint = try DockerEndpoint.parse(host, tls: tlsFromEnvironment(env, configDir: configDir))
            return DockerConfiguration(endpoint: endpoint, apiVersion: pinned, configDirectory: configDir, contextName: "default")
        }
        var contextName = "default"
        if let ctx = env["DOCKER_CONTEXT"], !ctx.isEmpty {
            contextName = ctx
        } else {
            let file = try DockerConfigFile.load(directory: configDir)
            if let ctx = file.currentContext, !ctx.isEmpty { contextName = ctx }
        }
        if contextName == "default" {
            let endpoint = DockerEndpoint.defaultSocket
            return DockerConfiguration(endpoint: endpoint, apiVersion: pinned, configDirectory: configDir, contextName: "default")
        }
        let endpoint = try contextEndpoint(name: contextName, configDir: configDir)
        return DockerConfiguration(endpoint: endpoint, apiVersion: pinned, configDirectory: configDir, contextName: contextName)
    }

    /// TLS from `DOCKER_TLS_VERIFY` (verify) or `DOCKER_TLS` (encrypt only), files from
    /// `DOCKER_CERT_PATH` (default: the config directory); nil when neither is set.
    static func tlsFromEnvironment(_ env: EnvironmentLookup, configDir: String) -> DockerTLSOptions? {
        let verify = !(env["DOCKER_TLS_VERIFY"] ?? "").isEmpty
        let tls = verify || !(env["DOCKER_TLS"] ?? "").isEmpty
        guard tls else { return nil }
        let certPath = (env["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 }) ?? configDir
        var options = DockerTLSOptions(directory: certPath, verify: verify)
        // As the CLI: verifying needs ca.pem, so a missing one is an error ("open
        // .../ca.pem: no such file or directory") rather than a silent use of system roots.
        if verify, options.caFile == nil { options.caFile = FileSystem.join(certPath, "ca.pem") }
        return options
    }

    /// The docker endpoint of a stored context: `contexts/meta/<sha256(name)>/meta.json`,
    /// TLS material in `contexts/tls/<sha256(name)>/docker/`.
    static func contextEndpoint(name: String, configDir: String) throws -> DockerEndpoint {
        let digest = SHA256.hex(name)
        let metaPath = FileSystem.join(configDir, "contexts/meta/\(digest)/meta.json")
        guard let bytes = FileSystem.readFile(metaPath) else {
            throw DockerError.configuration("context \"\(name)\" does not exist (no \(metaPath))")
        }
        let meta: DockerContextMeta
        do {
            meta = try JSONValueDecoding.decode(DockerContextMeta.self, from: bytes)
        } catch {
            throw DockerError.configuration("context \"\(name)\": \(metaPath) is not valid JSON")
        }
        guard let docker = meta.Endpoints?["docker"], let host = docker.Host, !host.isEmpty else {
            throw DockerError.configuration("context \"\(name)\" has no docker endpoint")
        }
        let tlsDir = FileSystem.join(configDir, "contexts/tls/\(digest)/docker")
        var tls: DockerTLSOptions? = nil
        let skipVerify = docker.SkipTLSVerify ?? false
        if FileSystem.exists(tlsDir) {
            tls = DockerTLSOptions(directory: tlsDir, verify: !skipVerify)
        } else if skipVerify {
            tls = DockerTLSOptions(verify: false)
        }
        return try DockerEndpoint.parse(host, tls: tls)
    }
}
