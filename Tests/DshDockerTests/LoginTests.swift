// LoginTests.swift: `docker.login` / `docker.logout` against the real engine and the
// local registry: credentials stored like the CLI (config.json `auths`, mode 0600,
// other keys kept; or the configured credential helper), and erased again.
import DockerEngine
import DshCore
import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Engine.enabled, Engine.skipReason), .serialized)
struct LoginTests {
    /// Runs `code` with DOCKER_CONFIG pointing at `configDir`.
    func dshWithConfig(_ code: String, configDir: String) async throws -> String {
        try await onThread {
            let sink = TextSink.capture()
            let interp = Interpreter(output: sink, errorOutput: sink)
            var environment = Engine.environment
            environment["DOCKER_CONFIG"] = configDir
            let env = environment
            DockerBindings.install(into: interp, client: { try DockerClient(environment: env) })
            do {
                _ = try interp.evaluate(SourceFile(name: "<login>", text: code))
            } catch let e as DshError {
                throw ScriptFailure(report: e.report, message: e.message, output: sink.text)
            }
            interp.output.flush()
            return sink.text
        }
    }

    @Test func loginStoresInConfigJSONAndLogoutErases() async throws {
        guard let registry = Engine.registry else { Issue.record("DSH_TEST_REGISTRY is unset"); return }
        let dir = try TestDir()
        try writeFile(dir.path + "/config.json", "{\"detachKeys\": \"ctrl-x\", \"auths\": {\"other.example\": {\"auth\": \"eDp5\"}}}")
        let out = try await dshWithConfig("""
            let r = docker.login(\(lit(registry)), username: "dsh-user", password: "s3cret")
            print(r.Status, r.stored == \(lit(dir.path + "/config.json")))
            """, configDir: dir.path)
        #expect(out == "Login Succeeded true\n")
        var st = stat()
        #expect(stat(dir.path + "/config.json", &st) == 0 && st.st_mode & 0o777 == 0o600)
        let config = try JSONValue.decode(Array((readText(dir.path + "/config.json") ?? "").utf8))
        #expect(config["detachKeys"]?.string == "ctrl-x")
        #expect(config["auths"]?["other.example"]?["auth"]?.string == "eDp5")
        #expect(config["auths"]?[registry]?["auth"]?.string == Base64.encode(Array("dsh-user:s3cret".utf8)))
        // What was stored is what pull and push now send.
        let creds = try RegistryAuth(configDirectory: dir.path).credentials(for: registry)
        #expect(creds?.username == "dsh-user" && creds?.password == "s3cret")
        let out2 = try await dshWithConfig("print(docker.logout(\(lit(registry))), docker.logout(\(lit(registry))))", configDir: dir.path)
        #expect(out2 == "true false\n")
        let after = try JSONValue.decode(Array((readText(dir.path + "/config.json") ?? "").utf8))
        #expect(after["auths"]?[registry] == nil)
        #expect(after["auths"]?["other.example"] != nil)
    }

    @Test func loginUsesTheConfiguredCredentialHelper() async throws {
        guard let registry = Engine.registry else { Issue.record("DSH_TEST_REGISTRY is unset"); return }
        let dir = try TestDir()
        let bin = dir.path + "/bin"
        mkdir(bin, 0o755)
        try writeFile(bin + "/docker-credential-dshtest", """
            #!/bin/sh
            case "$1" in
              store) cat > "\(dir.path)/stored.json" ;;
              erase) cat > "\(dir.path)/erased.txt" ;;
              get) echo '{"ServerURL":"x","Username":"u","Secret":"s"}' ;;
            esac

            """, mode: 0o755)
        try writeFile(dir.path + "/config.json", "{\"credsStore\": \"dshtest\"}")
        // The real dsh in a child process whose PATH finds the helper (this process's
        // environment is shared by the tests running beside this one).
        let root = String(#filePath.split(separator: "/").dropLast(3).joined(separator: "/"))
        let binary = Engine.environment["DSH_BINARY"] ?? "/" + root + "/.build/debug/dsh"
        let code = """
            print(docker.login(\(lit(registry)), username: "helper-user", password: "pw").stored)
            print(docker.logout(\(lit(registry))))
            """
        let run = runCommand(["env", "PATH=\(bin):" + String(cString: getenv("PATH")), "DOCKER_CONFIG=\(dir.path)", binary, "-c", code])
        #expect(run.status == 0 && run.output == "docker-credential-dshtest\ntrue\n", "\(run.output)")
        let stored = try JSONValue.decode(Array((readText(dir.path + "/stored.json") ?? "").utf8))
        #expect(stored["ServerURL"]?.string == registry && stored["Username"]?.string == "helper-user" && stored["Secret"]?.string == "pw")
        #expect(readText(dir.path + "/erased.txt") == registry)
        // config.json holds no password.
        #expect(readText(dir.path + "/config.json")?.contains("pw") == false)
        let failure = try await dshWithConfig("""
            try { docker.login(\(lit(registry)), username: "u") } catch e { print(e.message) }
            """, configDir: dir.path)
        #expect(failure == "docker.login: password: is required\n")
    }
}
