// SSHHostTests.swift: `ssh://` Docker hosts: the real `dsh` with an `ssh` on its PATH
// that checks its arguments and runs `docker system dial-stdio` against the test
// engine, as ssh would on the remote host (no sshd needed): requests, streams and a
// hijacked exec whose stdin is half-closed all go through the ssh process's pipes.
import Foundation
import Testing

@Suite(.enabled(if: TestEngine.enabled, TestEngine.skipReason))
struct SSHHostTests {
    @Test func requestsStreamsAndExecGoThroughDialStdio() throws {
        guard TestEngine.require() else { return }
        let dir = NSTemporaryDirectory() + "dsh-ssh-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fake = """
            #!/bin/sh
            echo "$@" >> \(dir)/args.log
            while [ "$1" != "--" ]; do shift; done
            shift
            [ "$1" = "fakehost" ] || exit 255
            shift
            DOCKER_HOST="$DSH_REAL_DOCKER_HOST" exec "$@"

            """
        // (dial-stdio reads DOCKER_HOST: the fake hands it the test engine's address.)
        #expect(FileManager.default.createFile(atPath: dir + "/ssh", contents: Data(fake.utf8), attributes: [.posixPermissions: 0o755]))
        let name = TestEngine.uniqueName("ssh")
        defer { TestEngine.removeContainers([name]) }
        let code = """
            print(docker.host, docker.ping())
            let c = docker.containers.create(env.DSH_TEST_IMAGE, cmd: ["sh", "-c", "echo one; echo two; sleep 30"], network: "none", name: args[0])
            c.start()
            print(json(c.exec(["cat"], stdin: "over ssh\\n")))
            print(c.logs(follow: true) | take(2) | map(l => l.text) | collect | json)
            print(docker.connect("ssh://other@fakehost").ping())
            c.remove(force: true)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TerminalSession.binaryPath())
        process.arguments = ["-c", code, name]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = dir + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["DSH_REAL_DOCKER_HOST"] = env["DOCKER_HOST"]
        env["DOCKER_HOST"] = "ssh://tester@fakehost:2222"
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text == """
            ssh://tester@fakehost:2222 OK
            {"exit_code":0,"stdout":"over ssh\\n","stderr":""}
            ["one","two"]
            OK

            """, "\(text)")
        let log = (try? String(contentsOfFile: dir + "/args.log", encoding: .utf8)) ?? ""
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.first == "-o ConnectTimeout=30 -T -l tester -p 2222 -- fakehost docker system dial-stdio", "\(log)")
        #expect(lines.contains("-o ConnectTimeout=30 -T -l other -- fakehost docker system dial-stdio"), "\(log)")
    }
}
