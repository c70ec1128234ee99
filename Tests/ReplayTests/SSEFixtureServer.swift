import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny OpenAI-style streaming server on 127.0.0.1 for the load client's tests (a real
/// server on a real socket; the inference simulator replaces it where it is available).
///
/// It streams `min(max_tokens, maxTokens)` content events `interval` apart, then usage and
/// `[DONE]`; it can answer chosen requests with an error status, stall, or close idle
/// connections like uvicorn's keep-alive timeout.
final class SSEFixtureServer: Sendable {
    struct Behavior: Sendable {
        var maxTokens = 8
        var interval: TimeAmount = .milliseconds(2)
        var firstTokenDelay: TimeAmount = .milliseconds(5)
        /// Request number (1-based) → status to answer with instead of streaming.
        var statusFor: @Sendable (Int) -> Int? = { _ in nil }
        /// Requests that never answer.
        var stall: @Sendable (Int) -> Bool = { _ in false }
        /// Close connections idle this long.
        var idleClose: TimeAmount? = nil
        /// Leave out usage.
        var omitUsage = false
    }

    struct Seen: Sendable {
        var number: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var json: JSON?
        var connection: ObjectIdentifier
    }

    let group: MultiThreadedEventLoopGroup
    let channel: Channel
    let behavior: Behavior
    let seen = Mutex<[Seen]>([])
    let counter = Mutex(0)
    let connections = Mutex(0)

    var port: Int { channel.localAddress!.port! }  // Bound to 127.0.0.1:0 in init.
    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Seen] { seen.withLock { $0 } }

    init(_ behavior: Behavior = Behavior()) throws {
        self.behavior = behavior
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let box = ServerBox()
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                    try ch.pipeline.syncOperations.addHandler(FixtureHandler(server: box.server!))  // Set right after bind.
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        box.server = self
    }

    func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    func next() -> Int { counter.withLock { $0 += 1; return $0 } }
}

/// Lets the child initializer reach the server once it exists.
final class ServerBox: @unchecked Sendable {  // Written once before any connection is accepted.
    var server: SSEFixtureServer?
}

final class FixtureHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let server: SSEFixtureServer
    var head: HTTPRequestHead?
    var body: [UInt8] = []
    var idleTimer: Scheduled<Void>?

    init(server: SSEFixtureServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) {
        server.connections.withLock { $0 += 1 }
        armIdle(context)
        context.fireChannelActive()
    }

    func armIdle(_ context: ChannelHandlerContext) {
        idleTimer?.cancel()
        guard let idle = server.behavior.idleClose else { return }
        let ch = context.channel
        idleTimer = context.eventLoop.scheduleTask(in: idle) { ch.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h; body = []; idleTimer?.cancel()
        case .body(let b): body += Array(b.readableBytesView)
        case .end: respond(context)
        }
    }

    func respond(_ context: ChannelHandlerContext) {
        let n = server.next()
        let json = try? JSON.parse(body)
        server.seen.withLock {
            $0.append(.init(number: n, headers: head?.headers.map { ($0.name, $0.value) } ?? [], body: body, json: json,
                            connection: ObjectIdentifier(context.channel)))
        }
        let b = server.behavior
        if b.stall(n) { return }
        if let status = b.statusFor(n) {
            var h = HTTPHeaders()
            h.add(name: "content-length", value: "2")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: h))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "no")))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            armIdle(context)
            return
        }
        let tokens = min(json?["max_tokens"]?.intValue ?? b.maxTokens, b.maxTokens)
        var h = HTTPHeaders()
        h.add(name: "content-type", value: "text/event-stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
        let loop = context.eventLoop
        let ctx = NIOLoopBound(context, eventLoop: loop)
        func event(_ s: String) -> HTTPServerResponsePart { .body(.byteBuffer(ByteBuffer(string: "data: \(s)\n\n"))) }
        for k in 0..<tokens {
            let at = b.firstTokenDelay + .nanoseconds(b.interval.nanoseconds * Int64(k))
            loop.scheduleTask(in: at) {
                ctx.value.writeAndFlush(self.wrapOutboundOut(event(#"{"choices":[{"index":0,"delta":{"content":"w\#(k) "}}]}"#)), promise: nil)
            }
        }
        let endAt = b.firstTokenDelay + .nanoseconds(b.interval.nanoseconds * Int64(tokens))
        loop.scheduleTask(in: endAt) {
            let c = ctx.value
            if !b.omitUsage {
                c.write(self.wrapOutboundOut(event(#"{"choices":[],"usage":{"prompt_tokens":\#(self.body.count / 4),"completion_tokens":\#(tokens)}}"#)), promise: nil)
            }
            c.write(self.wrapOutboundOut(event("[DONE]")), promise: nil)
            c.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            self.armIdle(c)
        }
    }
}
