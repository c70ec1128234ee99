import Cassette
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Answers requests from a cassette: the ``HTTPHandler`` behind `tapedeck serve`.
///
/// Each request's body is collected, redacted like a recorded one (so dummy keys and
/// secrets do not affect matching), and looked up in the ``ReplayIndex``. A hit is played back
/// with its recorded status, headers, bytes and chunk boundaries, paced by the timing mode;
/// MCP response ids become the client's. A miss is either forwarded upstream (recording modes)
/// or answered with a `cassette_miss` error in the dialect's shape that names the nearest
/// recorded request, the first differing JSON path and the drift.
public final class ReplayEngine: HTTPHandler, Sendable {
    let index: Mutex<ReplayIndex>
    let stats = Mutex(ReplayStats())
    let options: ReplayOptions
    let forwardMisses: Bool
    let forwardAll: Bool
    let forward: ForwardHandler?
    let redactor: Redactor
    let authToken: String?
    let logger: Logger
    let session = Mutex<CassetteRecorder?>(nil)
    let ids = ExchangeIDs()
    static let maxBody = 256 << 20

    /// Records every request this engine answers (the live request with the response it got)
    /// into `recorder`: `tapedeck run --replay X --record FRESH` judges what the agent did.
    public func recordServed(into recorder: CassetteRecorder) {
        session.withLock { $0 = recorder }
    }

    func logServed(_ request: RequestRecord, received: (unix: Int64, mono: Int64), response: ResponseRecord?, timing: Timing, outcome: Outcome) {
        guard let rec = session.withLock({ $0 }) else { return }
        var ex = Exchange(id: ids.next(), startUnixNs: received.unix, startMonoNs: received.mono, request: request)
        ex.response = response
        ex.timing = timing
        ex.outcome = outcome
        rec.record(.exchange(ex))
    }

    /// An engine over `exchanges`. `forward` handles misses in `new-episodes`, and everything when
    /// `recordAll` (mode `all`, or `once` on a new cassette).
    public init(exchanges: [Exchange], options: ReplayOptions, rules: MatchRules, forward: ForwardHandler?, recordAll: Bool,
                redactor: Redactor, authToken: String?, logger: Logger) {
        index = Mutex(ReplayIndex(exchanges: exchanges, rules: rules))
        self.options = options
        self.forward = forward
        self.forwardAll = recordAll
        self.forwardMisses = options.mode == .newEpisodes
        self.redactor = redactor
        self.authToken = authToken
        self.logger = logger
    }

    /// Counters so far, with the recorded exchanges not yet played.
    public var currentStats: ReplayStats {
        var s = stats.withLock { $0 }
        s.unplayed = index.withLock { $0.unplayed }
        return s
    }

    /// Starts answering one request.
    public func handle(_ exchange: HTTPServerExchange) {
        let path = ProxyPath(exchange.head.uri)
        if let expected = authToken {
            guard let given = path.token, ConstantTime.equal(given, expected) else {
                ForwardHandler.refuse(exchange, ForwardRefusal(status: 401, type: "tapedeck_unauthorized",
                    message: "tapedeck: this server needs its auth token in the base URL path: http://HOST:PORT/t/<token>/…"))
                return
            }
        }
        if forwardAll, let forward {
            stats.withLock { $0.forwarded += 1 }
            forward.handle(exchange)
            return
        }
        exchange.collectRequestBody(maxBytes: Self.maxBody).whenComplete { result in
            switch result {
            case .failure(let e):
                ForwardHandler.refuse(exchange, ForwardRefusal(status: 413, type: "tapedeck_request_too_large", message: "tapedeck: \(e)"))
            case .success(let buffer):
                self.answer(exchange, path: path, body: buffer)
            }
        }
    }

    func answer(_ exchange: HTTPServerExchange, path: ProxyPath, body buffer: ByteBuffer) {
        let bytes = Array(buffer.readableBytesView)
        let headers = exchange.head.headers.map { Header($0.name, $0.value) }
        var live = Exchange(id: "live", startUnixNs: 0, startMonoNs: 0,
                            request: RequestRecord(method: exchange.head.method.rawValue, url: path.rest, headers: headers, body: Body(bytes: bytes)))
        let info = RequestInfo(method: live.request.method, path: path.rest, body: live.request.body.jsonValue)
        // Requests whose JSON is broken never match; say so in the dialect's own words.
        if info.dialect.isLLM || info.dialect == .openaiEmbeddings, exchange.head.method == .POST, (try? JSON.parse(bytes)) == nil {
            let d = Self.dialect(forPath: path.rest)
            let e = ReplayErrors.error(dialect: d, type: "invalid_request_error", status: 400, message: "tapedeck: the request body is not valid JSON")
            Self.respondJSON(exchange, status: e.status, body: e.body)
            return
        }
        let original = live.request
        let received = (exchange.receivedUnixNs, exchange.receivedMonoNs)
        redactor.redact(&live)
        let lookup = index.withLock { $0.take(method: live.request.method, url: live.request.url, headers: live.request.headers,
                                              body: live.request.body, allowRepeats: options.allowRepeats) }
        switch lookup {
        case .hit(let i):
            let recorded = index.withLock { $0.exchanges[i] }
            stats.withLock { $0.hits += 1 }
            var rewrite: (JSON, JSON)?
            if info.dialect == .mcp, let liveId = info.mcpId, let recId = RequestInfo(method: recorded.request.method, path: recorded.request.url,
                                                                                    body: recorded.request.body.jsonValue).mcpId {
                rewrite = (recId, liveId)
            }
            let playback = ReplayPlayback(exchange: exchange, recorded: recorded, timing: options.timing, rewrite: rewrite)
            playback.start()
            if let r = playback.played {
                logServed(original, received: received, response: r, timing: recorded.timing, outcome: recorded.outcome)
            }
        case .miss(let f):
            if forwardMisses, let forward {
                stats.withLock { $0.forwarded += 1 }
                exchange.restoreRequestBody(buffer)
                forward.handle(exchange)
                return
            }
            let (diff, used) = index.withLock { (RequestDiff.explain(f, in: $0), $0.recordedCount(f)) }
            let message: String
            if used > 0 {
                // The request is in the cassette, but the agent sent it more often than when it was recorded.
                message = "tapedeck cassette_miss: \(live.request.method) \(path.rest) was recorded \(used) time(s) and every recorded answer "
                    + "has been played; the agent sent it once more than in the recording (--allow-repeats lets recorded answers repeat)"
            } else {
                message = "tapedeck cassette_miss: " + (diff?.message ?? "no recorded request matches \(live.request.method) \(path.rest); the cassette has nothing to compare it with")
            }
            stats.withLock { $0.misses += 1; $0.missMessages.append(message) }
            logger.warning("cassette miss", metadata: ["request": "\(live.request.method) \(path.rest)", "diff": "\(message)"])
            let e = ReplayErrors.miss(dialect: info.dialect == .unknown ? Self.dialect(forPath: path.rest) : info.dialect,
                                      message: message, rpcId: info.mcpId)
            Self.respondJSON(exchange, status: e.status, body: e.body, extra: [("x-tapedeck-miss", "1")])
            let bytes = e.body.serialized()
            logServed(original, received: received,
                      response: ResponseRecord(status: e.status, headers: [Header("content-type", "application/json"), Header("x-tapedeck-miss", "1")],
                                               body: Body(bytes: bytes), chunks: [Chunk(length: bytes.count, tNs: 0)]),
                      timing: Timing(sentNs: 0, headNs: 0, endNs: 0), outcome: .complete)
        }
    }

    static func dialect(forPath path: String) -> Dialect {
        RequestInfo(method: "POST", path: path, body: nil).dialect
    }

    static func respondJSON(_ exchange: HTTPServerExchange, status: Int, body: JSON, extra: [(String, String)] = []) {
        var h = HTTPHeaders()
        h.add(name: "content-type", value: "application/json")
        for (k, v) in extra { h.add(name: k, value: v) }
        exchange.respond(status: HTTPResponseStatus(statusCode: status), headers: h, body: ByteBuffer(bytes: body.serialized()))
    }
}
