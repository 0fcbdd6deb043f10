// FakeDaemon.swift: a tiny HTTP/1.1 server on a unix socket that answers a few
// Docker Engine API GETs with fixed JSON, so the REPL's live completion can be
// tested end to end without a daemon.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class FakeDaemon: @unchecked Sendable {
    let path: String
    private let listener: Int32
    /// The paths requested so far.
    private let lock = NSLock()
    private var seen: [String] = []

    /// Starts listening at a fresh socket path; `routes` maps a path (without the
    /// `/v1.xx` prefix and query) to a JSON body.
    init(routes: [String: String]) throws {
        let path = "/tmp/dsh-fake-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        self.path = path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TerminalError.setup("socket failed") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            let bytes = Array(path.utf8)
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw TerminalError.setup("bind/listen failed") }
        listener = fd
        Thread { [self] in
            while true {
                let conn = accept(fd, nil, nil)
                if conn < 0 { return }  // stopped
                Thread { self.serve(conn, routes) }.start()
            }
        }.start()
    }

    /// The paths requested so far.
    var requests: [String] { lock.lock(); defer { lock.unlock() }; return seen }

    private func serve(_ conn: Int32, _ routes: [String: String]) {
        defer { close(conn) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            // One request head (GETs carry no body).
            while !pending.containsHeadEnd {
                let n = read(conn, &buffer, buffer.count)
                if n <= 0 { return }
                pending += buffer[0..<n]
            }
            let end = pending.headEnd!
            let head = String(decoding: pending[0..<end], as: UTF8.self)
            pending.removeFirst(end + 4)
            let target = head.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            var route = target.split(separator: "?").first.map(String.init) ?? target
            if route.hasPrefix("/v1."), let slash = route.dropFirst(1).firstIndex(of: "/") { route = String(route[slash...]) }
            lock.lock(); seen.append(route); lock.unlock()
            let body: String
            let status: String
            if route == "/_ping" {
                body = "OK"; status = "200 OK"
            } else if let json = routes[route] {
                body = json; status = "200 OK"
            } else {
                body = "{\"message\":\"no such route \(route)\"}"; status = "404 Not Found"
            }
            let response = "HTTP/1.1 \(status)\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            let bytes = Array(response.utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { write(conn, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                sent += n
            }
        }
    }

    /// Stops listening and removes the socket.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }
}

private extension Array where Element == UInt8 {
    var headEnd: Int? {
        guard count >= 4 else { return nil }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return i }
        return nil
    }
    var containsHeadEnd: Bool { headEnd != nil }
}
