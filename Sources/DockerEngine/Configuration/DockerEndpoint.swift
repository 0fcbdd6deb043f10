// DockerEndpoint: where the daemon listens (unix socket or TCP, optionally TLS).

/// TLS settings for a TCP endpoint, as `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` or a
/// context's TLS directory give them.
public struct DockerTLSOptions: Sendable, Hashable {
    /// PEM file of the CA that signed the daemon's certificate (nil: system roots).
    public var caFile: String?
    /// PEM client certificate (mutual TLS), if any.
    public var certFile: String?
    /// PEM private key of the client certificate.
    public var keyFile: String?
    /// Whether the daemon's certificate and name are verified.
    public var verify: Bool

    /// TLS options from explicit file paths.
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, verify: Bool = true) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.verify = verify
    }

    /// The docker layout: `ca.pem`, `cert.pem`, `key.pem` in `directory` (missing files are left out).
    public init(directory: String, verify: Bool = true) {
        func file(_ name: String) -> String? {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            return FileSystem.exists(path) ? path : nil
        }
        self.init(caFile: file("ca.pem"), certFile: file("cert.pem"), keyFile: file("key.pem"), verify: verify)
    }
}

/// Where a Docker daemon listens.
public enum DockerEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A unix domain socket at `path`.
    case unix(path: String)
    /// A TCP address, plain or TLS.
    case tcp(host: String, port: Int, tls: DockerTLSOptions?)
    /// A daemon reached through `ssh [options] [-l user] [-p port] -- host docker system
    /// dial-stdio`; `options` are extra ssh flags placed first (`["-F", "ssh_config"]`,
    /// `["-i", "key", "-o", "UserKnownHostsFile=..."]`), as the docker CLI's Go API takes them.
    case ssh(user: String?, host: String, port: Int?, options: [String] = [])

    /// The daemon's default socket, `unix:///var/run/docker.sock`.
    public static let defaultSocket = DockerEndpoint.unix(path: "/var/run/docker.sock")

    /// Parses a `DOCKER_HOST`-style address: `unix:///path`, `tcp://host:port`,
    /// `http://host:port`, `https://host:port` (TLS), and as the CLI does a bare
    /// `host:port` (TCP) or `/path` (a unix socket). A TCP address without a port gets
    /// 2376 with TLS and 2375 without, as the CLI does. `tls` applies to TCP only.
    public static func parse(_ address: String, tls: DockerTLSOptions? = nil) throws -> DockerEndpoint {
        let trimmed = address.trimmingSpaces
        guard let schemeEnd = trimmed.firstRange(of: "://") else {
            // The CLI reads a bare path as a unix socket and a bare host:port as TCP.
            if trimmed.hasPrefix("/") { return .unix(path: trimmed) }
            guard !trimmed.isEmpty, !trimmed.contains("/") else {
                throw DockerError.configuration("invalid Docker host \"\(address)\": expected unix:///path, tcp://host:port or host:port")
            }
            return try parse("tcp://" + trimmed, tls: tls)
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        let rest = String(trimmed[schemeEnd.upperBound...])
        switch scheme {
        case "unix":
            guard !rest.isEmpty else { throw DockerError.configuration("invalid Docker host \"\(address)\": empty socket path") }
            return .unix(path: rest)
        case "tcp", "http", "https":
            var hostPort = rest
            if let slash = hostPort.firstIndex(of: "/") { hostPort = String(hostPort[..<slash]) }
            let effectiveTLS = scheme == "https" ? (tls ?? DockerTLSOptions(verify: true)) : (scheme == "http" ? nil : tls)
            let (host, port) = try splitHostPort(hostPort, defaultPort: effectiveTLS == nil ? 2375 : 2376, original: address)
            return .tcp(host: host, port: port, tls: effectiveTLS)
        case "ssh":
            // ssh://[user@]host[:port], no path (as the CLI's connhelper requires).
            var hostPort = rest
            if hostPort.hasSuffix("/") { hostPort.removeLast() }
            guard !hostPort.isEmpty, !hostPort.contains("/") else {
                throw DockerError.configuration("invalid Docker host \"\(address)\": expected ssh://[user@]host[:port]")
            }
            var user: String? = nil
            if let at = hostPort.lastIndex(of: "@") {
                user = String(hostPort[..<at])
                hostPort = String(hostPort[hostPort.index(after: at)...])
                if user!.isEmpty || user!.contains(":") {
                    throw DockerError.configuration("invalid Docker host \"\(address)\": a password in an ssh:// address is not supported")
                }
            }
            let hasPort = hostPort.hasPrefix("[") ? hostPort.contains("]:") : hostPort.contains(":")
            let (host, port) = try splitHostPort(hostPort, defaultPort: 22, original: address)
            guard !host.hasPrefix("-"), !(user ?? "").hasPrefix("-") else {
                throw DockerError.configuration("invalid Docker host \"\(address)\"")
            }
            return .ssh(user: user, host: host, port: hasPort ? port : nil)
        case "npipe", "fd":
            throw DockerError.configuration("\(scheme):// Docker hosts are not supported on this platform")
        default:
            throw DockerError.configuration("invalid Docker host \"\(address)\": unknown scheme \(scheme)://")
        }
    }

    private static func splitHostPort(_ s: String, defaultPort: Int, original: String) throws -> (String, Int) {
        if s.hasPrefix("[") {  // [ipv6]:port
            guard let close = s.firstIndex(of: "]") else { throw DockerError.configuration("invalid Docker host \"\(original)\"") }
            let host = String(s[s.index(after: s.startIndex)..<close])
            let after = s[s.index(after: close)...]
            if after.isEmpty { return (host, defaultPort) }
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else {
                throw DockerError.configuration("invalid port in Docker host \"\(original)\"")
            }
            return (host, port)
        }
        if let colon = s.lastIndex(of: ":") {
            let host = String(s[..<colon])
            guard let port = Int(s[s.index(after: colon)...]), (1...65535).contains(port) else {
                throw DockerError.configuration("invalid port in Docker host \"\(original)\"")
            }
            return (host.isEmpty ? "localhost" : host, port)
        }
        return (s.isEmpty ? "localhost" : s, defaultPort)
    }

    /// The same ssh endpoint with `options` as its extra ssh flags. Throws for any other
    /// kind of endpoint, and for an option holding a NUL byte (it cannot be an argument).
    public func withSSHOptions(_ options: [String]) throws -> DockerEndpoint {
        guard case .ssh(let user, let host, let port, _) = self else {
            throw DockerError.configuration("ssh options apply to ssh:// Docker hosts only, not \(self)")
        }
        if options.contains(where: { $0.utf8.contains(0) }) {
            throw DockerError.configuration("an ssh option contains a NUL byte")
        }
        return .ssh(user: user, host: host, port: port, options: options)
    }

    /// `unix:///path` or `tcp://host:port`.
    public var description: String {
        switch self {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port, _):
            return "tcp://" + (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        case .ssh(let user, let host, let port, _):
            return "ssh://" + (user.map { $0 + "@" } ?? "") + (host.contains(":") ? "[\(host)]" : host) + (port.map { ":\($0)" } ?? "")
        }
    }

    /// The value of the `Host` request header.
    var hostHeader: String {
        switch self {
        case .unix, .ssh: return "docker"
        case .tcp(let host, let port, _): return (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
