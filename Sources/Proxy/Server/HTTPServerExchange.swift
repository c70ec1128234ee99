import NIOCore
import NIOHTTP1

/// One request on a server connection and the means to answer it.
///
/// An exchange lives on its connection's event loop: every method must be called there
/// (use ``eventLoop`` to hop, or the `async` variants in `HTTPServerExchange+Async.swift`).
/// Backpressure works both ways:
/// - request body: a consumer that returns a future holds further events, and the socket
///   stops being read once ``HTTPServer/Configuration/requestBodyHighWater`` bytes wait;
/// - response body: ``writeBodyPart(_:)`` returns a future that completes when the
///   connection can take more, so a slow client slows whoever produces the bytes.
///
/// `@unchecked Sendable`: all mutable state is confined to `eventLoop` (checked with
/// `assertInEventLoop` in debug builds); the type is handed across threads only to be
/// used back on that loop.
public final class HTTPServerExchange: @unchecked Sendable {
    /// The request head as the client sent it.
    public let head: HTTPRequestHead
    /// The connection's event loop; every method runs here.
    public let eventLoop: any EventLoop
    /// The client's address.
    public let remoteAddress: SocketAddress?
    /// A number unique to the connection within the server's life.
    public let connectionID: UInt64
    /// How many requests this connection carried before this one.
    public let indexOnConnection: Int
    /// Monotonic clock when the head was parsed, ns.
    public let receivedMonoNs: Int64
    /// Wall clock when the head was parsed, Unix ns.
    public let receivedUnixNs: Int64

    weak var connection: HTTPConnectionHandler?
    let highWater: Int
    let spawner: HTTPServer.Spawner?

    // Request body.
    var pending = CircularBuffer<HTTPRequestBodyEvent>()
    var pendingBytes = 0
    var consumer: ((HTTPRequestBodyEvent) -> EventLoopFuture<Void>?)?
    var consumerBusy = false
    var requestEnded = false
    var discardBody = false
    var sentContinue = false

    // Response.
    enum ResponseState { case notStarted, headSent, ended, aborted }
    var responseState = ResponseState.notStarted
    var keepAlive: Bool
    var writabilityWaiter: EventLoopPromise<Void>?
    /// Whether the client went away (closed or reset the connection).
    public private(set) var clientGone = false
    var goneCallbacks: [() -> Void] = []

    init(head: HTTPRequestHead, eventLoop: any EventLoop, remoteAddress: SocketAddress?, connectionID: UInt64,
         index: Int, monoNs: Int64, unixNs: Int64, connection: HTTPConnectionHandler, highWater: Int, spawner: HTTPServer.Spawner?) {
        self.head = head
        self.eventLoop = eventLoop
        self.remoteAddress = remoteAddress
        self.connectionID = connectionID
        self.indexOnConnection = index
        self.receivedMonoNs = monoNs
        self.receivedUnixNs = unixNs
        self.connection = connection
        self.highWater = highWater
        self.spawner = spawner
        self.keepAlive = head.isKeepAlive
    }

    // MARK: Request body

    /// Delivers the request body, events already received first. Return a future to hold the
    /// next event until it completes (the socket pauses while too much waits), or nil to go on.
    /// A client that sent `Expect: 100-continue` gets `100 Continue` now, so that it sends
    /// the body without waiting (curl waits a second for it before bodies over 1 MB).
    public func onRequestBody(_ consume: @escaping (HTTPRequestBodyEvent) -> EventLoopFuture<Void>?) {
        eventLoop.assertInEventLoop()
        consumer = consume
        if !requestEnded, responseState == .notStarted, !sentContinue, pending.isEmpty,
           head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            sentContinue = true
            connection?.writeHead(HTTPResponseHead(version: head.version, status: .continue), requestMethod: head.method, flush: true)
        }
        deliver()
    }

    /// Collects the whole request body; fails with ``HTTPServerExchangeError/bodyTooLarge(_:)``
    /// past `maxBytes` (the rest of the body is then read and discarded).
    public func collectRequestBody(maxBytes: Int) -> EventLoopFuture<ByteBuffer> {
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        var acc = ByteBuffer()
        var failed = false
        onRequestBody { event in
            switch event {
            case .bytes(let b):
                if failed { return nil }
                if acc.readableBytes + b.readableBytes > maxBytes {
                    failed = true
                    promise.fail(HTTPServerExchangeError.bodyTooLarge(maxBytes))
                } else {
                    var b = b
                    acc.writeBuffer(&b)
                }
            case .end:
                if !failed { promise.succeed(acc) }
            }
            return nil
        }
        return promise.futureResult
    }

    /// Puts a collected request body back, so that another handler can read it again with
    /// ``onRequestBody(_:)`` (replay forwards a miss upstream after matching on its body).
    /// Only valid once the body has been collected whole.
    public func restoreRequestBody(_ body: ByteBuffer) {
        eventLoop.assertInEventLoop()
        precondition(requestEnded, "restoreRequestBody before the body was complete")  // A programming error, not input.
        consumer = nil
        consumerBusy = false
        pending.removeAll()
        if body.readableBytes > 0 { pending.append(.bytes(body)) }
        pending.append(.end(nil))
        pendingBytes = body.readableBytes
    }

    /// Whether the whole request body has been received.
    public var isRequestComplete: Bool { requestEnded }

    func receive(_ event: HTTPRequestBodyEvent) {
        if case .end = event { requestEnded = true }
        if discardBody {
            if requestEnded { releaseIfDone(); connection?.exchangeMayBeDone(self) }
            return
        }
        if case .bytes(let b) = event { pendingBytes += b.readableBytes }
        pending.append(event)
        deliver()
        // A response that ended before its request did: the connection's next request may go on.
        if requestEnded { connection?.exchangeMayBeDone(self) }
    }

    var wantsReadPause: Bool { pendingBytes >= highWater }

    func deliver() {
        guard let consumer else { return }
        while !consumerBusy, let event = pending.popFirst() {
            if case .bytes(let b) = event { pendingBytes -= b.readableBytes }
            if let f = consumer(event) {
                consumerBusy = true
                f.hop(to: eventLoop).whenComplete { [self] _ in
                    consumerBusy = false
                    deliver()
                }
            }
        }
        if !wantsReadPause { connection?.resumeReadingIfPaused() }
        releaseIfDone()
    }

    /// Drops the handler's closures once they can no longer be called: the body consumer when
    /// the whole request has been delivered and the response is over, the client-gone
    /// callbacks when the response is over. They usually capture the handler, which holds this
    /// exchange: kept, that cycle would keep both (heads, buffers, bodies) alive for good, a
    /// few KiB per request on a keep-alive connection.
    func releaseIfDone() {
        guard responseState == .ended || responseState == .aborted else { return }
        goneCallbacks = []
        if requestEnded, pending.isEmpty, !consumerBusy { consumer = nil }
    }

    // MARK: Response

    /// Sends the response head and, unless `flush` is false, flushes it, so the client sees
    /// the status at once (a forwarder that has the first body part in hand sends both in one flush).
    public func writeHead(_ head: HTTPResponseHead, flush: Bool = true) {
        eventLoop.assertInEventLoop()
        guard responseState == .notStarted, !clientGone else { return }
        responseState = .headSent
        var head = head
        if HTTPResponseWriter.isCloseDelimited(head, requestMethod: self.head.method) { keepAlive = false }
        if !keepAlive || connection?.isQuiescing == true {
            keepAlive = false
            head.headers.replaceOrAdd(name: "connection", value: "close")
        } else if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            keepAlive = false
        }
        connection?.writeHead(head, requestMethod: self.head.method, flush: flush)
    }

    /// Writes a body part and, unless `flush` is false, flushes it: parts that are due together
    /// can go out in one flush (one system call) and still keep their own chunk boundaries.
    /// The future completes when the connection can take more (at once while it is writable);
    /// it fails when the client is gone.
    @discardableResult
    public func writeBodyPart(_ buffer: ByteBuffer, flush: Bool = true) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        guard !clientGone, let connection else { return eventLoop.makeFailedFuture(HTTPServerExchangeError.clientGone) }
        guard responseState == .headSent else {
            return eventLoop.makeFailedFuture(HTTPServerExchangeError.responseState("body part before head or after end"))
        }
        connection.writeBody(buffer, flush: flush)
        if connection.isWritable { return eventLoop.makeSucceededVoidFuture() }
        if let w = writabilityWaiter { return w.futureResult }
        let p = eventLoop.makePromise(of: Void.self)
        writabilityWaiter = p
        return p.futureResult
    }

    /// Flushes body parts written with `flush: false`.
    public func flush() {
        eventLoop.assertInEventLoop()
        connection?.flush()
    }

    /// Whether the connection takes more bytes now without queueing past its high-water mark.
    public var isWritable: Bool { !clientGone && (connection?.isWritable ?? false) }

    /// Ends the response. The future completes when the end has been written. The connection
    /// is kept for the next request when both sides allow it, and closed otherwise.
    @discardableResult
    public func end(trailers: HTTPHeaders? = nil) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        guard !clientGone, let connection else { return eventLoop.makeFailedFuture(HTTPServerExchangeError.clientGone) }
        guard responseState == .headSent else {
            return eventLoop.makeFailedFuture(HTTPServerExchangeError.responseState("end before head or twice"))
        }
        responseState = .ended
        let promise = eventLoop.makePromise(of: Void.self)
        connection.writeEnd(trailers, promise: promise)
        if !requestEnded {
            // Answered before the body arrived (an error, a refusal): read and drop the rest.
            discardBody = true
            pending.removeAll()
            pendingBytes = 0
            connection.resumeReadingIfPaused()
        }
        if !keepAlive || connection.isQuiescing { promise.futureResult.whenComplete { _ in self.connection?.close() } }
        releaseIfDone()
        connection.exchangeMayBeDone(self)
        return promise.futureResult
    }

    /// Answers with a complete response in one go (sets `content-length`).
    @discardableResult
    public func respond(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) -> EventLoopFuture<Void> {
        var h = headers
        h.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        writeHead(HTTPResponseHead(version: head.version, status: status, headers: h))
        if body.readableBytes > 0 { writeBodyPart(body) }
        return end()
    }

    /// Ends the response abnormally by closing the connection, so that the client sees a
    /// truncated body (a missing last chunk or a short content-length), never a clean end.
    /// Body parts written before it still go out first: a forwarder that reads an upstream's
    /// last chunks and its abrupt close in one go passes those chunks on before the close.
    public func abort() {
        eventLoop.assertInEventLoop()
        guard responseState != .ended, responseState != .aborted else { return }
        responseState = .aborted
        releaseIfDone()
        connection?.flush()
        connection?.close()
    }

    /// Calls `callback` (on the event loop) if the client goes away before this exchange ends;
    /// at once if it already has.
    public func onClientGone(_ callback: @escaping () -> Void) {
        eventLoop.assertInEventLoop()
        if clientGone { callback() } else { goneCallbacks.append(callback) }
    }

    /// Runs async work as a child task of the server's `run()` (structured: the server waits
    /// for it when it shuts down). Without a running server the work is not started.
    public func spawn(_ work: @escaping @Sendable () async -> Void) {
        spawner?.spawn(work)
    }

    // MARK: From the connection

    func writabilityChanged(_ writable: Bool) {
        guard writable, let w = writabilityWaiter else { return }
        writabilityWaiter = nil
        w.succeed(())
    }

    func connectionClosed() {
        guard !clientGone else { return }
        clientGone = true
        if let w = writabilityWaiter { writabilityWaiter = nil; w.fail(HTTPServerExchangeError.clientGone) }
        let cbs = goneCallbacks
        goneCallbacks = []
        // Only an exchange the client abandoned: not one that ended, nor one its handler aborted.
        if responseState != .ended && responseState != .aborted { for cb in cbs { cb() } }
        // No more body will come: the consumer, and what it holds, can go.
        consumer = nil
        pending.removeAll()
        pendingBytes = 0
    }

    var isDone: Bool { requestEnded && (responseState == .ended || responseState == .aborted) }
}
