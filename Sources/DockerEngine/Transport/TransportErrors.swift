// TransportErrors: what a failure of SwiftNIO, BoringSSL or the socket means, said as the
// docker CLI would say it ("connection refused", "the daemon rejected the client
// certificate") instead of a library's internal description.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

enum TransportErrors {
    /// The message for a connection that ended early, whatever the layer that noticed.
    static let closedEarly = "the connection to the daemon closed before the response ended"

    /// The error for a failure of an open connection (HTTP parsing, TLS, the socket).
    static func connection(_ error: any Error) -> DockerError {
        if let e = error as? DockerError { return e }
        if let e = error as? HTTPParserError {
            switch e {
            case .invalidEOFState, .closedConnection:
                return .transport(closedEarly)
            case .headerOverflow:
                return .protocolError("the daemon's response head is too long (its headers never end)")
            default:
                return .protocolError("the daemon sent a malformed response (\(e.debugDescription))")
            }
        }
        if let tls = tlsProblem(error) { return .transport(tls) }
        if let e = error as? IOError {
            if e.errnoCode == ECONNRESET || e.errnoCode == EPIPE { return .transport("the daemon reset the connection") }
            return .transport("the connection to the daemon failed: \(String(cString: strerror(e.errnoCode)))")
        }
        if let e = error as? ChannelError, e == .ioOnClosedChannel || e == .alreadyClosed || e == .eof {
            return .transport("the connection to the daemon closed")
        }
        return .transport("the connection to the daemon failed: \(error)")
    }

    /// What went wrong in a TLS handshake or session, plainly; nil when `error` is not TLS.
    static func tlsProblem(_ error: any Error) -> String? {
        guard let (text, uncleanShutdown) = TLSClientContext.errorText(error) else { return nil }
        if uncleanShutdown {
            return "the daemon ended the TLS session abruptly (it may have rejected the client certificate)"
        }
        let upper = text.uppercased()
        if upper.contains("CERTIFICATE_REQUIRED") || upper.contains("ALERT_BAD_CERTIFICATE") || upper.contains("ALERT_UNKNOWN_CA")
            || upper.contains("ALERT_CERTIFICATE_UNKNOWN") || upper.contains("ALERT_HANDSHAKE_FAILURE") || upper.contains("ALERT_ACCESS_DENIED")
        {
            return "the daemon rejected the client certificate (give the cert.pem and key.pem its CA signed)"
        }
        if upper.contains("CERTIFICATE_VERIFY_FAILED") || upper.contains("FAILEDTOVALIDATEHOSTNAME") || upper.contains("UNABLETOVALIDATE") {
            return "the daemon's certificate is not trusted: it is not signed by the CA given (ca.pem) or does not name this host"
        }
        if upper.contains("WRONG_VERSION_NUMBER") || upper.contains("PACKET_LENGTH_TOO_LONG") || upper.contains("HTTP_REQUEST") {
            return "the daemon does not speak TLS on this port (try tcp:// without TLS, or port 2376)"
        }
        return "the TLS handshake with the daemon failed: \(text)"
    }

    /// The error for a connection that could not be opened to `endpoint`.
    static func connect(_ error: any Error, endpoint: DockerEndpoint) -> DockerError {
        var cause: any Error = error
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first {
            cause = first.error
        }
        let what: String
        if let e = cause as? IOError {
            what = String(cString: strerror(e.errnoCode)).lowercased()
        } else if let e = cause as? DockerError {
            what = e.message
        } else if let e = error as? NIOConnectionError, e.connectionErrors.isEmpty {
            what = "cannot resolve \(e.host)"
        } else {
            what = "\(cause)"
        }
        return .transport("cannot connect to the Docker daemon at \(endpoint): \(what). Is the daemon running?")
    }

    /// Checks that each TLS file exists and can be read, as the CLI's `open FILE: no such
    /// file or directory`.
    static func checkTLSFiles(_ tls: DockerTLSOptions) throws {
        for file in [tls.caFile, tls.certFile, tls.keyFile].compactMap({ $0 }) {
            if access(file, R_OK) != 0 {
                throw DockerError.configuration("open \(file): \(String(cString: strerror(errno)).lowercased())")
            }
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw DockerError.configuration("a TLS client certificate needs both cert.pem and key.pem (only \(tls.certFile ?? tls.keyFile ?? "") was given)")
        }
    }
}
