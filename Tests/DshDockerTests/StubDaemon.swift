// StubDaemon.swift: a small HTTP/1.1 server on a unix socket that answers as a daemon
// would (a handler per request) and records every request, for the tests that need a
// daemon claiming another API version or a request shape the local engine cannot show.
import DockerEngine
import DshCore
@testable import DshDocker
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One request the stub received.
struct StubRequest: Sendable {
    var method: String
    /// The target as sent (`/v1.56/containers/json?all=true`).
    var target: String
    var headers: [(String, String)]
    var body: [UInt8]

    /// The target without the version prefix and query, percent-decoded as the daemon's
    /// router reads it (`/containers/json`).
    var path: String {
        var p = Substring(target.split(separator: "?", maxSplits: 1).first ?? "")
        if p.hasPrefix("/v1."), let slash = p.dropFirst().firstIndex(of: "/") { p = p[slash...] }
        return percentDecode(String(p))
    }

    /// The query's decoded pairs.
    var query: [(String, String)] {
        guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [] }
        return q.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return (percentDecode(String(kv[0])), kv.count > 1 ? percentDecode(String(kv[1])) : "")
        }
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A reply: status, extra headers, body (JSON unless a Content-Type header says otherwise).
struct StubReply: Sendable {
    var status: Int = 200
    var headers: [(String, String)] = []
    var body: String = ""
}

final class StubDaemon: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let handler: @Sendable (StubRequest) -> StubReply
    private let log = Mutex<[StubRequest]>([])

    /// Listens on a fresh socket; `handler` answers each request.
    init(handler: @escaping @Sendable (StubRequest) -> StubReply) throws {
        self.handler = handler
        path = "/tmp/dsh-stub-\(getpid())-\(Int.random(in: 0..<1_000_000)).sock"
        listener = try CountingProxy.listen(path)
        Thread.detach(ThreadBody { [self] in acceptLoop() })
    }

    /// `unix:///...` for `docker.connect` and `DOCKER_HOST`.
    var host: String { "unix://" + path }

    /// Every request so far.
    var requests: [StubRequest] { log.withLock { $0 } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 { return }
            Thread.detach(ThreadBody { [self] in serve(fd) })
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // The head.
            var headEnd: Int?
            while headEnd == nil {
                if let r = StubDaemon.find(buffer, [13, 10, 13, 10]) { headEnd = r; break }
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            let lines = head.split(separator: "\r\n").map(String.init)
            let first = lines[0].split(separator: " ")
            var headers: [(String, String)] = []
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: " ")))
            }
            let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
            let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }
            var body: [UInt8] = []
            if chunked {
                while true {
                    guard let lineEnd = readLine(fd, &buffer, &chunk) else { return }
                    let size = Int(String(decoding: buffer[0..<lineEnd], as: UTF8.self), radix: 16) ?? 0
                    buffer.removeFirst(lineEnd + 2)
                    while buffer.count < size + 2 {
                        let n = read(fd, &chunk, chunk.count)
                        if n <= 0 { return }
                        buffer += chunk[0..<n]
                    }
                    body += buffer[0..<size]
                    buffer.removeFirst(size + 2)
                    if size == 0 { break }
                }
            } else {
                while buffer.count < length {
                    let n = read(fd, &chunk, chunk.count)
                    if n <= 0 { return }
                    buffer += chunk[0..<n]
                }
                body = Array(buffer[0..<length])
                buffer.removeFirst(length)
            }
            let request = StubRequest(method: String(first[0]), target: String(first[1]), headers: headers, body: body)
            log.withLock { $0.append(request) }
            let reply = handler(request)
            var out = "HTTP/1.1 \(reply.status) X\r\n"
            if !reply.headers.contains(where: { $0.0.lowercased() == "content-type" }) { out += "Content-Type: application/json\r\n" }
            for (k, v) in reply.headers { out += "\(k): \(v)\r\n" }
            out += "Content-Length: \(reply.body.utf8.count)\r\n\r\n"
            if request.method != "HEAD" { out += reply.body }
            let bytes = Array(out.utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                sent += n
            }
        }
    }

    private func readLine(_ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8]) -> Int? {
        while true {
            if let r = StubDaemon.find(buffer, [13, 10]) { return r }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// Runs dsh `code` against the stub (no engine needed); the script's value or failure.
/// The client's config directory is `configDirectory` (by default a fresh one that does
/// not exist), never the user's `~/.docker`.
func dshOnStub(
    _ stub: StubDaemon, _ code: String, apiVersion: String? = nil,
    configDirectory: String = "/tmp/dsh-stub-config-\(getpid())-\(Int.random(in: 0..<1_000_000))"
) async throws -> Result<String, ScriptFailure> {
    let host = stub.host
    return try await onThread {
        let sink = TextSink.capture()
        let interp = Interpreter(output: sink, errorOutput: sink)
        DockerBindings.install(into: interp, client: {
            try DockerClient(configuration: DockerConfiguration(
                endpoint: try DockerEndpoint.parse(host, tls: nil), apiVersion: apiVersion, configDirectory: configDirectory))
        })
        // As long as the engine tests' limit: a loaded machine (the whole suite on two
        // cores) can starve the client's tasks for tens of seconds.
        interp.timeLimit = .seconds(120)
        do {
            let v = try interp.evaluate(SourceFile(name: "<stub>", text: code))
            return .success(v.displayString)
        } catch let e as DshError {
            return .failure(ScriptFailure(report: e.report, message: e.message, output: sink.text))
        }
    }
}
