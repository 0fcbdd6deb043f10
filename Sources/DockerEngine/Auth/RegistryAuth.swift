// RegistryAuth: registry credentials from config.json (auths, credsStore, credHelpers) and the auth headers.

/// Credentials for one registry. Their description never shows the secret.
public struct RegistryCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The user name.
    public var username: String?
    /// The password.
    public var password: String?
    /// An identity token (a helper's `<token>` user, or `identitytoken`).
    public var identityToken: String?
    /// A bearer registry token.
    public var registryToken: String?
    /// The registry the credentials are for (`127.0.0.1:5000`, `https://index.docker.io/v1/`).
    public var serverAddress: String

    /// Explicit credentials.
    public init(username: String? = nil, password: String? = nil, identityToken: String? = nil, registryToken: String? = nil, serverAddress: String) {
        self.username = username
        self.password = password
        self.identityToken = identityToken
        self.registryToken = registryToken
        self.serverAddress = serverAddress
    }

    /// The AuthConfig JSON the daemon expects.
    var authConfig: JSONValue {
        var o: [String: JSONValue] = ["serveraddress": .string(serverAddress)]
        if let username { o["username"] = .string(username) }
        if let password { o["password"] = .string(password) }
        if let identityToken { o["identitytoken"] = .string(identityToken) }
        if let registryToken { o["registrytoken"] = .string(registryToken) }
        return .object(o)
    }

    /// `RegistryCredentials(server, user: name, password: ***)`.
    public var description: String {
        "RegistryCredentials(\(serverAddress), user: \(username ?? "-"), secret: \(password != nil || identityToken != nil || registryToken != nil ? "***" : "none"))"
    }
    /// Same as ``description``: secrets never print.
    public var debugDescription: String { description }
}

/// Finds credentials as the docker CLI does and encodes the auth headers.
public struct RegistryAuth: Sendable {
    /// The key Docker Hub credentials are stored under.
    public static let dockerHubServer = "https://index.docker.io/v1/"

    /// The configuration the credentials come from.
    public let config: DockerConfigFile
    /// Runs `docker-credential-<name> get` (replaceable in tests).
    let helperRunner: @Sendable (_ helper: String, _ server: String) throws -> [UInt8]?

    /// Credentials from a config file's contents.
    public init(config: DockerConfigFile) {
        self.config = config
        self.helperRunner = { helper, server in try CredentialHelper.get(helper: helper, server: server) }
    }

    init(config: DockerConfigFile, helperRunner: @escaping @Sendable (String, String) throws -> [UInt8]?) {
        self.config = config
        self.helperRunner = helperRunner
    }

    /// Credentials from `config.json` in `configDirectory`.
    public init(configDirectory: String) throws {
        self.init(config: try DockerConfigFile.load(directory: configDirectory))
    }

    /// The registry an image reference points at: `127.0.0.1:5000/x:1` → `127.0.0.1:5000`;
    /// `busybox`, `library/x`, `docker.io/x` → Docker Hub's key.
    public static func server(forImage reference: String) -> String {
        guard let slash = reference.firstIndex(of: "/") else { return dockerHubServer }
        let first = String(reference[..<slash])
        if first.contains(".") || first.contains(":") || first == "localhost" {
            if first == "docker.io" || first == "index.docker.io" || first == "registry-1.docker.io" { return dockerHubServer }
            return first
        }
        return dockerHubServer
    }

    /// `https://host/path` → `host` (the CLI's ConvertToHostname), Docker Hub unchanged.
    static func hostname(_ server: String) -> String {
        var s = server
        if s.hasPrefix("http://") { s = String(s.dropFirst(7)) } else if s.hasPrefix("https://") { s = String(s.dropFirst(8)) }
        if let slash = s.firstIndex(of: "/") { s = String(s[..<slash]) }
        return s
    }

    /// The stored credentials for `server`: `credHelpers[server]`, else `credsStore`, else `auths`.
    /// Nil when there are none. Throws when a helper fails for another reason than "not found".
    public func credentials(for server: String) throws -> RegistryCredentials? {
        let isHub = server == RegistryAuth.dockerHubServer || RegistryAuth.hostname(server).hasSuffix("docker.io")
        let key = isHub ? RegistryAuth.dockerHubServer : RegistryAuth.hostname(server)
        if let helper = config.credHelpers?[key] ?? config.credHelpers?[RegistryAuth.hostname(server)] {
            return try fromHelper(helper, server: key)
        }
        if let store = config.credsStore, !store.isEmpty {
            do {
                if let c = try fromHelper(store, server: key) { return c }
            } catch let e as DockerError where e.message == CredentialHelper.notInstalled(store) {
                // The CLI goes on without the store (a config.json copied from Docker
                // Desktop names "desktop"): so does this, after saying so once.
                DockerWarnings.shared.warnOnce(
                    "\(e.message); going on without it (with config.json's auths, else anonymously)")
            }
        }
        guard let auths = config.auths else { return nil }
        // Exact key first, then any key whose hostname matches.
        let entry = auths[key] ?? auths.first(where: { RegistryAuth.hostname($0.key) == RegistryAuth.hostname(key) })?.value
        guard let entry else { return nil }
        var creds = RegistryCredentials(serverAddress: key)
        if let auth = entry.auth, !auth.isEmpty {
            guard let decoded = Base64.decode(auth), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
                throw DockerError(kind: .credentials, message: "the stored credentials for \(key) in config.json are malformed")
            }
            creds.username = String(decoding: decoded[..<colon], as: UTF8.self)
            creds.password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        } else {
            creds.username = entry.username
            creds.password = entry.password
        }
        creds.identityToken = entry.identitytoken.flatMap { $0.isEmpty ? nil : $0 }
        creds.registryToken = entry.registrytoken.flatMap { $0.isEmpty ? nil : $0 }
        if creds.username == nil && creds.password == nil && creds.identityToken == nil && creds.registryToken == nil { return nil }
        return creds
    }

    private func fromHelper(_ helper: String, server: String) throws -> RegistryCredentials? {
        guard let out = try helperRunner(helper, server) else { return nil }
        guard let json = try? JSONValue.decode(out) else {
            throw DockerError(kind: .credentials, message: "docker-credential-\(helper) returned malformed output for \(server)")
        }
        let user = json["Username"]?.string ?? ""
        let secret = json["Secret"]?.string ?? ""
        if user.isEmpty && secret.isEmpty { return nil }
        if user == "<token>" { return RegistryCredentials(identityToken: secret, serverAddress: server) }
        return RegistryCredentials(username: user, password: secret, serverAddress: server)
    }

    /// Every credential known (auths, and the helpers for the servers they name), for
    /// `X-Registry-Config` of builds.
    public func allCredentials() -> [RegistryCredentials] {
        var servers = Set<String>()
        for k in config.auths?.keys ?? [:].keys { servers.insert(k) }
        for k in config.credHelpers?.keys ?? [:].keys { servers.insert(k) }
        return servers.sorted().compactMap { try? credentials(for: $0) }
    }

    /// `X-Registry-Auth`: base64url of the AuthConfig JSON, or of `{}` when anonymous.
    public static func authHeader(_ credentials: RegistryCredentials?) -> String {
        Base64.encodeURL((credentials?.authConfig ?? .object([:])).encoded())
    }

    /// `X-Registry-Config`: base64url of `{server: AuthConfig, ...}`.
    public static func configHeader(_ credentials: [RegistryCredentials]) -> String {
        var o: [String: JSONValue] = [:]
        for c in credentials { o[c.serverAddress] = c.authConfig }
        return Base64.encodeURL(JSONValue.object(o).encoded())
    }
}
