// CredentialHelper: runs `docker-credential-NAME get` with the server on stdin (posix_spawn, no Foundation).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The docker credential-helper protocol, `get` only.
enum CredentialHelper {
    /// The helper's stdout for `server`, or nil when it says the credentials are not found.
    /// Throws when the helper is missing or fails otherwise; the message never holds secrets.
    static func get(helper: String, server: String) throws -> [UInt8]? {
        guard !helper.contains("/") else { throw DockerError(kind: .credentials, message: "invalid credential helper name \(helper)") }
        let program = "docker-credential-" + helper
        let (status, out) = try run(program, arguments: ["get"], input: Array(server.utf8))
        if status == 0 { return out }
        let text = String(decoding: out.prefix(512), as: UTF8.self)
        if text.contains("credentials not found") { return nil }
        if status == 127 {
            throw DockerError(kind: .credentials, message: notInstalled(helper))
        }
        throw DockerError(kind: .credentials, message: "\(program) get failed for \(server) (exit \(status))")
    }

    /// The message for a helper that is not on PATH.
    static func notInstalled(_ helper: String) -> String {
        "docker-credential-\(helper) is not installed (config.json names it)"
    }

    /// Runs `program` from PATH, feeding `input`, and returns its status and stdout.
    static func run(_ program: String, arguments: [String], input: [UInt8]) throws -> (Int32, [UInt8]) {
        var inPipe: [Int32] = [0, 0]
        var outPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { throw DockerError(kind: .credentials, message: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 2)
        for fd in inPipe + outPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attr = SpawnSignals.attributes()
        defer { posix_spawnattr_destroy(&attr) }
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, &attr, argv, environ)
        close(inPipe[0])
        close(outPipe[1])
        if rc != 0 {
            close(inPipe[1])
            close(outPipe[0])
            return (127, [])
        }
        input.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = write(inPipe[1], p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        close(inPipe[1])
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(outPipe[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if out.count < 1 << 20 { out.append(contentsOf: buf[0..<n]) }
        }
        close(outPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), out)
    }
}
