import NIOCore
import NIOPosix

/// Checks that a target accepts TCP connections before a run starts, so a wrong URL fails fast.
public enum TargetProbe {
    /// Connects once and closes; throws a ``TargetError`` naming the URL when it cannot.
    public static func check(_ target: Target, group: EventLoopGroup, timeout: TimeAmount = .seconds(3)) async throws {
        let address: SocketAddress
        do { address = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port) } catch {
            throw TargetError("cannot reach target \(target.url): cannot resolve host \"\(target.host)\"")
        }
        do {
            let ch = try await ClientBootstrap(group: group).connectTimeout(timeout).connect(to: address).get()
            try? await ch.close().get()
        } catch {
            throw TargetError("cannot reach target \(target.url): \(reason(error))")
        }
    }

    static func reason(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("refused") || text.contains("111") { return "connection refused" }
        if text.contains("imeout") { return "connection timed out" }
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
