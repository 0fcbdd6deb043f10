// Unit: endpoint parsing and resolution like the CLI (DOCKER_HOST, contexts, TLS, version pin),
// SHA-256, base64url auth headers, config.json credentials and helpers, redaction.
@testable import DockerEngine
import Testing

struct ConfigurationTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func parsesHosts() throws {
        #expect(try DockerEndpoint.parse("unix:///var/run/docker.sock") == .unix(path: "/var/run/docker.sock"))
        #expect(try DockerEndpoint.parse("tcp://10.0.0.1:2375") == .tcp(host: "10.0.0.1", port: 2375, tls: nil))
        #expect(try DockerEndpoint.parse("tcp://example") == .tcp(host: "example", port: 2375, tls: nil))
        let tls = DockerTLSOptions(verify: true)
        #expect(try DockerEndpoint.parse("tcp://example", tls: tls) == .tcp(host: "example", port: 2376, tls: tls))
        #expect(try DockerEndpoint.parse("tcp://[::1]:9") == .tcp(host: "::1", port: 9, tls: nil))
        #expect(throws: DockerError.self) { _ = try DockerEndpoint.parse("tcp://host:notaport") }
        #expect(throws: DockerError.self) { _ = try DockerEndpoint.parse("ftp://x") }
        #expect(try DockerEndpoint.parse("ssh://user@host") == .ssh(user: "user", host: "host", port: nil))
    }

    /// A config dir with a context `remote` (TLS files) and config.json naming `current`.
    func makeConfigDir() throws -> TempDir {
        let dir = try TempDir()
        for (name, host) in [("remote", "tcp://remote.example:2376"), ("current", "unix:///run/current.sock")] {
            let digest = SHA256.hex(name)
            try dir.write("contexts/meta/\(digest)/meta.json", #"{"Name":"\#(name)","Metadata":{},"Endpoints":{"docker":{"Host":"\#(host)","SkipTLSVerify":false}}}"#)
        }
        try dir.write("contexts/tls/\(SHA256.hex("remote"))/docker/ca.pem", "ca")
        try dir.write("contexts/tls/\(SHA256.hex("remote"))/docker/cert.pem", "cert")
        try dir.write("contexts/tls/\(SHA256.hex("remote"))/docker/key.pem", "key")
        try dir.write("config.json", #"{"currentContext":"current","auths":{}}"#)
        return dir
    }

    @Test func resolutionOrderMatchesTheCLI() throws {
        let dir = try makeConfigDir()
        let base = ["DOCKER_CONFIG": dir.path, "HOME": "/nonexistent"]

        // DOCKER_HOST wins over everything.
        var env = base
        env["DOCKER_HOST"] = "tcp://h:1"
        env["DOCKER_CONTEXT"] = "remote"
        var c = try DockerConfiguration.resolve(environment: env)
        #expect(c.endpoint == .tcp(host: "h", port: 1, tls: nil))
        #expect(c.contextName == "default")

        // Then DOCKER_CONTEXT, with the context's TLS files.
        env = base
        env["DOCKER_CONTEXT"] = "remote"
        c = try DockerConfiguration.resolve(environment: env)
        let tlsDir = dir.path + "/contexts/tls/\(SHA256.hex("remote"))/docker"
        #expect(c.endpoint == .tcp(host: "remote.example", port: 2376, tls: DockerTLSOptions(caFile: tlsDir + "/ca.pem", certFile: tlsDir + "/cert.pem", keyFile: tlsDir + "/key.pem", verify: true)))
        #expect(c.contextName == "remote")

        // Then currentContext from config.json.
        c = try DockerConfiguration.resolve(environment: base)
        #expect(c.endpoint == .unix(path: "/run/current.sock"))
        #expect(c.contextName == "current")

        // DOCKER_CONTEXT=default means the default socket.
        env = base
        env["DOCKER_CONTEXT"] = "default"
        #expect(try DockerConfiguration.resolve(environment: env).endpoint == .defaultSocket)

        // No config at all: the default socket.
        #expect(try DockerConfiguration.resolve(environment: ["HOME": "/nonexistent"]).endpoint == .defaultSocket)

        // A missing context is a clear error.
        env = base
        env["DOCKER_CONTEXT"] = "nope"
        #expect(throws: DockerError.self) { _ = try DockerConfiguration.resolve(environment: env) }
    }

    @Test func tlsAndVersionFromTheEnvironment() throws {
        let dir = try makeConfigDir()
        try dir.write("certs/ca.pem", "ca")
        let env = ["DOCKER_HOST": "tcp://h", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": dir.path + "/certs",
                   "DOCKER_API_VERSION": "1.40", "HOME": "/nonexistent"]
        let c = try DockerConfiguration.resolve(environment: env)
        #expect(c.endpoint == .tcp(host: "h", port: 2376, tls: DockerTLSOptions(caFile: dir.path + "/certs/ca.pem", verify: true)))
        #expect(c.apiVersion == "1.40")
        let encryptOnly = try DockerConfiguration.resolve(environment: ["DOCKER_HOST": "tcp://h:5", "DOCKER_TLS": "1", "DOCKER_CERT_PATH": "/none", "HOME": "/x"])
        #expect(encryptOnly.endpoint == .tcp(host: "h", port: 5, tls: DockerTLSOptions(verify: false)))
        #expect(throws: DockerError.self) { _ = try DockerConfiguration.resolve(environment: ["DOCKER_API_VERSION": "latest", "HOME": "/x"]) }
        #expect(APIVersion("1.9")! < APIVersion("1.24")!)
    }

    @Test func authHeadersAreBase64URLJSON() throws {
        // Bytes that produce '+' and '/' in standard base64 must come out as '-' and '_'.
        let creds = RegistryCredentials(username: "us>?er", password: "p~~?>>w", serverAddress: "127.0.0.1:5000")
        let header = RegistryAuth.authHeader(creds)
        #expect(!header.contains("+") && !header.contains("/"))
        let json = try JSONValue.decode(try #require(Base64.decode(header)))
        #expect(json == ["username": "us>?er", "password": "p~~?>>w", "serveraddress": "127.0.0.1:5000"])
        #expect(RegistryAuth.authHeader(nil) == "e30=")  // {}
        let config = try JSONValue.decode(try #require(Base64.decode(RegistryAuth.configHeader([creds]))))
        #expect(config["127.0.0.1:5000"]?["username"]?.string == "us>?er")
        #expect(Base64.encodeURL([0xfb, 0xff]) == "-_8=")
        #expect(Base64.encode([0xfb, 0xff]) == "+/8=")
    }

    @Test func credentialsFromConfigAndHelpers() throws {
        let file = try JSONValueDecoding.decode(DockerConfigFile.self, from: Array(#"""
        {"auths":{"https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldA=="},"registry.local:5000":{"auth":"bG9jYWw6cHc="},
                  "tok.example":{"identitytoken":"idt"}},
         "credHelpers":{"helped.example":"fake"}}
        """#.utf8))
        let calls = CallLog()
        let auth = RegistryAuth(config: file) { helper, server in
            calls.add("\(helper) \(server)")
            return Array(#"{"ServerURL":"helped.example","Username":"<token>","Secret":"refresh"}"#.utf8)
        }
        let hub = try #require(try auth.credentials(for: RegistryAuth.server(forImage: "library/busybox")))
        #expect(hub.username == "hub" && hub.password == "secret")
        let local = try #require(try auth.credentials(for: RegistryAuth.server(forImage: "registry.local:5000/team/app:1")))
        #expect(local.username == "local" && local.password == "pw" && local.serverAddress == "registry.local:5000")
        #expect(try auth.credentials(for: "tok.example")?.identityToken == "idt")
        let helped = try #require(try auth.credentials(for: "helped.example"))
        #expect(helped.identityToken == "refresh" && helped.username == nil)
        #expect(calls.all == ["fake helped.example"])
        #expect(try auth.credentials(for: "unknown.example") == nil)
        #expect(RegistryAuth.server(forImage: "busybox") == RegistryAuth.dockerHubServer)
        #expect(RegistryAuth.server(forImage: "docker.io/library/busybox") == RegistryAuth.dockerHubServer)
        #expect(RegistryAuth.server(forImage: "localhost/x") == "localhost")
        // Secrets never print.
        #expect(!"\(local)".contains("pw") && !String(reflecting: local).contains("pw"))
        #expect("\(local)".contains("***"))
    }

    @Test func credentialHelperProcessProtocol() throws {
        // The spawning and stdin/stdout plumbing, with `sh` standing in for a helper.
        let (status, out) = try CredentialHelper.run("sh", arguments: ["-c", "read s; printf '{\"ServerURL\":\"%s\",\"Username\":\"u\",\"Secret\":\"s\"}' \"$s\""], input: Array("reg.example\n".utf8))
        #expect(status == 0)
        #expect(try JSONValue.decode(out)["ServerURL"]?.string == "reg.example")
        let (missing, _) = try CredentialHelper.run("docker-credential-dsh-test-missing", arguments: ["get"], input: [])
        #expect(missing == 127)
        #expect(throws: DockerError.self) { _ = try CredentialHelper.get(helper: "dsh-test-missing", server: "x") }
    }

    @Test func tracesRedactSecrets() {
        let path = DockerTrace.redactedPath("/auth", query: [("password", "hunter2"), ("name", "web"), ("registryToken", "t")])
        #expect(!path.contains("hunter2") && !path.contains("=t&") && !path.hasSuffix("=t"))
        #expect(path.contains("name=web"))
        let error = DockerError.http(status: 409, body: Array(#"{"message":"Conflict. The name is in use"}"#.utf8), method: "POST", path: "/containers/create", apiVersion: "1.41")
        #expect(error.kind == .conflict && error.message == "Conflict. The name is in use" && error.request == "POST /containers/create")
        let versionError = DockerError.http(status: 400, body: Array(#"{"message":"client version 1.52 is too new. Maximum supported API version is 1.41"}"#.utf8), method: "GET", path: "/x", apiVersion: "1.52")
        #expect(versionError.hint?.contains("API version") == true)
    }
}

final class CallLog: @unchecked Sendable {
    private let lock = NIOLockShim()
    private var calls: [String] = []
    func add(_ s: String) { lock.withLock { calls.append(s) } }
    var all: [String] { lock.withLock { calls } }
}

extension ConfigurationTests {
    @Test func sshHostsParseAsTheCLIReadsThem() throws {
        #expect(try DockerEndpoint.parse("ssh://me@host") == .ssh(user: "me", host: "host", port: nil))
        #expect(try DockerEndpoint.parse("ssh://host:2222/") == .ssh(user: nil, host: "host", port: 2222))
        #expect(try DockerEndpoint.parse("ssh://me@[::1]:22").description == "ssh://me@[::1]:22")
        for bad in ["ssh://", "ssh://host/path", "ssh://me:pw@host", "ssh://-oProxyCommand=x", "ssh://host:99999"] {
            #expect(throws: DockerError.self, "\(bad)") { try DockerEndpoint.parse(bad) }
        }
        #expect(SSHDialer.arguments(user: "me", host: "h", port: 2) == ["ssh", "-o", "ConnectTimeout=30", "-T", "-l", "me", "-p", "2", "--", "h", "docker", "system", "dial-stdio"])
    }

    /// Extra ssh flags go first, as the CLI's GetConnectionHelperWithSSHOpts puts them; a
    /// ConnectTimeout or -T among them replaces the default one.
    @Test func sshOptionsComeFirstAndOnlyForSSHHosts() throws {
        #expect(SSHDialer.arguments(user: nil, host: "h", port: nil, options: ["-F", "/c"]) == ["ssh", "-F", "/c", "-o", "ConnectTimeout=30", "-T", "--", "h", "docker", "system", "dial-stdio"])
        #expect(SSHDialer.arguments(user: nil, host: "h", port: nil, options: ["-o", "ConnectTimeout=5", "-T"]) == ["ssh", "-o", "ConnectTimeout=5", "-T", "--", "h", "docker", "system", "dial-stdio"])
        let client = try DockerClient(host: "ssh://me@h:2", sshOptions: ["-i", "/key"])
        #expect(client.endpoint == .ssh(user: "me", host: "h", port: 2, options: ["-i", "/key"]))
        #expect(client.endpoint.description == "ssh://me@h:2")
        #expect(throws: DockerError.self) { try DockerClient(host: "unix:///var/run/docker.sock", sshOptions: ["-v"]) }
        #expect(throws: DockerError.self) { try DockerEndpoint.parse("ssh://h").withSSHOptions(["-o\0x"]) }
    }
}
