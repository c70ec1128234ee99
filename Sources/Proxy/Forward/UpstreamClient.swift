import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Builds the outbound HTTP client: certificate verification on, redirects and
/// decompression off (responses pass through as the upstream sent them), a connection pool
/// sized for thousands of concurrent streams, and fast failure when an upstream refuses.
public enum UpstreamClient {
    /// Outbound settings.
    public struct Options: Sendable {
        /// A PEM file of extra CA certificates to trust (private CAs), on top of the system's.
        public var caFile: String?
        /// Connect timeout.
        public var connectTimeout: TimeAmount
        /// Longest silence between reads from an upstream before the exchange times out; nil: none.
        public var readTimeout: TimeAmount?
        /// Connections per upstream host and event loop kept in the pool.
        public var maxConnectionsPerHost: Int
        /// Options with defaults: 10 s connect timeout, no read timeout.
        public init(caFile: String? = nil, connectTimeout: TimeAmount = .seconds(10), readTimeout: TimeAmount? = nil,
                    maxConnectionsPerHost: Int = 4096) {
            self.caFile = caFile; self.connectTimeout = connectTimeout; self.readTimeout = readTimeout
            self.maxConnectionsPerHost = maxConnectionsPerHost
        }
    }

    /// A client on `group` (it must be the server's group so that both ends share event loops).
    /// Throws when the CA file cannot be read as PEM certificates.
    public static func make(_ options: Options, group: any EventLoopGroup) throws(ProxyConfigError) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = options.caFile {
            do {
                let certs = try NIOSSLCertificate.fromPEMFile(ca)
                guard !certs.isEmpty else { throw ProxyConfigError("no certificates in \(ca)") }
                tls.additionalTrustRoots = [.certificates(certs)]
            } catch let e as ProxyConfigError {
                throw e
            } catch {
                throw ProxyConfigError("--ca-file \(ca) is not a readable PEM certificate file: \(error)")
            }
        }
        var config = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: options.connectTimeout, read: options.readTimeout),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.maxConnectionsPerHost),
            decompression: .disabled)
        config.connectionPool.retryConnectionEstablishment = false
        config.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: group, configuration: config)
    }
}

/// Short, plain descriptions of upstream failures.
enum UpstreamErrorText {
    static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return "connect timed out"
            case .readTimeout: return "no data within the read timeout"
            case .remoteConnectionClosed: return "the upstream closed the connection"
            case .cancelled: return "cancelled"
            default: return "\(e)"
            }
        }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return "\(describe(first.error)) (\(e.host):\(e.port))" }
            return "\(e)"
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)).lowercased() }
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        return "\(error)"
    }

    static func isTimeout(_ error: Error) -> Bool {
        if let e = error as? HTTPClientError { return e == .connectTimeout || e == .readTimeout }
        return false
    }
}
