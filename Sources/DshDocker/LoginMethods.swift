// LoginMethods.swift: `docker.login(registry, username:, password:)` checks the
// credentials with the daemon (`POST /auth`) and stores them as `docker login` does;
// `docker.logout(registry)` erases them. Passwords never appear in errors or traces.
import DockerEngine
import DshCore

enum LoginMethods {
    /// `docker.login(registry = Docker Hub, username:, password:)`: `{Status, stored}`.
    static func login(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["username", "password", "registry"])
        try args.atMost(1)
        let registry = try args.string("registry", position: 0) ?? RegistryAuth.dockerHubServer
        guard let username = try args.string("username"), !username.isEmpty else { throw DshError.runtime("\(args.function): username: is required") }
        guard let password = try args.string("password"), !password.isEmpty else { throw DshError.runtime("\(args.function): password: is required") }
        let key = CredentialStore.key(for: registry)
        let body = MapRef()
        body["username"] = .string(username)
        body["password"] = .string(password)
        body["serveraddress"] = .string(key)
        let answer = try s.json(rt, Endpoints.auth, body: .map(body))
        var token: String? = nil
        if case .map(let m) = answer, case .string(let t)? = m["IdentityToken"], !t.isEmpty { token = t }
        var creds = RegistryCredentials(username: username, password: token == nil ? password : nil, serverAddress: key)
        creds.identityToken = token
        let directory = try s.client().configuration.configDirectory
        let stored: String
        do { stored = try CredentialStore.store(creds, configDirectory: directory) } catch { throw DockerErrors.map(error) }
        var status: Value = .string("Login Succeeded")
        if case .map(let m) = answer, let st = m["Status"] { status = st }
        return .map(["Status": status, "stored": .string(stored)])
    }

    /// `docker.logout(registry = Docker Hub)`: whether credentials were erased.
    static func logout(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["registry"])
        try args.atMost(1)
        let registry = try args.string("registry", position: 0) ?? RegistryAuth.dockerHubServer
        if s.readOnly { throw DockerErrors.readOnly("LOGOUT", registry) }
        let directory = try s.client().configuration.configDirectory
        do { return .bool(try CredentialStore.erase(server: registry, configDirectory: directory)) } catch { throw DockerErrors.map(error) }
    }
}
