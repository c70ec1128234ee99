import Cassette
import NIOCore
import NIOHTTP1

/// One forwarded exchange: streams the client's request body up, the upstream's response
/// down, stamps every response chunk as it comes off the upstream socket, and hands the
/// finished record to the observer.
///
/// It is the upstream connection's delegate and runs on the client connection's event loop
/// (the upstream connection is opened on, or taken from the pool of, the same loop), so that
/// a chunk goes from one socket to the other without a thread or task hop. The parts of one
/// upstream read are written to the client together and flushed once. Backpressure: a body
/// part the client cannot take yet holds reads from the upstream, and a request-body write
/// the upstream cannot take yet holds reads from the client.
///
/// `@unchecked Sendable`: every mutable field is touched only on `exchange.eventLoop`.
final class ForwardTask: UpstreamResponseDelegate, @unchecked Sendable {
    let exchange: HTTPServerExchange
    let eventLoop: any EventLoop
    let id: String
    let target: RouteTable.Target
    let endpoint: UpstreamEndpoint
    let recordedPath: String
    let session: String?
    let client: UpstreamClient
    let observer: (any ForwardObserver)?
    let recordBodies: Bool
    let maxRecordedBody: Int
    let startMono: Int64

    // Request side.
    var requestBody = ByteBuffer()
    var requestBytes = 0
    var connection: UpstreamConnection?
    var waiting: (ByteBuffer, EventLoopPromise<Void>)?
    var endPending = false

    // Response side.
    var sentNs: Int64?
    var headNs: Int64?
    var status: Int?
    var responseHeaders: [Header] = []
    var responseBody = ByteBuffer()
    var chunks: [Chunk] = []
    var responseBytes = 0
    var recordTruncated = false
    var finished = false

    init(exchange: HTTPServerExchange, id: String, target: RouteTable.Target, recordedPath: String, session: String?,
         client: UpstreamClient, observer: (any ForwardObserver)?, maxRecordedBody: Int) {
        self.exchange = exchange
        self.eventLoop = exchange.eventLoop
        self.id = id
        self.target = target
        self.endpoint = UpstreamEndpoint(target.route.upstream)
        self.recordedPath = recordedPath
        self.session = session
        self.client = client
        self.observer = observer
        self.recordBodies = observer?.wantsBodies ?? false
        self.maxRecordedBody = maxRecordedBody
        self.startMono = exchange.receivedMonoNs
    }

    var now: Int64 { HostFacts.monoNs() - startMono }

    func start() {
        exchange.onClientGone { [self] in clientGone() }
        observer?.exchangeStarted()
        if let c = client.idleConnection(to: endpoint, on: eventLoop) {
            attach(c)
        } else {
            client.connect(to: endpoint, on: eventLoop).whenComplete { [self] result in
                switch result {
                case .success(let c):
                    if finished { c.pool?.park(c) } else { attach(c) }
                case .failure(let error):
                    failBeforeHead(error)
                }
            }
        }
        exchange.onRequestBody { [self] event in requestEvent(event) }
    }

    /// The head sent upstream: the client's headers less hop-by-hop ones, the upstream's
    /// `Host`, and the client's body framing.
    var upstreamHead: HTTPRequestHead {
        let head = exchange.head
        var headers = HTTPHeaders()
        headers.add(name: "host", value: endpoint.authority)
        headers.add(contentsOf: HopByHop.requestHeaders(head.headers))
        if head.headers[canonicalForm: "transfer-encoding"].contains(where: { $0.lowercased() == "chunked" }) {
            headers.add(name: "transfer-encoding", value: "chunked")
        } else if let length = head.headers.first(name: "content-length") {
            headers.add(name: "content-length", value: length)
        } else if head.method == .POST || head.method == .PUT || head.method == .PATCH {
            headers.add(name: "content-length", value: "0")
        }
        let origin = target.route.upstream.origin.utf8.count
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: String(target.url.utf8.dropFirst(origin)) ?? "/",
                               headers: headers)
    }

    func attach(_ c: UpstreamConnection) {
        connection = c
        c.begin(upstreamHead, delegate: self)
        if let (b, p) = waiting {
            waiting = nil
            if let f = c.writeBody(b, endFollows: exchange.isRequestComplete) { f.cascade(to: p) } else { p.succeed(()) }
        }
        if endPending { endRequest() }
    }

    // MARK: Request body

    func requestEvent(_ event: HTTPRequestBodyEvent) -> EventLoopFuture<Void>? {
        switch event {
        case .bytes(let b):
            requestBytes += b.readableBytes
            if recordBodies { requestBody.writeImmutableBuffer(b) }
            guard !finished else { return nil }
            if let connection { return connection.writeBody(b, endFollows: exchange.isRequestComplete) }
            let p = eventLoop.makePromise(of: Void.self)
            waiting = (b, p)
            return p.futureResult
        case .end:
            guard !finished else { return nil }
            if connection != nil { endRequest() } else { endPending = true }
            return nil
        }
    }

    func endRequest() {
        endPending = false
        connection?.endRequest()
        sentNs = now
    }

    // MARK: Upstream

    func upstreamHead(_ head: HTTPResponseHead) {
        headNs = now
        status = Int(head.status.code)
        if recordBodies { responseHeaders = head.headers.map { Header($0.name, $0.value) } }
        observer?.responseStarted(status: Int(head.status.code))
        exchange.writeHead(HTTPResponseHead(version: exchange.head.version, status: head.status,
                                            headers: HopByHop.responseHeaders(head.headers)), flush: false)
    }

    func upstreamBody(_ buffer: ByteBuffer) -> EventLoopFuture<Void>? {
        let t = now
        let n = buffer.readableBytes
        responseBytes += n
        if recordBodies, !recordTruncated {
            if responseBody.readableBytes + n <= maxRecordedBody {
                responseBody.writeImmutableBuffer(buffer)
                chunks.append(Chunk(length: n, tNs: t))
            } else {
                recordTruncated = true
            }
        }
        let f = exchange.writeBodyPart(buffer, flush: false)
        return exchange.isWritable ? nil : f
    }

    func upstreamReadComplete() {
        exchange.flush()
    }

    func upstreamEnd() {
        guard !finished else { return }
        if exchange.clientGone { finish(.clientDisconnect, error: "the client closed the connection"); return }
        exchange.end()
        finish(.complete, error: nil)
    }

    func upstreamFailed(_ error: Error) {
        guard !finished else { return }
        if exchange.clientGone {
            finish(.clientDisconnect, error: "the client closed the connection")
            return
        }
        if status == nil {
            failBeforeHead(error)
        } else {
            // Mid-stream: the client must see an abnormal end, never a clean one.
            exchange.abort()
            finish(UpstreamErrorText.isTimeout(error) ? .timeout : .upstreamError,
                   error: "upstream \(target.route.upstream) failed after \(responseBytes) response bytes: \(UpstreamErrorText.describe(error))")
        }
    }

    func failBeforeHead(_ error: Error) {
        guard !finished else { return }
        let timeout = UpstreamErrorText.isTimeout(error)
        let upstream = target.route.upstream.description
        let message = "tapedeck: upstream \(upstream) \(timeout ? "timed out" : "is unreachable"): \(UpstreamErrorText.describe(error))"
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "x-tapedeck-error", value: "upstream_unreachable")
        let body = ForwardHandler.errorBody(type: timeout ? "upstream_timeout" : "upstream_unreachable", message: message,
                                            extra: [("upstream", .string(upstream))])
        exchange.respond(status: timeout ? .gatewayTimeout : .badGateway, headers: headers, body: body)
        finish(timeout ? .timeout : .upstreamError, error: message)
    }

    func clientGone() {
        guard !finished else { return }
        connection?.cancel()
        finish(.clientDisconnect, error: "the client closed the connection after \(responseBytes) response bytes")
    }

    // MARK: Record

    func finish(_ outcome: Outcome, error: String?) {
        guard !finished else { return }
        finished = true
        let endNs = now
        if let (_, p) = waiting { waiting = nil; p.fail(HTTPServerExchangeError.clientGone) }
        guard let observer else { return }
        observer.exchangeEnded(outcome: outcome, bytesIn: requestBytes, bytesOut: responseBytes)
        guard recordBodies else { return }
        let head = exchange.head
        let reqBytes = requestBody.readableBytes > 0 ? Array(requestBody.readableBytesView) : []
        var ex = Exchange(id: id, startUnixNs: exchange.receivedUnixNs, startMonoNs: startMono,
                          request: RequestRecord(method: head.method.rawValue, url: recordedPath,
                                                 headers: head.headers.map { Header($0.name, $0.value) },
                                                 body: reqBytes.isEmpty ? .none : .binary(reqBytes)))
        ex.timing = Timing(sentNs: sentNs, headNs: headNs, endNs: endNs)
        ex.upstream = target.url
        ex.trajectory = session
        if let status {
            let bytes = responseBody.readableBytes > 0 ? Array(responseBody.readableBytesView) : []
            ex.response = ResponseRecord(status: status, headers: responseHeaders, body: bytes.isEmpty ? .none : .binary(bytes),
                                         chunks: chunks, encoding: responseHeaders.first("content-encoding"))
        }
        ex.outcome = outcome
        ex.error = error
        if recordTruncated {
            let note = "response body recorded up to \(maxRecordedBody) of \(responseBytes) bytes"
            ex.error = ex.error.map { $0 + "; " + note } ?? note
        }
        observer.exchangeFinished(ex)
    }
}

/// Headers that describe one connection, not the message, and so are not forwarded.
enum HopByHop {
    static let request: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding",
        "upgrade", "host", "content-length", "expect", "x-tapedeck-session",
    ]
    static let response: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    static func requestHeaders(_ h: HTTPHeaders) -> HTTPHeaders { filter(h, request) }
    static func responseHeaders(_ h: HTTPHeaders) -> HTTPHeaders { filter(h, response) }

    static func filter(_ h: HTTPHeaders, _ drop: Set<String>) -> HTTPHeaders {
        let named = Set(h[canonicalForm: "connection"].map { $0.lowercased() })
        var out = HTTPHeaders()
        for (name, value) in h {
            let n = name.lowercased()
            if drop.contains(n) || named.contains(n) { continue }
            out.add(name: name, value: value)
        }
        return out
    }
}
