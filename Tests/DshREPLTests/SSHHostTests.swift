// SSHHostTests.swift: `ssh://` Docker hosts through a real OpenSSH server (SSHServer) in
// front of the test engine, with the real `ssh` client: the library's DockerClient and a
// real `dsh` process list containers, run a busybox container (network none), follow its
// logs, exec with stdin (a hijacked stream half-closed through the ssh pipes), and a
// wrong key or a closed port fails at once with ssh's own words.
import DockerEngine
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: TestEngine.enabled, TestEngine.skipReason), .serialized)
struct SSHHostTests {
    @Test func theLibraryReachesTheEngineThroughSSHD() async throws {
        guard TestEngine.require() else { return }
        let server = try SSHServer(engineHost: TestEngine.host)
        defer { server.stop() }
        let name = TestEngine.uniqueName("sshlib")
        defer { TestEngine.removeContainers([name]) }
        let client = try DockerClient(host: server.address, sshOptions: server.options)
        #expect(client.endpoint.description == server.address)
        #expect(try await client.ping() == "OK", "sshd log: \(server.log)")
        let id = try await client.createContainer(name: name, config: .object([
            "Image": .string(TestEngine.image),
            "Cmd": .array(["sh", "-c", "echo one; echo two; echo three"].map(JSONValue.string)),
            "HostConfig": .object(["NetworkMode": "none"]),
        ]))
        try await client.startContainer(id)
        var lines: [String] = []
        for try await line in try await client.containerLogs(id, follow: true).lines(tty: false) { lines.append(line.text) }
        #expect(lines == ["one", "two", "three"])
        let listed = try await client.listContainers(all: true, filters: ["name": ["^/" + name + "$"]])
        #expect(listed.array?.count == 1, "\(listed)")
        #expect(try await client.waitContainer(id) == 0)
        try await client.removeContainer(id, force: true)

        // A key the server does not know, and a port nobody listens on: clear errors, no hang.
        let wrong = try DockerClient(host: server.address, sshOptions: server.wrongKeyOptions)
        await #expect {
            _ = try await wrong.ping()
        } throws: { error in
            "\(error)".contains("Permission denied (publickey)") && "\(error)".contains("ssh exited with status 255")
        }
        let closed = try DockerClient(host: "ssh://\(server.user)@127.0.0.1:\(try SSHServer.freePort())", sshOptions: server.options)
        await #expect {
            _ = try await closed.ping()
        } throws: { error in
            "\(error)".contains("Connection refused") && "\(error)".contains("ssh exited with status 255")
        }
    }

    @Test func aDshProcessRunsAContainerThroughSSHD() throws {
        guard TestEngine.require() else { return }
        let server = try SSHServer(engineHost: TestEngine.host)
        defer { server.stop() }
        let name = TestEngine.uniqueName("ssh")
        defer { TestEngine.removeContainers([name]) }
        let code = """
            let remote = docker.connect(args[1], ssh_options: [args[2], args[3]])
            print(remote.host, remote.ping())
            let c = remote.containers.create(env.DSH_TEST_IMAGE, cmd: ["sh", "-c", "echo one; echo two; sleep 30"], network: "none", name: args[0])
            c.start()
            print(len(remote.containers.list(filters: {name: ["^/" + args[0] + "$"]})))
            print(json(c.exec(["cat"], stdin: "over ssh\\n")))
            print(c.logs(follow: true) | take(2) | map(l => l.text) | collect | json)
            c.remove(force: true)
            try { docker.connect(args[1], ssh_options: [args[2], args[4]]).ping() } catch e { print(e.message) }
            try { docker.connect(args[5], ssh_options: [args[2], args[3]]).ping() } catch e { print(e.message) }
            """
        let closedPort = try SSHServer.freePort()
        let args = [name, server.address, "-F", server.options[1], server.wrongKeyOptions[1], "ssh://\(server.user)@127.0.0.1:\(closedPort)"]
        let (status, text) = try runDsh(code, args)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(status == 0, "\(text)\nsshd log: \(server.log)")
        #expect(Array(lines.prefix(4)) == [
            "\(server.address) OK",
            "1",
            "{\"exit_code\":0,\"stdout\":\"over ssh\\n\",\"stderr\":\"\"}",
            "[\"one\",\"two\"]",
        ], "\(text)")
        #expect(lines.count == 7 && lines[6] == "", "\(text)")
        if lines.count == 7 {
            #expect(lines[4].contains("ssh exited with status 255") && lines[4].contains("Permission denied (publickey)"), "\(lines[4])")
            #expect(lines[5].contains("ssh exited with status 255") && lines[5].contains("Connection refused"), "\(lines[5])")
            #expect(lines[4].contains(server.address) && lines[5].contains(":\(closedPort)"))
        }
    }

    /// Runs `dsh -c code args...` (stdout and stderr together), failing the test and
    /// killing it when it has not ended within 120 s (a hang must not stall the suite).
    func runDsh(_ code: String, _ args: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TerminalSession.binaryPath())
        process.arguments = ["-c", code] + args
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dsh-ssh-\(getpid())-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var waited = 0
        while process.isRunning && waited < 1200 { usleep(100_000); waited += 1 }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("dsh did not end within 120 s")
        }
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }
}
