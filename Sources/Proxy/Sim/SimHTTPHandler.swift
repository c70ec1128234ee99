import NIOCore
import NIOHTTP1

/// The per-connection HTTP handler: collects a request, hands it to the engine, and writes
/// what the engine tells it to. All of it runs on the simulator's one event loop.
///
/// Requests are decoded by NIOHTTP1's `HTTPRequestDecoder`; responses are written as raw
/// HTTP/1.1 bytes by this handler, with the chunk framing of a streamed response in the same
/// buffer as its SSE event, so one token event is one buffer and one `writev`. Pipelined
/// requests wait in order until the response before them has ended.
final class SimHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    static let maxBody = 64 << 20

    struct Pending {
        var head: HTTPRequestHead
        var body: [UInt8]
        var tooLarge: Bool
    }

    let engine: SimEngine
    var context: ChannelHandlerContext?
    var head: HTTPRequestHead?
    var body: ByteBuffer?
    var tooLarge = false
    /// Whether the response in progress keeps the connection open afterwards.
    var keepAlive = true
    /// A response is in progress; later requests queue.
    var busy = false
    var queue: [Pending] = []
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
            if h.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n")), promise: nil)
            }
        case .body(var part):
            if tooLarge { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > Self.maxBody { tooLarge = true; body = nil; return }
            if body == nil { body = part } else { body!.writeBuffer(&part) }  // non-nil: checked on this line.
        case .end:
            guard let h = head else { return }
            head = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            queue.append(Pending(head: h, body: bytes, tooLarge: tooLarge))
            dispatchNext()
        }
    }

    func dispatchNext() {
        guard !busy, !queue.isEmpty, context != nil else { return }
        let p = queue.removeFirst()
        busy = true
        keepAlive = p.head.isKeepAlive
        engine.receive(head: p.head, body: p.body, tooLarge: p.tooLarge, handler: self)
    }

    /// The response's last bytes are written: close or serve the next request.
    func responseEnded() {
        busy = false
        if !keepAlive {
            context?.close(promise: nil)
            return
        }
        dispatchNext()
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.removeAll()
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
        // A malformed HTTP request: answer 400 when nothing is being answered, then close.
        if !busy, error is HTTPParserError {
            let body = #"{"error":{"message":"Malformed HTTP request.","type":"invalid_request_error","param":null,"code":null}}"#
            var b = context.channel.allocator.buffer(capacity: 256)
            b.writeString("HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n")
            b.writeString(body)
            context.writeAndFlush(wrapOutboundOut(b)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.close(promise: nil)
    }

    // MARK: Writes, called by the engine

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func allocate(_ capacity: Int) -> ByteBuffer {
        context?.channel.allocator.buffer(capacity: capacity) ?? ByteBufferAllocator().buffer(capacity: capacity)
    }

    static func writeHead(_ b: inout ByteBuffer, status: HTTPResponseStatus, headers: [(String, String)], contentLength: Int?, keepAlive: Bool) {
        b.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        for (k, v) in headers { b.writeString(k); b.writeStaticString(": "); b.writeString(v); b.writeStaticString("\r\n") }
        if let n = contentLength { b.writeString("content-length: \(n)\r\n") } else { b.writeStaticString("transfer-encoding: chunked\r\n") }
        if !keepAlive { b.writeStaticString("connection: close\r\n") }
        b.writeStaticString("\r\n")
    }

    /// The head of a streamed (chunked) response, flushed at once.
    func sendStreamHead(headers: [(String, String)]) {
        guard let context else { return }
        var b = allocate(256)
        Self.writeHead(&b, status: .ok, headers: headers, contentLength: nil, keepAlive: keepAlive)
        context.writeAndFlush(wrapOutboundOut(b), promise: nil)
    }

    /// Bytes of a streamed response (already framed as chunks).
    func sendBody(_ buffer: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// A whole response with a body and a content length.
    func respond(status: HTTPResponseStatus, contentType: String = "application/json", headers extra: [(String, String)] = [], body: [UInt8]) {
        guard let context else { busy = false; return }
        var b = allocate(body.count + 256)
        Self.writeHead(&b, status: status, headers: [("content-type", contentType)] + extra, contentLength: body.count, keepAlive: keepAlive)
        b.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(b), promise: nil)
        responseEnded()
    }

    /// Drops the connection without finishing the response (fault injection).
    func abort() {
        queue.removeAll()
        context?.close(promise: nil)
    }
}

extension ByteBuffer {
    /// Starts an HTTP/1.1 chunk whose size is filled in by `endChunk`: six hex digits (leading
    /// zeros are valid chunk-size syntax) and CRLF.
    @inline(__always)
    mutating func beginChunk() -> Int {
        let at = writerIndex
        writeStaticString("000000\r\n")
        return at
    }

    /// Ends the chunk begun at `at`: writes its CRLF and its size.
    @inline(__always)
    mutating func endChunk(_ at: Int) {
        let size = writerIndex - at - 8
        writeStaticString("\r\n")
        let hex: StaticString = "0123456789abcdef"
        hex.withUTF8Buffer { h in
            var v = size
            for k in (0..<6).reversed() {
                setInteger(h[v & 0xF], at: at + k)
                v >>= 4
            }
        }
    }

    /// The terminal chunk of a chunked body.
    @inline(__always)
    mutating func writeLastChunk() { writeStaticString("0\r\n\r\n") }
}
