import AsyncHTTPClient
import Cassette
import NIOCore
import NIOHTTP1

/// One forwarded exchange: streams the client's request body up, the upstream's response
/// down, stamps every response chunk as it comes off the upstream socket, and hands the
/// finished record to the observer.
///
/// It is the async-http-client delegate, and runs on the client connection's event loop
/// (the upstream connection is placed on the same loop), so that a chunk goes from one
/// socket to the other without a thread or task hop. Backpressure: the future returned from
/// `didReceiveBodyPart` completes only when the client connection is writable again, and a
/// request-body write that is not done yet holds reads from the client.
///
/// `@unchecked Sendable`: every mutable field is touched only on `exchange.eventLoop`.
final class ForwardTask: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    let exchange: HTTPServerExchange
    let eventLoop: any EventLoop
    let id: String
    let target: RouteTable.Target
    let recordedPath: String
    let session: String?
    let client: HTTPClient
    let observer: (any ForwardObserver)?
    let recordBodies: Bool
    let maxRecordedBody: Int
    let startMono: Int64

    // Request side.
    var hasBody = false
    var requestBody = ByteBuffer()
    var requestBytes = 0
    var writer: HTTPClient.Body.StreamWriter?
    var waiting: (ByteBuffer, EventLoopPromise<Void>)?
    let bodyDone: EventLoopPromise<Void>
    var bodyDoneCompleted = false

    // Response side.
    var task: HTTPClient.Task<Void>?
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
         client: HTTPClient, observer: (any ForwardObserver)?, maxRecordedBody: Int) {
        self.exchange = exchange
        self.eventLoop = exchange.eventLoop
        self.id = id
        self.target = target
        self.recordedPath = recordedPath
        self.session = session
        self.client = client
        self.observer = observer
        self.recordBodies = observer?.wantsBodies ?? false
        self.maxRecordedBody = maxRecordedBody
        self.startMono = exchange.receivedMonoNs
        self.bodyDone = exchange.eventLoop.makePromise(of: Void.self)
    }

    var now: Int64 { HostFacts.monoNs() - startMono }

    func start() {
        let head = exchange.head
        let length = head.headers.first(name: "content-length").flatMap { Int64($0) }
        let chunked = head.headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
        hasBody = chunked || (length ?? 0) > 0
        var body: HTTPClient.Body?
        if hasBody {
            body = .stream(contentLength: chunked ? nil : length) { [self] writer in
                if eventLoop.inEventLoop { return attach(writer) }
                return eventLoop.flatSubmit { self.attach(writer) }
            }
        }
        exchange.onRequestBody { [self] event in requestEvent(event) }
        exchange.onClientGone { [self] in clientGone() }
        observer?.exchangeStarted()
        do {
            let request = try HTTPClient.Request(url: target.url, method: head.method,
                                                 headers: HopByHop.requestHeaders(head.headers), body: body)
            task = client.execute(request: request, delegate: self, eventLoop: .delegateAndChannel(on: eventLoop),
                                  deadline: nil, logger: nil)
        } catch {
            failBeforeHead(error)
        }
    }

    // MARK: Request body

    func requestEvent(_ event: HTTPRequestBodyEvent) -> EventLoopFuture<Void>? {
        switch event {
        case .bytes(let b):
            requestBytes += b.readableBytes
            if recordBodies { requestBody.writeImmutableBuffer(b) }
            guard hasBody, !finished else { return nil }
            if let writer { return writer.write(.byteBuffer(b)) }
            let p = eventLoop.makePromise(of: Void.self)
            waiting = (b, p)
            return p.futureResult
        case .end:
            completeBodyDone(nil)
            return nil
        }
    }

    func attach(_ writer: HTTPClient.Body.StreamWriter) -> EventLoopFuture<Void> {
        self.writer = writer
        if let (b, p) = waiting {
            waiting = nil
            writer.write(.byteBuffer(b)).cascade(to: p)
        }
        return bodyDone.futureResult
    }

    func completeBodyDone(_ error: Error?) {
        guard !bodyDoneCompleted else { return }
        bodyDoneCompleted = true
        if let error { bodyDone.fail(error) } else { bodyDone.succeed(()) }
    }

    // MARK: Delegate

    func didSendRequest(task: HTTPClient.Task<Void>) {
        sentNs = now
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        headNs = now
        status = Int(head.status.code)
        responseHeaders = head.headers.map { Header($0.name, $0.value) }
        observer?.responseStarted(status: Int(head.status.code))
        exchange.writeHead(HTTPResponseHead(version: exchange.head.version, status: head.status,
                                            headers: HopByHop.responseHeaders(head.headers)))
        return eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
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
        } else if !recordBodies {
            chunks.append(Chunk(length: n, tNs: t))
        }
        return exchange.writeBodyPart(buffer)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        guard !finished else { return }
        if exchange.clientGone { finish(.clientDisconnect, error: "the client closed the connection"); return }
        exchange.end()
        finish(.complete, error: nil)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
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
        task?.cancel()
        finish(.clientDisconnect, error: "the client closed the connection after \(responseBytes) response bytes")
    }

    // MARK: Record

    func finish(_ outcome: Outcome, error: String?) {
        guard !finished else { return }
        finished = true
        let endNs = now
        if let (_, p) = waiting { waiting = nil; p.fail(HTTPServerExchangeError.clientGone) }
        completeBodyDone(outcome == .complete ? nil : HTTPServerExchangeError.clientGone)
        guard let observer else { return }
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
                                         chunks: recordBodies ? chunks : [], encoding: responseHeaders.first("content-encoding"))
        }
        ex.outcome = outcome
        ex.error = error
        if recordTruncated {
            let note = "response body recorded up to \(maxRecordedBody) of \(responseBytes) bytes"
            ex.error = ex.error.map { $0 + "; " + note } ?? note
        }
        observer.exchangeFinished(ex, bytesIn: requestBytes, bytesOut: responseBytes)
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
