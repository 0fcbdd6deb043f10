// CredentialStore: stores and erases registry credentials as `docker login` and
// `docker logout` do: through the credential helper config.json names
// (`credHelpers[server]`, else `credsStore`), else in config.json's `auths` (base64
// `user:password`), the file written whole, other keys kept, mode 0600.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `docker login` keeps credentials.
public enum CredentialStore {
    /// The key credentials for `server` are stored under: Docker Hub's
    /// `https://index.docker.io/v1/`, else the hostname (`127.0.0.1:5000`).
    public static func key(for server: String) -> String {
        let host = RegistryAuth.hostname(server)
        if server.isEmpty || server == RegistryAuth.dockerHubServer || host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" {
            return RegistryAuth.dockerHubServer
        }
        return host
    }

    /// The helper that holds credentials for `key`, if config.json names one.
    public static func helper(for key: String, in config: DockerConfigFile) -> String? {
        if let h = config.credHelpers?[key], !h.isEmpty { return h }
        if let s = config.credsStore, !s.isEmpty { return s }
        return nil
    }

    /// Stores `credentials` (username and password, or an identity token) for their
    /// server; returns where: `docker-credential-NAME` or the config file's path.
    @discardableResult
    public static func store(_ credentials: RegistryCredentials, configDirectory: String) throws -> String {
        let key = self.key(for: credentials.serverAddress)
        let config = try DockerConfigFile.load(directory: configDirectory)
        let user = credentials.identityToken != nil ? "<token>" : (credentials.username ?? "")
        let secret = credentials.identityToken ?? credentials.password ?? ""
        if let helper = helper(for: key, in: config) {
            let payload = JSONValue.object(["ServerURL": .string(key), "Username": .string(user), "Secret": .string(secret)]).encoded()
            try runHelper(helper, "store", payload, key)
            return "docker-credential-" + helper
        }
        var json = try readConfig(configDirectory)
        var auths: [String: JSONValue] = [:]
        if case .object(let a)? = json["auths"] { auths = a }
        var entry: [String: JSONValue] = ["auth": .string(Base64.encode(Array("\(credentials.username ?? ""):\(credentials.password ?? "")".utf8)))]
        if let token = credentials.identityToken { entry["identitytoken"] = .string(token) }
        auths[key] = .object(entry)
        json["auths"] = .object(auths)
        return try writeConfig(json, configDirectory)
    }

    /// Erases the credentials stored for `server`; false when there were none.
    @discardableResult
    public static func erase(server: String, configDirectory: String) throws -> Bool {
        let key = self.key(for: server)
        let config = try DockerConfigFile.load(directory: configDirectory)
        var erased = false
        if let helper = helper(for: key, in: config) {
            erased = (try? runHelper(helper, "erase", Array(key.utf8), key)) != nil
        }
        var json = try readConfig(configDirectory)
        if case .object(var auths)? = json["auths"] {
            let matching = auths.keys.filter { $0 == key || RegistryAuth.hostname($0) == RegistryAuth.hostname(key) }
            for k in matching { auths.removeValue(forKey: k) }
            if !matching.isEmpty {
                json["auths"] = .object(auths)
                try writeConfig(json, configDirectory)
                erased = true
            }
        }
        return erased
    }

    /// Runs `docker-credential-NAME verb` with `input`; the message never holds secrets.
    static func runHelper(_ helper: String, _ verb: String, _ input: [UInt8], _ key: String) throws {
        guard !helper.contains("/") else { throw DockerError(kind: .credentials, message: "invalid credential helper name \(helper)") }
        let program = "docker-credential-" + helper
        let (status, out) = try CredentialHelper.run(program, arguments: [verb], input: input)
        if status == 0 { return }
        if status == 127 { throw DockerError(kind: .credentials, message: "\(program) is not installed (config.json names it)") }
        let text = String(decoding: out.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        throw DockerError(kind: .credentials, message: "\(program) \(verb) failed for \(key) (exit \(status))\(text.isEmpty ? "" : ": " + text)")
    }

    /// config.json as a JSON object (empty when missing), unknown keys kept.
    static func readConfig(_ directory: String) throws -> [String: JSONValue] {
        let path = FileSystem.join(directory, "config.json")
        guard let bytes = FileSystem.readFile(path), bytes.contains(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }) else { return [:] }
        guard case .object(let o)? = try? JSONValue.decode(bytes) else {
            throw DockerError.configuration("cannot read \(path): it is not valid JSON")
        }
        return o
    }

    /// Writes config.json whole (a temporary file renamed over it), mode 0600; returns its path.
    @discardableResult
    static func writeConfig(_ json: [String: JSONValue], _ directory: String) throws -> String {
        mkdir(directory, 0o700)
        let path = FileSystem.join(directory, "config.json")
        let temp = path + ".dsh-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DockerError.configuration("cannot write \(temp): \(String(cString: strerror(errno)))") }
        let bytes = JSONValue.object(json).encoded() + [0x0a]
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                close(fd)
                unlink(temp)
                throw DockerError.configuration("cannot write \(temp): \(String(cString: strerror(errno)))")
            }
            off += n
        }
        fchmod(fd, 0o600)
        close(fd)
        guard rename(temp, path) == 0 else {
            unlink(temp)
            throw DockerError.configuration("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        return path
    }
}
