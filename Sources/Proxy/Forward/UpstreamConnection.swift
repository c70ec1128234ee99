import NIOCore
import NIOHTTP1
import NIOSSL

/// What one exchange hears from its upstream connection. Every call arrives on the
/// connection's event loop.
protocol UpstreamResponseDelegate: AnyObject {
    /// The response head.
    func upstreamHead(_ head: HTTPResponseHead)
    /// A body part, as read from the socket. Return a future to stop reading from the
    /// upstream until it completes (the client is not taking bytes), nil to go on.
    func upstreamBody(_ buffer: ByteBuffer) -> EventLoopFuture<Void>?
    /// Everything from one socket read has been delivered: time to flush.
    func upstreamReadComplete()
    /// The response ended cleanly.
    func upstreamEnd()
    /// The exchange failed: connection refused or reset, TLS, a timeout, a close mid-response.
    func upstreamFailed(_ error: Error)
}

/// Failures the upstream client names itself.
enum UpstreamFailure: Error {
    /// The upstream closed the connection before the response ended.
    case closed
    /// No bytes came within the read timeout.
    case readTimeout
}

/// One connection to an upstream and the channel handler at the end of its pipeline: it
/// writes one request at a time and hands the response parts to that request's delegate.
///
/// Backpressure: while the delegate's future is pending, the handler holds the channel's
/// reads; a request-body write returns a future while the upstream socket is not writable.
/// After a clean response on a keep-alive connection whose request was sent whole, the
/// connection goes back to its pool.
///
/// `@unchecked Sendable`: every field is touched only on the channel's event loop.
final class UpstreamConnection: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let endpoint: UpstreamEndpoint
    let readTimeout: TimeAmount?
    weak var pool: UpstreamPool?
    var context: ChannelHandlerContext?
    var delegate: (any UpstreamResponseDelegate)?
    /// Requests begun on this connection.
    var requests = 0
    var requestEnded = false
    var keepAlive = true
    var closing = false
    var idleSince = NIODeadline.now()

    // Reads held for backpressure; `requests` tells a stale resume from a current one.
    var readHeld = false
    var readPending = false
    var writabilityWaiter: EventLoopPromise<Void>?
    var flushScheduled = false
    var lastRead = NIODeadline.now()
    var timer: Scheduled<Void>?

    init(endpoint: UpstreamEndpoint, readTimeout: TimeAmount?, pool: UpstreamPool?) {
        self.endpoint = endpoint
        self.readTimeout = readTimeout
        self.pool = pool
    }

    /// Whether the connection can carry a new request.
    var isUsable: Bool { !closing && delegate == nil && (context?.channel.isActive ?? false) }

    // MARK: Request

    /// Starts a request: writes its head (flushed with the body or the end).
    func begin(_ head: HTTPRequestHead, delegate: any UpstreamResponseDelegate) {
        self.delegate = delegate
        requests += 1
        requestEnded = false
        keepAlive = true
        readHeld = false
        context?.write(wrapOutboundOut(.head(head)), promise: nil)
        if let readTimeout { lastRead = .now(); arm(readTimeout) }
    }

    /// Writes a request-body part; flushed before the loop waits for I/O again, or with the
    /// end when `endFollows` (the whole request is in hand). Returns a future while the
    /// upstream socket is not writable (the part is then flushed at once), nil otherwise.
    func writeBody(_ buffer: ByteBuffer, endFollows: Bool) -> EventLoopFuture<Void>? {
        guard let context, !closing else { return nil }
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if context.channel.isWritable {
            if !endFollows { scheduleFlush() }
            return nil
        }
        // The flush may drain the socket at once (and say so before it returns): only wait
        // for writability if it is still missing.
        context.flush()
        if context.channel.isWritable { return nil }
        if let w = writabilityWaiter { return w.futureResult }
        let p = context.eventLoop.makePromise(of: Void.self)
        writabilityWaiter = p
        return p.futureResult
    }

    /// Ends the request and flushes it.
    func endRequest() {
        guard let context, !closing else { return }
        requestEnded = true
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Drops the exchange: the connection closes, and its delegate hears nothing more.
    func cancel() {
        delegate = nil
        close()
    }

    func close() {
        guard !closing else { return }
        closing = true
        timer?.cancel()
        context?.close(promise: nil)
    }

    func scheduleFlush() {
        guard !flushScheduled, let context else { return }
        flushScheduled = true
        context.eventLoop.execute { [self] in
            flushScheduled = false
            self.context?.flush()
        }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let delegate else {
            // Bytes on an idle connection: nothing can be made of them.
            close()
            return
        }
        if readTimeout != nil { lastRead = .now() }
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            delegate.upstreamHead(head)
        case .body(let buffer):
            if let wait = delegate.upstreamBody(buffer) {
                readHeld = true
                let request = requests
                wait.whenComplete { [self] _ in
                    if requests == request { resumeReads() }
                }
            }
        case .end:
            responseEnded()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func responseEnded() {
        let d = delegate
        delegate = nil
        timer?.cancel()
        timer = nil
        resumeReads()
        if keepAlive && requestEnded && !closing, let pool {
            pool.park(self)
        } else {
            close()
        }
        d?.upstreamEnd()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let w = writabilityWaiter {
            writabilityWaiter = nil
            w.succeed(())
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        timer?.cancel()
        pool?.remove(self)
        if let w = writabilityWaiter { writabilityWaiter = nil; w.fail(UpstreamFailure.closed) }
        fail(UpstreamFailure.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A TLS peer that closes without close_notify: the close itself follows and decides.
        if let e = error as? NIOSSLError, case .uncleanShutdown = e { return }
        fail(error)
        close()
    }

    func fail(_ error: Error) {
        guard let d = delegate else { return }
        delegate = nil
        d.upstreamFailed(error)
    }

    // MARK: Reads

    func read(context: ChannelHandlerContext) {
        if readHeld { readPending = true } else { context.read() }
    }

    func resumeReads() {
        readHeld = false
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    /// Checks for silence `after` from now; the time a held read waits on the client is not silence.
    func arm(_ after: TimeAmount) {
        guard let context, let readTimeout else { return }
        let request = requests
        timer = context.eventLoop.scheduleTask(in: after) { [self] in
            guard requests == request, delegate != nil else { return }
            let silent = NIODeadline.now() - lastRead
            if readHeld {
                lastRead = .now()
                arm(readTimeout)
            } else if silent >= readTimeout {
                fail(UpstreamFailure.readTimeout)
                close()
            } else {
                arm(readTimeout - silent)
            }
        }
    }
}
