#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// The inference simulator as an embeddable server: OpenAI- and Anthropic-compatible
/// endpoints backed by a continuous-batching performance model, on one event loop.
///
/// ```swift
/// let sim = try await SimServer.start(profile: .named("tiny"))
/// // point a client at http://127.0.0.1:\(sim.port)/v1
/// try await sim.shutdown()
/// ```
public final class SimServer: Sendable {
    /// Options beyond the common ones of `start(profile:host:port:seed:tracePath:)`.
    public struct Options: Sendable {
        /// The address to bind (loopback by default).
        public var host = "127.0.0.1"
        /// The port; 0 picks a free one.
        public var port = 0
        /// The seed of content, ids and random faults.
        public var seed: UInt64 = 0
        /// Where to write the ground-truth trace (JSON Lines), if anywhere.
        public var tracePath: String?
        /// Whether trace records also carry the prompt and output text.
        public var traceContent = false
        /// Default options.
        public init() {}
    }

    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let engine: SimEngine
    /// The bound port.
    public let port: Int
    /// The bound host.
    public let host: String
    /// The profile being served.
    public let profile: SimProfile

    init(group: MultiThreadedEventLoopGroup, channel: Channel, engine: SimEngine, host: String, port: Int, profile: SimProfile) {
        self.group = group
        self.channel = channel
        self.engine = engine
        self.host = host
        self.port = port
        self.profile = profile
    }

    /// The base URL of the OpenAI-compatible API, e.g. `http://127.0.0.1:PORT/v1`.
    public var baseURL: String { rootURL + "/v1" }

    /// The server's root URL, e.g. `http://127.0.0.1:PORT` (the Anthropic SDK's base URL).
    public var rootURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Starts a simulator serving `profile` on `host:port` (port 0: any free port).
    public static func start(profile: SimProfile, host: String = "127.0.0.1", port: Int = 0, seed: UInt64 = 0,
                             tracePath: String? = nil) async throws -> SimServer {
        var o = Options()
        o.host = host
        o.port = port
        o.seed = seed
        o.tracePath = tracePath
        return try await start(profile: profile, options: o)
    }

    /// Starts a simulator with full options.
    public static func start(profile: SimProfile, options: Options) async throws -> SimServer {
        let trace = try options.tracePath.map { try SimTrace(path: $0) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let engine = SimEngine(loop: loop, profile: profile, seed: options.seed, trace: trace, traceContent: options.traceContent)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 4)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                        try channel.pipeline.syncOperations.addHandler(SimHTTPHandler(engine: engine))
                    }
                }
                .bind(host: options.host, port: options.port).get()
            try await loop.submit { engine.start() }.get()
            let port = channel.localAddress?.port ?? options.port
            return SimServer(group: group, channel: channel, engine: engine, host: options.host, port: port, profile: profile)
        } catch {
            try? await group.shutdownGracefully()
            trace?.close()
            throw SimConfigError("cannot listen on \(options.host):\(options.port): \(error)")
        }
    }

    /// The counters so far.
    public func stats() async throws -> SimStats {
        try await engine.loop.submit { [engine] in
            var s = engine.stats
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            s.loopCPUTimeNs = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
            return s
        }.get()
    }

    /// Stops listening, ends the streams in flight, flushes the trace and frees the event loop.
    public func shutdown() async throws {
        try? await channel.close()
        try? await engine.loop.submit { [engine] in engine.shutdown() }.get()
        try await group.shutdownGracefully()
    }

    /// Completes when the listening socket closes (for the `tapedeck sim` command).
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }
}
