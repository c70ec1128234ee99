import Logging
import NIOCore
import NIOHTTP1

/// The per-connection channel handler: turns HTTP parts into ``HTTPServerExchange``s, one at a
/// time (NIO's pipelining handler in front holds the next request until a response ends),
/// and holds socket reads while a request body backs up.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: any HTTPHandler
    let connectionID: UInt64
    let highWater: Int
    let spawner: HTTPServer.Spawner?
    let logger: Logger
    var context: ChannelHandlerContext?
    var current: HTTPServerExchange?
    var requests = 0
    var readHeld = false
    private(set) var isQuiescing = false

    init(handler: any HTTPHandler, connectionID: UInt64, highWater: Int, spawner: HTTPServer.Spawner?, logger: Logger) {
        self.handler = handler
        self.connectionID = connectionID
        self.highWater = highWater
        self.spawner = spawner
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let ex = HTTPServerExchange(
                head: head, eventLoop: context.eventLoop, remoteAddress: context.channel.remoteAddress,
                connectionID: connectionID, index: requests, monoNs: HostFacts.monoNs(), unixNs: HostFacts.unixNs(),
                connection: self, highWater: highWater, spawner: spawner)
            requests += 1
            current = ex
            handler.handle(ex)
        case .body(let buffer):
            current?.receive(.bytes(buffer))
        case .end(let trailers):
            current?.receive(.end(trailers))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let ex = current {
            current = nil
            ex.connectionClosed()
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        current?.writabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { isQuiescing = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("connection error", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if let ex = current, ex.wantsReadPause {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: From the exchange

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ part: HTTPServerResponsePart, flush: Bool, promise: EventLoopPromise<Void>?) {
        guard let context else { promise?.fail(HTTPServerExchangeError.clientGone); return }
        context.write(wrapOutboundOut(part), promise: promise)
        if flush { context.flush() }
    }

    func flush() { context?.flush() }

    func resumeReadingIfPaused() {
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }

    func exchangeMayBeDone(_ ex: HTTPServerExchange) {
        if current === ex, ex.isDone { current = nil }
    }

    func close() {
        context?.close(promise: nil)
    }
}
