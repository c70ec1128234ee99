import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The HTTP/1.1 server core that every Tapedeck listener runs on: the recording proxy, the
/// admin endpoint, `tapedeck serve` and the inference simulator.
///
/// It speaks HTTP/1.1 with keep-alive and pipelining, reads chunked and content-length
/// request bodies, streams responses with backpressure both ways, and shuts down gracefully.
///
/// ## Plugging in a handler
///
/// Implement ``HTTPHandler`` (one method, called on the connection's event loop when a request
/// head arrives) and pass it in:
///
/// ```swift
/// let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0),
///                         handler: HTTPHandlerClosure { exchange in
///     exchange.collectRequestBody(maxBytes: 1 << 20).whenSuccess { body in
///         exchange.respond(status: .ok, body: body)        // echo
///     }
/// })
/// let address = try await server.start()                   // bound; port known
/// try await server.run()                                    // serves until shut down
/// ```
///
/// - Streaming answers: ``HTTPServerExchange/writeHead(_:)``, then
///   ``HTTPServerExchange/writeBodyPart(_:)`` per chunk — wait for its future before writing
///   more to respect a slow client — then ``HTTPServerExchange/end(trailers:)``, or
///   ``HTTPServerExchange/abort()`` to end abnormally.
/// - Async code: ``HTTPServerExchange/spawn(_:)`` runs it as a child task of ``run()``, and the
///   `async` helpers in `HTTPServerExchange+Async.swift` hop to the event loop for you.
/// - Keep the handler thin: protocol logic belongs in value-type state machines (DESIGN.md).
///
/// ## Lifecycle
///
/// ``HTTPServer`` is a ServiceLifecycle `Service`. On graceful shutdown (or ``shutdown()``) it
/// stops accepting, lets in-flight responses finish for up to ``Configuration/drain``, closes
/// idle keep-alive connections at once, then closes whatever is left and returns from ``run()``
/// after every spawned task has ended.
public final class HTTPServer: Service, Sendable {
    /// Listener settings.
    public struct Configuration: Sendable {
        /// The address to bind.
        public var host: String
        /// The port to bind; 0 picks a free one.
        public var port: Int
        /// How long in-flight responses may run once shutdown begins.
        public var drain: Duration
        /// Request-body bytes that may wait for the handler before socket reads pause.
        public var requestBodyHighWater: Int
        /// Outbound buffer limits; above `high` a connection is not writable (backpressure).
        public var writeBufferLow: Int
        /// See ``writeBufferLow``.
        public var writeBufferHigh: Int
        /// The listen backlog.
        public var backlog: Int32

        /// Settings with defaults: loopback, a free port, 10 s drain.
        public init(host: String = "127.0.0.1", port: Int = 0, drain: Duration = .seconds(10),
                    requestBodyHighWater: Int = 1 << 20, writeBufferLow: Int = 64 << 10, writeBufferHigh: Int = 256 << 10,
                    backlog: Int32 = 4096) {
            self.host = host; self.port = port; self.drain = drain
            self.requestBodyHighWater = requestBodyHighWater
            self.writeBufferLow = writeBufferLow; self.writeBufferHigh = writeBufferHigh
            self.backlog = backlog
        }
    }

    /// Runs async work for exchanges as children of ``run()``.
    final class Spawner: Sendable {
        let continuation: AsyncStream<@Sendable () async -> Void>.Continuation
        init(_ c: AsyncStream<@Sendable () async -> Void>.Continuation) { continuation = c }
        func spawn(_ work: @escaping @Sendable () async -> Void) { continuation.yield(work) }
    }

    struct State {
        var channel: (any Channel)?
        var connections: [UInt64: any Channel] = [:]
        var nextConnection: UInt64 = 0
        var shuttingDown = false
        var jobsFinished = false
    }

    /// The settings.
    public let configuration: Configuration
    let handler: any HTTPHandler
    let group: any EventLoopGroup
    let logger: Logger
    let state = Mutex(State())
    let jobs: AsyncStream<@Sendable () async -> Void>
    let spawner: Spawner

    /// A server that will answer every request with `handler`.
    public init(configuration: Configuration, handler: any HTTPHandler,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "tapedeck.http")) {
        self.configuration = configuration
        self.handler = handler
        self.group = group
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
        self.jobs = stream
        self.spawner = Spawner(continuation)
    }

    /// The bound address, once ``start()`` has returned.
    public var localAddress: SocketAddress? { state.withLock { $0.channel?.localAddress } }

    /// The bound port, once ``start()`` has returned.
    public var port: Int? { localAddress?.port }

    /// Binds the listener. Throws when the address cannot be bound (in use, not local…).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let c = configuration
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: c.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: c.writeBufferLow, high: c.writeBufferHigh))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let id = register(channel)
                    // Response encoding, pipelining, bad-request answers and header checks are HTTPConnectionHandler's.
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try channel.pipeline.syncOperations.addHandler(HTTPConnectionHandler(
                        handler: handler, connectionID: id, highWater: c.requestBodyHighWater, spawner: spawner, logger: logger))
                }
            }
        let channel = try await bootstrap.bind(host: c.host, port: c.port).get()
        state.withLock { $0.channel = channel }
        guard let address = channel.localAddress else { throw ChannelError.inappropriateOperationForState }
        return address
    }

    /// Serves until graceful shutdown or cancellation; binds first if ``start()`` was not called.
    public func run() async throws {
        if localAddress == nil { try await start() }
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await job in jobs { group.addTask { await job() } }
            } onGracefulShutdown: {
                self.shutdown()
            }
            if Task.isCancelled { closeAll() }
        }
        let channel = state.withLock { $0.channel }
        try? await channel?.close()
    }

    /// Begins a graceful shutdown: stop accepting, finish in-flight responses within the drain
    /// time, then close everything. ``run()`` returns when it is done.
    public func shutdown() {
        let (channel, connections, first) = state.withLock { s -> ((any Channel)?, [any Channel], Bool) in
            let first = !s.shuttingDown
            s.shuttingDown = true
            return (s.channel, Array(s.connections.values), first)
        }
        guard first else { return }
        channel?.close(promise: nil)
        if connections.isEmpty { finishJobs(); return }
        for ch in connections { ch.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        let drain = configuration.drain
        let nanos = drain.components.seconds * 1_000_000_000 + drain.components.attoseconds / 1_000_000_000
        group.next().scheduleTask(in: .nanoseconds(nanos)) { [self] in
            let left = state.withLock { Array($0.connections.values) }
            if !left.isEmpty {
                logger.warning("drain time over: closing in-flight connections", metadata: ["connections": "\(left.count)"])
            }
            closeAll()
        }
    }

    /// Connections open now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    func closeAll() {
        let all = state.withLock { Array($0.connections.values) }
        for ch in all { ch.close(promise: nil) }
    }

    func register(_ channel: any Channel) -> UInt64 {
        let id = state.withLock { s -> UInt64 in
            s.nextConnection += 1
            s.connections[s.nextConnection] = channel
            return s.nextConnection
        }
        let shuttingDown = state.withLock { $0.shuttingDown }
        if shuttingDown { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { [self] _ in
            let done = state.withLock { s -> Bool in
                s.connections[id] = nil
                return s.shuttingDown && s.connections.isEmpty
            }
            if done { finishJobs() }
        }
        return id
    }

    func finishJobs() {
        let first = state.withLock { s -> Bool in
            defer { s.jobsFinished = true }
            return !s.jobsFinished
        }
        if first { spawner.continuation.finish() }
    }
}
