import Logging
import NIOCore
import NIOHTTP1

/// The per-connection channel handler: turns HTTP parts into ``HTTPServerExchange``s, one at a
/// time, and holds socket reads while a request body backs up.
///
/// It also does what NIO's response encoder and its pipelining, protocol-error and
/// header-validation handlers would do in front of it, so that each response part goes from the
/// exchange to the socket's write queue in one step (each of those four handlers cost a
/// pipeline hop, a type check and a retain or two on every streamed chunk, and the encoder
/// three writes per chunk):
/// - **Encoding** (``HTTPResponseWriter``): parts are framed into one buffer that becomes one
///   write at a flush, so the chunks of one upstream read go out as one buffer.
/// - **Pipelining.** A request that arrives while the one before it is still being answered is
///   held, with socket reads, until that exchange is done (request and response both ended).
/// - **Bad requests.** A request the decoder cannot parse gets `400 Bad Request` and
///   `Connection: close` when no response has begun, and the connection closes.
/// - **Response heads** with a header name or value that may not be sent (a control byte, a
///   delimiter in a name) are not written: the connection closes instead.
/// - **Graceful shutdown** (`ChannelShouldQuiesceEvent`): an idle connection closes at once, a
///   busy one once its exchange is done.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let handler: any HTTPHandler
    let connectionID: UInt64
    let highWater: Int
    let spawner: HTTPServer.Spawner?
    let logger: Logger
    var context: ChannelHandlerContext?
    var writer = HTTPResponseWriter(allocator: ByteBufferAllocator())
    var current: HTTPServerExchange?
    /// Parts of requests that came while an earlier exchange was not done, in order.
    var queued = CircularBuffer<HTTPServerRequestPart>()
    var draining = false
    var requests = 0
    var readHeld = false
    /// A response head has been written and its end not yet.
    var responseOpen = false
    /// Parts are no longer written (a head could not be sent).
    var dropping = false
    private(set) var isQuiescing = false

    init(handler: any HTTPHandler, connectionID: UInt64, highWater: Int, spawner: HTTPServer.Spawner?, logger: Logger) {
        self.handler = handler
        self.connectionID = connectionID
        self.highWater = highWater
        self.spawner = spawner
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writer = HTTPResponseWriter(allocator: context.channel.allocator)
    }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Whether the current exchange still has a request or a response to finish.
    var busy: Bool { current.map { !$0.isDone } ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !queued.isEmpty || (busy && part.isHead) {
            queued.append(part)
            return
        }
        dispatch(part, context: context)
    }

    func dispatch(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
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

    /// Hands held requests on, in order, while no exchange is busy.
    func drain() {
        guard !draining, let context else { return }
        draining = true
        defer { draining = false }
        while let part = queued.first, !(busy && part.isHead), !isQuiescing {
            queued.removeFirst()
            dispatch(part, context: context)
        }
        resumeReadingIfPaused()
    }

    func channelInactive(context: ChannelHandlerContext) {
        queued.removeAll()
        _ = writer.take()
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
        if event is ChannelShouldQuiesceEvent {
            isQuiescing = true
            queued.removeAll()
            if !busy { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError, !responseOpen, !dropping {
            // As NIO's HTTPServerProtocolErrorHandler: tell the client, then close.
            let head = HTTPResponseHead(version: .http1_1, status: .badRequest,
                                        headers: HTTPHeaders([("Connection", "close"), ("Content-Length", "0")]))
            writer.head(head, requestMethod: .GET)
            writer.end(nil)
            emit(context: context, promise: nil, flush: true)
        }
        logger.debug("connection error", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if !queued.isEmpty || current?.wantsReadPause == true {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: From the exchange

    var isWritable: Bool { context?.channel.isWritable ?? false }

    /// Parts encoded and not flushed are handed to the channel once this many bytes wait, so
    /// that the channel's write-buffer limits (backpressure) see them.
    static let pendingLimit = 16 << 10

    /// Writes a response head (for a request with `requestMethod`, which says whether a body follows).
    func writeHead(_ head: HTTPResponseHead, requestMethod: HTTPMethod, flush: Bool) {
        guard let context, !dropping else { return }
        guard HTTPHeadCheck.canSend(head) else { return refuse(head.headers, promise: nil, context: context) }
        if !HTTPHeadCheck.isInterim(head.status) { responseOpen = true }
        writer.head(head, requestMethod: requestMethod)
        if flush { emit(context: context, promise: nil, flush: true) }
    }

    /// Writes a body part: copied into the pending buffer when small, written on its own when large.
    func writeBody(_ part: ByteBuffer, flush: Bool) {
        guard let context, !dropping else { return }
        if let large = writer.body(part) {
            emit(context: context, promise: nil, flush: false)
            context.write(wrapOutboundOut(.byteBuffer(large)), promise: nil)
            writer.largePartWritten()
        }
        if flush || writer.pendingBytes >= Self.pendingLimit { emit(context: context, promise: nil, flush: flush) }
    }

    /// Writes the response's end and flushes; `promise` completes once it has been written.
    func writeEnd(_ trailers: HTTPHeaders?, promise: EventLoopPromise<Void>?) {
        guard let context, !dropping else { promise?.fail(HTTPServerExchangeError.clientGone); return }
        if let trailers, !HTTPHeadCheck.canSend(trailers) { return refuse(trailers, promise: promise, context: context) }
        responseOpen = false
        writer.end(trailers)
        emit(context: context, promise: promise, flush: true)
    }

    /// Hands the pending bytes to the channel (an empty write when none, so that `promise`
    /// completes after the writes before it), and flushes if asked.
    func emit(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?, flush: Bool) {
        if let bytes = writer.take() {
            context.write(wrapOutboundOut(.byteBuffer(bytes)), promise: promise)
        } else if let promise {
            context.write(wrapOutboundOut(.byteBuffer(ByteBuffer())), promise: promise)
        }
        if flush { context.flush() }
    }

    /// A head or trailers that may not be sent: nothing more is written, and the connection closes.
    func refuse(_ headers: HTTPHeaders, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        dropping = true
        logger.error("response headers that may not be sent (a control byte in a value, or a delimiter in a name): closing the connection",
                     metadata: ["connection": "\(connectionID)", "names": "\(headers.map(\.name))"])
        promise?.fail(HTTPParserError.invalidHeaderToken)
        emit(context: context, promise: nil, flush: true)  // Body parts before bad trailers: the client sees them cut short.
        context.close(promise: nil)
    }

    func flush() {
        guard let context else { return }
        emit(context: context, promise: nil, flush: true)
    }

    func resumeReadingIfPaused() {
        guard readHeld, queued.isEmpty, current?.wantsReadPause != true, let context else { return }
        readHeld = false
        context.read()
    }

    /// Called when an exchange's request or response ends: once both have, the next request goes on.
    func exchangeMayBeDone(_ ex: HTTPServerExchange) {
        guard current === ex, ex.isDone else { return }
        current = nil
        // While quiescing, the exchange's end closes the connection once written.
        if !isQuiescing { drain() }
    }

    func close() {
        context?.close(promise: nil)
    }
}

extension HTTPServerRequestPart {
    var isHead: Bool { if case .head = self { return true }; return false }
}

/// What may be written as a response head or trailers (RFC 9110 field names and values).
enum HTTPHeadCheck {
    /// A `1xx` other than `101`: another head follows it.
    static func isInterim(_ status: HTTPResponseStatus) -> Bool { status.code >= 100 && status.code < 200 && status.code != 101 }

    /// Every name a token, every value without control bytes but tab, the reason phrase without CR or LF.
    static func canSend(_ head: HTTPResponseHead) -> Bool {
        guard canSend(head.headers) else { return false }
        return !head.status.reasonPhrase.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    static func canSend(_ headers: HTTPHeaders) -> Bool {
        for (name, value) in headers {
            if name.isEmpty || !name.utf8.allSatisfy(isTokenByte) { return false }
            if !value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) { return false }
        }
        return true
    }

    static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): return true
        default: return false
        }
    }
}
