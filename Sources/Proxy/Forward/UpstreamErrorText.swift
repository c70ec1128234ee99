import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Short, plain descriptions of upstream failures.
enum UpstreamErrorText {
    static func describe(_ error: Error) -> String {
        if let e = error as? UpstreamFailure {
            switch e {
            case .closed: return "the upstream closed the connection"
            case .readTimeout: return "no data within the read timeout"
            }
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return "connect timed out" }
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return "\(describe(first.error)) (\(e.host):\(e.port))" }
            if let dns = e.dnsAAAAError ?? e.dnsAError { return "cannot resolve \(e.host): \(dns)" }
            return "\(e)"
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)).lowercased() }
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        if let e = error as? NIOSSLExtraError {
            if e == .failedToValidateHostname { return "TLS: the upstream's certificate is not valid for this host name or address (\(e))" }
            return "TLS: \(e)"
        }
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        return "\(error)"
    }

    static func isTimeout(_ error: Error) -> Bool {
        if let e = error as? UpstreamFailure { return e == .readTimeout }
        if let e = error as? ChannelError, case .connectTimeout = e { return true }
        return false
    }
}
