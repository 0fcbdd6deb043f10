// DockerConfigFile: the parts of the CLI's config.json that a client needs.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`): the current context and
/// registry credentials. A missing file reads as empty; a malformed one is an error.
public struct DockerConfigFile: Sendable, Decodable {
    /// One entry of `auths`.
    public struct AuthEntry: Sendable, Decodable {
        /// base64 of `user:password`.
        public var auth: String?
        /// Explicit user name (rare; `auth` is the usual form).
        public var username: String?
        /// Explicit password.
        public var password: String?
        /// An identity token (OAuth refresh token).
        public var identitytoken: String?
        /// A registry token.
        public var registrytoken: String?
    }

    /// The context the CLI uses when neither `DOCKER_HOST` nor `DOCKER_CONTEXT` is set.
    public var currentContext: String?
    /// Stored credentials per registry server.
    public var auths: [String: AuthEntry]?
    /// The default credential helper (`docker-credential-<credsStore>`).
    public var credsStore: String?
    /// Per-registry credential helpers.
    public var credHelpers: [String: String]?
    /// The key sequence that detaches from an interactive attach or exec (`ctrl-p,ctrl-q`).
    public var detachKeys: String?

    /// An empty configuration.
    public init() {}

    /// Reads `config.json` in `directory`.
    public static func load(directory: String) throws -> DockerConfigFile {
        let path = FileSystem.join(directory, "config.json")
        guard let bytes = FileSystem.readFile(path) else { return DockerConfigFile() }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return DockerConfigFile() }
        do {
            return try JSONDecoder().decode(DockerConfigFile.self, from: Data(bytes))
        } catch {
            throw DockerError.configuration("cannot read \(path): it is not valid JSON")
        }
    }
}

/// The `meta.json` of a docker CLI context.
struct DockerContextMeta: Decodable {
    struct Endpoint: Decodable {
        var Host: String?
        var SkipTLSVerify: Bool?
    }
    struct MetadataFields: Decodable {
        var Description: String?
    }
    var Name: String?
    var Metadata: MetadataFields?
    var Endpoints: [String: Endpoint]?
}
