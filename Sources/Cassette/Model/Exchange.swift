/// One HTTP exchange between a client and an upstream, with its timing and derived facts.
public struct Exchange: Sendable, Equatable {
    /// Unique within the cassette, e.g. "x000042".
    public var id: String
    /// Wall-clock time the request arrived, Unix ns.
    public var startUnixNs: Int64
    /// Monotonic clock reading when the request arrived, ns; orders exchanges and gives gaps.
    public var startMonoNs: Int64
    /// Monotonic offsets from start.
    public var timing: Timing
    /// What the client sent.
    public var request: RequestRecord
    /// What came back; `nil` when no response head was received.
    public var response: ResponseRecord?
    /// Derived facts: dialect, model, tokens, tool calls, MCP fields.
    public var facts: ExchangeFacts
    /// The upstream base URL it was forwarded to.
    public var upstream: String?
    /// The trajectory (agent session) this exchange belongs to.
    public var trajectory: String?
    /// The turn index within the trajectory, from 0.
    public var turn: Int?
    /// The id of the previous turn's exchange, when linked.
    public var parent: String?
    /// For an MCP `tools/call`, the LLM exchange and tool call id that asked for it.
    public var link: ToolLink?
    /// How the exchange ended.
    public var outcome: Outcome
    /// A human-readable error for non-complete outcomes.
    public var error: String?

    /// An exchange with the given identity; everything else starts empty.
    public init(id: String, startUnixNs: Int64, startMonoNs: Int64, request: RequestRecord) {
        self.id = id
        self.startUnixNs = startUnixNs
        self.startMonoNs = startMonoNs
        self.timing = Timing()
        self.request = request
        self.response = nil
        self.facts = ExchangeFacts()
        self.outcome = .complete
    }
}

/// Monotonic offsets within an exchange, ns from its start.
public struct Timing: Sendable, Equatable {
    /// The request was fully sent upstream.
    public var sentNs: Int64?
    /// The response head arrived.
    public var headNs: Int64?
    /// The exchange ended (last byte, error or disconnect).
    public var endNs: Int64?
    /// Empty timing.
    public init(sentNs: Int64? = nil, headNs: Int64? = nil, endNs: Int64? = nil) {
        self.sentNs = sentNs; self.headNs = headNs; self.endNs = endNs
    }
}

/// The request half of an exchange.
public struct RequestRecord: Sendable, Equatable {
    /// HTTP method.
    public var method: String
    /// Path and query as the client sent them (route prefix included).
    public var url: String
    /// Headers in order, after redaction.
    public var headers: [Header]
    /// The body.
    public var body: Body
    /// A request.
    public init(method: String, url: String, headers: [Header] = [], body: Body = .none) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

/// The response half of an exchange.
public struct ResponseRecord: Sendable, Equatable {
    /// HTTP status code.
    public var status: Int
    /// Headers in order, after redaction.
    public var headers: [Header]
    /// The body, all chunks concatenated.
    public var body: Body { didSet { compactBytes = CompactBytes() } }
    /// Chunk boundaries and arrival times; their lengths sum to the body's byte count.
    public var chunks: [Chunk]
    /// The content-encoding the bytes carry (gzip, br…), if any: the body is stored as received.
    public var encoding: String?
    /// The bytes a compact JSON body came from, which are exactly its serialization, so that the
    /// writer copies them instead of serializing the tree again. Any change to `body` drops them.
    var compactBytes = CompactBytes()
    /// A response.
    public init(status: Int, headers: [Header] = [], body: Body = .none, chunks: [Chunk] = [], encoding: String? = nil) {
        self.status = status; self.headers = headers; self.body = body; self.chunks = chunks; self.encoding = encoding
    }

    /// Classifies the received bytes as the body (``Body/init(bytes:preferJSON:)``), keeping
    /// them for the writer when they are a compact JSON body.
    public mutating func setBody(bytes: [UInt8]) {
        body = Body(bytes: bytes)
        if case .json(_, .compact) = body { compactBytes = CompactBytes(bytes: bytes) }
    }
}

/// A cache of a body's own bytes: never part of a record's value, so it compares equal always.
struct CompactBytes: Sendable, Equatable {
    var bytes: [UInt8]?
    static func == (a: CompactBytes, b: CompactBytes) -> Bool { true }
}

/// How an exchange ended.
public enum Outcome: String, Sendable, Equatable, CaseIterable {
    /// The response completed normally.
    case complete
    /// The upstream failed: unreachable, reset, or an abnormal end of stream.
    case upstreamError = "upstream_error"
    /// The client went away before the response completed.
    case clientDisconnect = "client_disconnect"
    /// A deadline passed.
    case timeout
}

extension Outcome {
    /// Whether the client got the whole response: it completed, or the client hung up after the
    /// model finished (a finish reason was seen; SDKs close once they have read the last event).
    public func deliveredWholeReply(finishReason: String?) -> Bool {
        self == .complete || (self == .clientDisconnect && finishReason != nil)
    }
}

extension Exchange {
    /// Whether the client got the whole response (see ``Outcome/deliveredWholeReply(finishReason:)``).
    public var deliveredWholeReply: Bool { outcome.deliveredWholeReply(finishReason: facts.finishReason) }
}

/// Which LLM tool call an MCP call answered.
public struct ToolLink: Sendable, Equatable {
    /// The LLM exchange whose reply asked for the tool.
    public var exchange: String
    /// The tool call id within that reply.
    public var toolCallId: String?
    /// A link.
    public init(exchange: String, toolCallId: String?) { self.exchange = exchange; self.toolCallId = toolCallId }
}
