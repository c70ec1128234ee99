import Cassette
import NIOCore
import NIOHTTP1
import Synchronization

/// The live forwarder: an ``HTTPHandler`` that sends each request to the upstream its route
/// names and streams the answer back chunk by chunk, with backpressure both ways.
///
/// It checks the auth token (`/t/<token>/`), picks up an explicit session (`/s/<id>/` or the
/// `X-Tapedeck-Session` header), resolves the route, asks the observer whether to proceed
/// (fail-closed), and hands the rest to a ``ForwardTask``.
public struct ForwardHandler: HTTPHandler {
    /// Forwarding settings.
    public struct Configuration: Sendable {
        /// Where requests go.
        public var routes: RouteTable
        /// When set, every request must carry `/t/<token>/` in front of its path.
        public var authToken: String?
        /// Response bytes kept for the record per exchange; the rest is forwarded but not recorded.
        public var maxRecordedBody: Int
        /// A settings value.
        public init(routes: RouteTable, authToken: String? = nil, maxRecordedBody: Int = 256 << 20) {
            self.routes = routes; self.authToken = authToken; self.maxRecordedBody = maxRecordedBody
        }
    }

    /// The settings.
    public let configuration: Configuration
    let client: UpstreamClient
    let observer: (any ForwardObserver)?
    let ids: ExchangeIDs

    /// A forwarder over `client` (whose event-loop group must be the server's).
    public init(configuration: Configuration, client: UpstreamClient, observer: (any ForwardObserver)?, ids: ExchangeIDs = ExchangeIDs()) {
        self.configuration = configuration
        self.client = client
        self.observer = observer
        self.ids = ids
    }

    /// Starts forwarding one request.
    public func handle(_ exchange: HTTPServerExchange) {
        let path = ProxyPath(exchange.head.uri)
        if let expected = configuration.authToken {
            guard let given = path.token, ConstantTime.equal(given, expected) else {
                Self.refuse(exchange, ForwardRefusal(status: 401, type: "tapedeck_unauthorized",
                    message: "tapedeck: this proxy needs its auth token in the base URL path: http://HOST:PORT/t/<token>/…"))
                return
            }
        }
        guard let target = configuration.routes.resolve(path.rest) else {
            Self.refuse(exchange, ForwardRefusal(status: 404, type: "tapedeck_no_route",
                message: "tapedeck: no route matches \(path.rest); add --route PREFIX=URL or --upstream URL"))
            return
        }
        if let refusal = observer?.admit(method: exchange.head.method.rawValue, target: path.rest) {
            Self.refuse(exchange, refusal)
            return
        }
        let session = path.session ?? exchange.head.headers.first(name: "x-tapedeck-session")
        let task = ForwardTask(exchange: exchange, id: ids.next(), target: target, recordedPath: path.rest, session: session,
                               client: client, observer: observer, maxRecordedBody: configuration.maxRecordedBody)
        task.start()
    }

    /// Answers with a JSON error that both OpenAI and Anthropic SDKs understand.
    static func refuse(_ exchange: HTTPServerExchange, _ r: ForwardRefusal) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "x-tapedeck-error", value: r.type)
        exchange.respond(status: HTTPResponseStatus(statusCode: r.status), headers: headers, body: errorBody(type: r.type, message: r.message))
    }

    /// `{"type":"error","error":{"type":…,"message":…}}` plus extra fields inside `error`.
    static func errorBody(type: String, message: String, extra: [(String, JSON)] = []) -> ByteBuffer {
        var e = JSONObject()
        e["type"] = .string(type)
        e["message"] = .string(message)
        for (k, v) in extra { e[k] = v }
        let body = JSON.obj([("type", "error"), ("error", .object(e))])
        return ByteBuffer(bytes: body.serialized())
    }
}

/// Hands out exchange ids (`x000001`, …), unique within a cassette.
public final class ExchangeIDs: Sendable {
    let counter: Atomic<Int>
    /// Ids that start after `last`.
    public init(after last: Int = 0) { counter = Atomic(last) }
    /// The next id.
    public func next() -> String {
        let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let s = String(n)
        return "x" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }
}
