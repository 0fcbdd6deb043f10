// TransportMistakeTests: what a user's mistake in reaching the daemon says: a bare
// host:port, missing TLS files, a refused connection, a rejected or untrusted certificate
// (the TLS listener of scripts/engine), a credential helper that is not installed.
@testable import DockerEngine
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct TransportMistakeTests {
    @Test func aBareHostAndPortIsTCP() throws {
        #expect(try DockerEndpoint.parse("127.0.0.1:2375") == .tcp(host: "127.0.0.1", port: 2375, tls: nil))
        #expect(try DockerEndpoint.parse(":2375") == .tcp(host: "localhost", port: 2375, tls: nil))
        #expect(try DockerEndpoint.parse("[::1]:2376") == .tcp(host: "::1", port: 2376, tls: nil))
        #expect(try DockerEndpoint.parse("/run/docker.sock") == .unix(path: "/run/docker.sock"))
        let c = try DockerConfiguration.resolve(environment: ["DOCKER_HOST": "127.0.0.1:2375", "HOME": "/nonexistent"])
        #expect(c.endpoint == .tcp(host: "127.0.0.1", port: 2375, tls: nil))
        #expect(throws: DockerError.self) { _ = try DockerEndpoint.parse("host/path:1") }
        #expect(throws: DockerError.self) { _ = try DockerEndpoint.parse("") }
    }

    @Test func missingTLSFilesAreNamed() throws {
        // The package's own build has its default trait TLS (a host may turn it off).
        #expect(DockerClient.supportsTLS)
        let dir = "/tmp/dsh-no-certs-\(getpid())"
        let env = ["DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": dir, "HOME": "/nonexistent"]
        do {
            _ = try DockerClient(environment: env)
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.kind == .configuration)
            #expect(e.message == "open \(dir)/ca.pem: no such file or directory")
        }
        do {
            _ = try DockerClient(host: "tcp://127.0.0.1:2376", tls: DockerTLSOptions(caFile: "/nonexistent/ca.pem", certFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem"))
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.message == "open /nonexistent/ca.pem: no such file or directory")
        }
    }

    @Test func aRefusedConnectionSaysSo() async throws {
        // A loopback port nobody listens on: bound, then closed.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        close(fd)
        let client = try DockerClient(host: "tcp://127.0.0.1:\(port)", apiVersion: "1.41")
        let expected = "cannot connect to the Docker daemon at tcp://127.0.0.1:\(port): connection refused. Is the daemon running?"
        do {
            _ = try await client.request("GET", "/_ping")
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.kind == .transport)
            #expect(e.message == expected)
        }
        let blocking = try await dockerError { _ = try client.requestBlocking("GET", "/_ping") }
        #expect(blocking?.message == expected)
    }

    @Test(.enabled(if: TestEngine.tlsHost != nil || TestEngine.isCI))
    func tlsMistakesAreSaidPlainly() async throws {
        let host = try #require(TestEngine.tlsHost)
        let certs = try #require(TestEngine.tlsCerts)
        // The request gate on the TLS transport: nothing smuggled, the connection still good.
        let good = try DockerClient(host: host, tls: DockerTLSOptions(directory: certs, verify: true))
        await expectRefused { _ = try await good.request("GET", smuggledPath) }
        await expectRefused { _ = try await good.request("GET", "/_ping", headers: [("X-A", "v\r\nX-Injected: 1")]) }
        await expectRefused { _ = try await good.hijack("POST", "/containers/x/../attach") }
        let blockingRefusal = try await dockerError { _ = try good.requestBlocking("GET", smuggledPath) }
        #expect(blockingRefusal?.kind == .invalidRequest)
        #expect(try await good.ping() == "OK")
        // No client certificate: the daemon refuses it.
        let noCert = try DockerClient(host: host, tls: DockerTLSOptions(caFile: certs + "/ca.pem", verify: true))
        for blocking in [false, true] {
            do {
                if blocking {
                    _ = try await onThread { try noCert.requestBlocking("GET", "/_ping") }
                } else {
                    _ = try await noCert.ping()
                }
                Issue.record("expected an error")
            } catch let e as DockerError {
                #expect(e.kind == .transport, "\(e)")
                #expect(e.message.hasPrefix("the daemon rejected the client certificate"), "\(e)")
            }
        }
        // A CA that did not sign the daemon's certificate.
        let untrusted = try DockerClient(host: host, tls: DockerTLSOptions(caFile: certs + "/cert.pem", certFile: certs + "/cert.pem", keyFile: certs + "/key.pem", verify: true))
        do {
            _ = try await untrusted.ping()
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.message.hasPrefix("the daemon's certificate is not trusted"), "\(e)")
        }
        // A key that is not a key.
        do {
            _ = try DockerClient(host: host, tls: DockerTLSOptions(caFile: certs + "/ca.pem", certFile: certs + "/cert.pem", keyFile: certs + "/ca.pem"))
            Issue.record("expected an error")
        } catch let e as DockerError {
            #expect(e.kind == .configuration)
            #expect(e.message == "cannot load the TLS client key \(certs)/ca.pem: it is not a PEM private key", "\(e)")
        }
    }

    @Test func aCredsStoreThatIsNotInstalledIsSkippedWithOneWarning() throws {
        let warnings = Mutex<[String]>([])
        DockerWarnings.shared.setHandler { m in warnings.withLock { $0.append(m) } }
        defer { DockerWarnings.shared.setHandler(nil) }
        let helper = "dsh-absent-\(getpid())"
        let config = try JSONValueDecoding.decode(DockerConfigFile.self, from: Array(#"{"credsStore":"\#(helper)","auths":{"127.0.0.1:5000":{"auth":"dTpw"}}}"#.utf8))
        let auth = RegistryAuth(config: config)
        #expect(try auth.credentials(for: RegistryAuth.dockerHubServer) == nil)
        #expect(try auth.credentials(for: "127.0.0.1:5000")?.username == "u")
        #expect(try auth.credentials(for: "other.example") == nil)
        let said = warnings.withLock { $0 }
        #expect(said.count == 1, "\(said)")
        #expect(said.first?.hasPrefix("docker-credential-\(helper) is not installed (config.json names it); going on without it") == true, "\(said)")
    }
}
