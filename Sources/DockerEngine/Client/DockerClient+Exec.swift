// Exec endpoints: create, start (hijacked), inspect, and a run-to-end helper.
import NIOCore

/// The outcome of ``DockerClient/runExec(container:command:stdin:environment:workingDir:user:)``.
public struct DockerExecResult: Sendable, Hashable {
    /// The process's exit code.
    public var exitCode: Int
    /// Everything written to stdout.
    public var stdout: [UInt8]
    /// Everything written to stderr.
    public var stderr: [UInt8]
    /// stdout as UTF-8 text.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr as UTF-8 text.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

extension DockerClient {
    /// `POST /containers/{id}/exec`; returns the exec id.
    public func createExec(
        container: String, command: [String], attachStdin: Bool = false, tty: Bool = false,
        environment: [String] = [], workingDir: String? = nil, user: String? = nil
    ) async throws -> String {
        var config: [String: JSONValue] = [
            "Cmd": .array(command.map(JSONValue.string)), "AttachStdin": .bool(attachStdin),
            "AttachStdout": true, "AttachStderr": true, "Tty": .bool(tty),
        ]
        if !environment.isEmpty { config["Env"] = .array(environment.map(JSONValue.string)) }
        if let workingDir { config["WorkingDir"] = .string(workingDir) }
        if let user { config["User"] = .string(user) }
        let json = try await request("POST", "/containers/\(DockerQuery.escape(container))/exec", body: .json(.object(config))).json()
        guard let id = json["Id"]?.string else { throw DockerError.protocolError("exec create returned no Id") }
        return id
    }

    /// `POST /exec/{id}/start` (hijacked): the duplex stream of the process.
    public func startExec(_ id: String, tty: Bool = false) async throws -> DockerHijackedStream {
        try await hijack("POST", "/exec/\(DockerQuery.escape(id))/start", body: .json(["Detach": false, "Tty": .bool(tty)]))
    }

    /// `GET /exec/{id}/json`.
    public func inspectExec(_ id: String) async throws -> JSONValue {
        try await request("GET", "/exec/\(DockerQuery.escape(id))/json").json()
    }

    /// Runs a command in a running container to its end: writes `stdin` (if given) and
    /// half-closes it, collects stdout and stderr, returns the exit code.
    public func runExec(
        container: String, command: [String], stdin: [UInt8]? = nil,
        environment: [String] = [], workingDir: String? = nil, user: String? = nil
    ) async throws -> DockerExecResult {
        let id = try await createExec(container: container, command: command, attachStdin: stdin != nil,
                                      environment: environment, workingDir: workingDir, user: user)
        let stream = try await startExec(id)
        var out: [UInt8] = []
        var err: [UInt8] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let stdin {
                group.addTask {
                    if !stdin.isEmpty { try await stream.write(stdin) }
                    try await stream.closeWrite()
                }
            }
            for try await chunk in stream.frames(tty: false) {
                switch chunk.stream {
                case .stderr: err.append(contentsOf: chunk.bytes.readableBytesView)
                default: out.append(contentsOf: chunk.bytes.readableBytesView)
                }
            }
            try await group.waitForAll()
        }
        await stream.close()
        // The exit code is set once the process is reaped; poll briefly.
        var exit: Int? = nil
        for _ in 0..<100 {
            let info = try await inspectExec(id)
            if info["Running"]?.bool == false, let code = info["ExitCode"]?.int { exit = code; break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return DockerExecResult(exitCode: exit ?? -1, stdout: out, stderr: err)
    }
}
