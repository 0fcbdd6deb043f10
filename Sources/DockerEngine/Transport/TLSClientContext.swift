// TLSClientContext: the TLS layer of a tcp connection to the daemon (SwiftNIO SSL over
// BoringSSL), compiled only with the package trait TLS; without it a TLS endpoint is a
// configuration error and the build never touches BoringSSL.
import NIOCore
#if TLS
import NIOSSL
import NIOPosix
#endif

/// The client side of TLS for one endpoint: its certificates loaded once, a handler added
/// to each new connection.
struct TLSClientContext: Sendable {
    /// What a TLS endpoint fails with when the package trait TLS is off.
    static let unavailable = "this build of dsh has no TLS support (package trait TLS is off)"

    /// Whether this build can speak TLS (the package trait TLS).
    static var isAvailable: Bool {
        #if TLS
        true
        #else
        false
        #endif
    }

    #if TLS
    private let context: NIOSSLContext

    /// Loads the CA, client certificate and key of `tls`; a missing or malformed file is a
    /// configuration error naming it.
    init(_ tls: DockerTLSOptions) throws {
        try TransportErrors.checkTLSFiles(tls)
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        if let ca = tls.caFile { config.trustRoots = .file(ca) }
        config.certificateVerification = tls.verify ? .fullVerification : .none
        if let cert = tls.certFile, let key = tls.keyFile {
            do {
                config.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            } catch {
                throw DockerError.configuration("cannot load the TLS client certificate \(cert): it is not a PEM certificate")
            }
            do {
                config.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                throw DockerError.configuration("cannot load the TLS client key \(key): it is not a PEM private key")
            }
        }
        do {
            context = try NIOSSLContext(configuration: config)
        } catch {
            let files = [tls.caFile, tls.certFile, tls.keyFile].compactMap { $0 }.joined(separator: ", ")
            throw DockerError.configuration("cannot use the TLS files (\(files)): the CA is not a PEM certificate or the key does not match the certificate")
        }
    }

    /// Adds the TLS handler first in a new connection's pipeline; `host` is checked
    /// against the daemon's certificate unless it is an IP address.
    func addHandler(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws {
        let isIP = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : host))
    }

    /// The text of a TLS library error; nil when `error` is not one.
    static func errorText(_ error: any Error) -> (text: String, uncleanShutdown: Bool)? {
        switch error {
        case let e as NIOSSLError:
            if case .handshakeFailed(let inner) = e { return ("\(inner)", false) }
            if case .uncleanShutdown = e { return ("\(e)", true) }
            return ("\(e)", false)
        case let e as BoringSSLError: return ("\(e)", false)
        case let e as NIOSSLExtraError: return ("\(e)", false)
        default: return nil
        }
    }
    #else
    /// Always fails: this build has no TLS.
    init(_ tls: DockerTLSOptions) throws {
        throw DockerError.configuration(TLSClientContext.unavailable)
    }

    /// Never called: no context exists without TLS.
    func addHandler(to pipeline: ChannelPipeline.SynchronousOperations, host: String) throws {
        throw DockerError.configuration(TLSClientContext.unavailable)
    }

    /// Without TLS no error is a TLS library's.
    static func errorText(_ error: any Error) -> (text: String, uncleanShutdown: Bool)? { nil }
    #endif
}

extension DockerClient {
    /// Whether this build speaks TLS to `tcp://` endpoints: the package trait `TLS`, on by
    /// default. Without it, a client for a TLS endpoint fails to be made with "this build
    /// of dsh has no TLS support (package trait TLS is off)".
    public static var supportsTLS: Bool { TLSClientContext.isAvailable }
}
