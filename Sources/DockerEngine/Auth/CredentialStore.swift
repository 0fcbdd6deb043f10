// CredentialStore: stores and erases registry credentials as `docker login` / `docker
// logout` do: through the credential helper config.json names, else in its `auths`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing credentials to the docker CLI's config (`$DOCKER_CONFIG/config.json`).
public enum CredentialStore {
    /// The key `docker login` stores a registry under: Docker Hub (no registry,
    /// `docker.io`, `index.docker.io`) under ``RegistryAuth/dockerHubServer``, any other
    /// as given (`127.0.0.1:5000`).
    public static func key(for registry: String?) -> String {
        guard let r = registry, !r.isEmpty else { return RegistryAuth.dockerHubServer }
        let host = RegistryAuth.hostname(r)
        if host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" { return RegistryAuth.dockerHubServer }
        return r
    }

    /// Stores `credentials` under their server: with the helper of `credHelpers[server]`
    /// or `credsStore` (`docker-credential-NAME store`), else as `auths[server]` =
    /// `{auth: base64(user:password)}` (plus `identitytoken` when there is one). Other
    /// keys of config.json are kept; the file is written with mode 0600.
    public static func store(_ credentials: RegistryCredentials, configDirectory: String) throws {
        var root = try load(configDirectory)
        let server = credentials.serverAddress
        if let helper = helper(root, server) {
            let secret = credentials.identityToken ?? credentials.password ?? ""
            let user = credentials.identityToken != nil ? "<token>" : (credentials.username ?? "")
            let payload = JSONValue.object(["ServerURL": .string(server), "Username": .string(user), "Secret": .string(secret)])
            try runHelper(helper, "store", payload.encoded(), server)
            // The CLI leaves an empty entry in auths so `docker logout` knows the server.
            var auths = objectValue(root["auths"])
            auths[server] = .object([:])
            root["auths"] = .object(auths)
        } else {
            var entry: [String: JSONValue] = [:]
            let pair = (credentials.username ?? "") + ":" + (credentials.identityToken == nil ? (credentials.password ?? "") : "")
            entry["auth"] = .string(Base64.encode(Array(pair.utf8)))
            if let token = credentials.identityToken { entry["identitytoken"] = .string(token) }
            var auths = objectValue(root["auths"])
            auths[server] = .object(entry)
            root["auths"] = .object(auths)
        }
        try save(root, configDirectory)
    }

    /// Removes the credentials of `server` (the helper's `erase`, and the `auths` entry);
    /// false when there were none.
    @discardableResult
    public static func erase(server: String, configDirectory: String) throws -> Bool {
        var root = try load(configDirectory)
        var auths = objectValue(root["auths"])
        var found = auths.removeValue(forKey: server) != nil
        if let helper = helper(root, server) {
            do {
                try runHelper(helper, "erase", Array(server.utf8), server)
                found = true
            } catch let e as DockerError where e.message.contains("not found") {}
        }
        root["auths"] = .object(auths)
        try save(root, configDirectory)
        return found
    }

    // MARK: the file

    private static func path(_ dir: String) -> String { FileSystem.join(dir, "config.json") }

    private static func load(_ dir: String) throws -> [String: JSONValue] {
        guard let bytes = FileSystem.readFile(path(dir)), !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a }) else { return [:] }
        guard case .object(let o) = try JSONValue.decode(bytes) else {
            throw DockerError(kind: .configuration, message: "\(path(dir)) is not a JSON object")
        }
        return o
    }

    private static func save(_ root: [String: JSONValue], _ dir: String) throws {
        mkdir(dir, 0o700)
        let target = path(dir)
        let temporary = target + ".tmp-\(getpid())"
        let bytes = JSONValue.object(root).encoded()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw DockerError(kind: .configuration, message: "cannot write \(temporary)") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { close(fd); unlink(temporary); throw DockerError(kind: .configuration, message: "cannot write \(temporary)") }
            written += n
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw DockerError(kind: .configuration, message: "cannot replace \(target)")
        }
    }

    private static func objectValue(_ v: JSONValue?) -> [String: JSONValue] {
        if case .object(let o)? = v { return o }
        return [:]
    }

    /// The helper for `server`: `credHelpers[server]`, else `credsStore`.
    private static func helper(_ root: [String: JSONValue], _ server: String) -> String? {
        if case .string(let h)? = objectValue(root["credHelpers"])[server], !h.isEmpty { return h }
        if case .string(let h)? = root["credsStore"], !h.isEmpty { return h }
        return nil
    }

    private static func runHelper(_ helper: String, _ action: String, _ input: [UInt8], _ server: String) throws {
        guard !helper.contains("/") else { throw DockerError(kind: .credentials, message: "invalid credential helper name \(helper)") }
        let program = "docker-credential-" + helper
        let (status, out) = try CredentialHelper.run(program, arguments: [action], input: input)
        if status == 0 { return }
        if status == 127 { throw DockerError(kind: .credentials, message: "\(program) is not installed (config.json names it)") }
        let text = String(decoding: out.prefix(200), as: UTF8.self)
        let reason = text.contains("not found") ? "credentials not found" : "exit \(status)"
        throw DockerError(kind: .credentials, message: "\(program) \(action) failed for \(server): \(reason)")
    }
}
