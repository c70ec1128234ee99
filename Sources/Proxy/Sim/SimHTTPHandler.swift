import NIOCore
import NIOHTTP1

/// The per-connection HTTP handler: collects a request, hands it to the engine, and writes
/// what the engine tells it to. All of it runs on the simulator's one event loop.
final class SimHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBody = 64 << 20

    let engine: SimEngine
    var context: ChannelHandlerContext?
    var head: HTTPRequestHead?
    var body: ByteBuffer?
    var tooLarge = false
    var keepAlive = true
    /// The stream this connection is serving, if any.
    var streamID: UInt64?

    init(engine: SimEngine) { self.engine = engine }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            tooLarge = false
            keepAlive = h.isKeepAlive
        case .body(var part):
            if tooLarge { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > Self.maxBody { tooLarge = true; body = nil; return }
            if body == nil { body = part } else { body!.writeBuffer(&part) }  // non-nil: checked on this line.
        case .end:
            guard let h = head else { return }
            head = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            engine.receive(head: h, body: bytes, tooLarge: tooLarge, handler: self)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id = streamID {
            streamID = nil
            engine.clientGone(id)
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let id = streamID { engine.drain(id) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    // MARK: Writes, called by the engine

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func allocate(_ capacity: Int) -> ByteBuffer {
        context?.channel.allocator.buffer(capacity: capacity) ?? ByteBufferAllocator().buffer(capacity: capacity)
    }

    func sendHead(status: HTTPResponseStatus, headers: HTTPHeaders) {
        guard let context else { return }
        var h = headers
        if !keepAlive { h.replaceOrAdd(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: h))), promise: nil)
    }

    func flush() { context?.flush() }

    func sendBody(_ buffer: ByteBuffer) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func sendEnd() {
        guard let context else { return }
        let close = !keepAlive
        let f = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close { f.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }

    /// A whole response with a body and a content length.
    func respond(status: HTTPResponseStatus, contentType: String = "application/json", headers extra: [(String, String)] = [], body: [UInt8]) {
        var h = HTTPHeaders([("content-type", contentType), ("content-length", String(body.count))])
        for (k, v) in extra { h.add(name: k, value: v) }
        sendHead(status: status, headers: h)
        var b = allocate(body.count)
        b.writeBytes(body)
        context?.write(wrapOutboundOut(.body(.byteBuffer(b))), promise: nil)
        sendEnd()
    }

    /// Drops the connection without finishing the response (fault injection).
    func abort() {
        context?.close(promise: nil)
    }
}
