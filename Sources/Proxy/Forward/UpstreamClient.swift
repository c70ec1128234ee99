import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The proxy's outbound HTTP/1.1 client: connections to each upstream opened on the event
/// loop of the client connection they serve, kept alive in a pool per event loop, so that a
/// chunk goes from one socket to the other without a thread hop or a lock, and a small
/// request costs one read and one write on each side.
///
/// Certificates are verified (the system's roots, plus `--ca-file`); redirects are not
/// followed and bodies are not decompressed: responses pass through as the upstream sent them.
/// A kept connection that the upstream closes leaves the pool at once; idle ones close after
/// ``Options/idleTimeout``.
public final class UpstreamClient: Sendable {
    /// Outbound settings.
    public struct Options: Sendable {
        /// A PEM file of extra CA certificates to trust (private CAs), on top of the system's.
        public var caFile: String?
        /// Connect timeout.
        public var connectTimeout: TimeAmount
        /// Longest silence between reads from an upstream before the exchange times out; nil: none.
        public var readTimeout: TimeAmount?
        /// Idle connections kept per upstream and event loop.
        public var maxIdlePerHost: Int
        /// How long an idle connection is kept.
        public var idleTimeout: TimeAmount
        /// Options with defaults: 10 s connect timeout, no read timeout, 256 idle connections kept 60 s.
        public init(caFile: String? = nil, connectTimeout: TimeAmount = .seconds(10), readTimeout: TimeAmount? = nil,
                    maxIdlePerHost: Int = 256, idleTimeout: TimeAmount = .seconds(60)) {
            self.caFile = caFile; self.connectTimeout = connectTimeout; self.readTimeout = readTimeout
            self.maxIdlePerHost = maxIdlePerHost; self.idleTimeout = idleTimeout
        }
    }

    let options: Options
    let tls: NIOSSLContext
    let pools: [ObjectIdentifier: UpstreamPool]

    /// A client whose pools live on the loops of `group` (the server's group, so that both
    /// ends of an exchange share a loop). Throws when the CA file cannot be read as PEM certificates.
    public init(_ options: Options, group: any EventLoopGroup) throws(ProxyConfigError) {
        var config = TLSConfiguration.makeClientConfiguration()
        if let ca = options.caFile {
            do {
                let certs = try NIOSSLCertificate.fromPEMFile(ca)
                guard !certs.isEmpty else { throw ProxyConfigError("no certificates in \(ca)") }
                config.additionalTrustRoots = [.certificates(certs)]
            } catch let e as ProxyConfigError {
                throw e
            } catch {
                throw ProxyConfigError("--ca-file \(ca) is not a readable PEM certificate file: \(error)")
            }
        }
        do { tls = try NIOSSLContext(configuration: config) } catch {
            throw ProxyConfigError("cannot set up TLS for upstreams: \(error)")
        }
        self.options = options
        var pools: [ObjectIdentifier: UpstreamPool] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = UpstreamPool(loop: loop, maxIdle: options.maxIdlePerHost, idleTimeout: options.idleTimeout)
        }
        self.pools = pools
    }

    /// A kept-alive connection to `endpoint` on `loop`, if one is idle. Call on `loop`.
    func idleConnection(to endpoint: UpstreamEndpoint, on loop: any EventLoop) -> UpstreamConnection? {
        pools[ObjectIdentifier(loop)]?.take(endpoint)
    }

    /// Opens a new connection to `endpoint` on `loop` (TLS for https). For https the handshake
    /// may still be under way when the future succeeds; its failure reaches the exchange.
    func connect(to endpoint: UpstreamEndpoint, on loop: any EventLoop) -> EventLoopFuture<UpstreamConnection> {
        let connection = UpstreamConnection(endpoint: endpoint, readTimeout: options.readTimeout, pool: pools[ObjectIdentifier(loop)])
        let tls = endpoint.tls ? self.tls : nil
        return ClientBootstrap(group: loop)
            .connectTimeout(options.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: endpoint.serverName)) }
                    var encoder = HTTPRequestEncoder.Configuration()
                    encoder.automaticallySetFramingHeaders = false  // the forwarder sets them from the client's request
                    try sync.addHandler(HTTPRequestEncoder(configuration: encoder))
                    try sync.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .fireError)))
                    try sync.addHandler(connection)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .map { _ in connection }
    }

    /// Closes every idle connection; call once the server has stopped.
    public func shutdown() async {
        for pool in pools.values {
            try? await pool.loop.submit { pool.closeAll() }.get()
        }
    }
}

/// Where a connection goes: scheme, host and port, and the `Host` header to send.
struct UpstreamEndpoint: Hashable, Sendable {
    var tls: Bool
    var host: String
    var port: Int
    /// The authority as configured, sent as `Host`.
    var authority: String

    init(_ url: UpstreamURL) {
        tls = url.scheme == "https"
        authority = url.authority
        var hostPart = Substring(url.authority)
        var port = tls ? 443 : 80
        if hostPart.hasPrefix("[") {
            // [v6]:port
            let close = hostPart.firstIndex(of: "]") ?? hostPart.endIndex
            let rest = hostPart[close...].dropFirst()
            if rest.first == ":", let p = Int(rest.dropFirst()) { port = p }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":"), let p = Int(hostPart[hostPart.index(after: colon)...]) {
            port = p
            hostPart = hostPart[..<colon]
        }
        host = String(hostPart)
        self.port = port
    }

    /// The name for SNI and certificate checks; nil for an IP address (then NIOSSL checks the
    /// certificate against the address it connected to).
    var serverName: String? {
        if host.contains(":") { return nil }
        if host.split(separator: ".").count == 4, host.allSatisfy({ $0 == "." || $0.isNumber }) { return nil }
        return host
    }
}

/// Idle connections on one event loop. `@unchecked Sendable`: touched only on `loop`.
final class UpstreamPool: @unchecked Sendable {
    let loop: any EventLoop
    let maxIdle: Int
    let idleTimeout: TimeAmount
    var idle: [UpstreamEndpoint: [UpstreamConnection]] = [:]
    var sweep: Scheduled<Void>?

    init(loop: any EventLoop, maxIdle: Int, idleTimeout: TimeAmount) {
        self.loop = loop; self.maxIdle = maxIdle; self.idleTimeout = idleTimeout
    }

    /// The most recently parked live connection to `endpoint`.
    func take(_ endpoint: UpstreamEndpoint) -> UpstreamConnection? {
        guard var list = idle[endpoint], !list.isEmpty else { return nil }
        defer { idle[endpoint] = list }
        while let c = list.popLast() {
            if c.isUsable { return c }
        }
        return nil
    }

    /// Keeps `c` for the next request, or closes it when the pool is full.
    func park(_ c: UpstreamConnection) {
        var list = idle[c.endpoint] ?? []
        guard list.count < maxIdle else { c.close(); return }
        c.idleSince = .now()
        list.append(c)
        idle[c.endpoint] = list
        if sweep == nil { scheduleSweep() }
    }

    /// Forgets `c` (it closed).
    func remove(_ c: UpstreamConnection) {
        guard var list = idle[c.endpoint], let i = list.firstIndex(where: { $0 === c }) else { return }
        list.remove(at: i)
        idle[c.endpoint] = list
    }

    func scheduleSweep() {
        sweep = loop.scheduleTask(in: .nanoseconds(idleTimeout.nanoseconds / 2)) { [self] in
            sweep = nil
            let cutoff = NIODeadline.now() - idleTimeout
            var left = 0
            for (endpoint, list) in idle {
                let (old, keep) = (list.filter { $0.idleSince < cutoff }, list.filter { $0.idleSince >= cutoff })
                idle[endpoint] = keep
                left += keep.count
                for c in old { c.close() }
            }
            if left > 0 { scheduleSweep() }
        }
    }

    func closeAll() {
        sweep?.cancel()
        sweep = nil
        let all = idle.values.flatMap { $0 }
        idle = [:]
        for c in all { c.close() }
    }
}
