/// One replayed request as the metrics see it: monotonic times in ns and token counts.
///
/// The load client fills these from socket timestamps; every time is on the same monotonic
/// clock, so differences are durations and the steady-state window can filter by time.
public struct LoadSample: Sendable, Equatable {
    /// When the request was due to be sent (the agent's schedule).
    public var scheduledNs: Int64
    /// When the first request byte was written to the socket.
    public var sentNs: Int64
    /// First token-bearing event.
    public var firstTokenNs: Int64?
    /// First non-reasoning token-bearing event (TTFO).
    public var firstOutputNs: Int64?
    /// Arrival time of every token-bearing event, ascending.
    public var tokenEventNs: [Int64]
    /// When the response ended (or failed).
    public var endNs: Int64
    /// Output tokens: the server's usage, or the event count when ``usageCounted``.
    public var outputTokens: Int
    /// Input tokens reported by the server (0 when not reported).
    public var inputTokens: Int
    /// Input tokens the server served from its prefix cache.
    public var cachedTokens: Int
    /// True when the server sent no usage and output tokens were counted from events.
    public var usageCounted: Bool
    /// Why the request failed (`http_429`, `http_5xx`, `timeout`, …); `nil` for success.
    public var errorKind: String?
    /// The client's own lateness when it is known apart from the schedule (connection waits excluded), ns.
    public var clientLagNs: Int64?

    /// A sample; `tokenEventNs` must be ascending.
    public init(scheduledNs: Int64, sentNs: Int64, firstTokenNs: Int64? = nil, firstOutputNs: Int64? = nil,
                tokenEventNs: [Int64] = [], endNs: Int64, outputTokens: Int = 0, inputTokens: Int = 0,
                cachedTokens: Int = 0, usageCounted: Bool = false, errorKind: String? = nil, clientLagNs: Int64? = nil) {
        self.scheduledNs = scheduledNs; self.sentNs = sentNs
        self.firstTokenNs = firstTokenNs; self.firstOutputNs = firstOutputNs
        self.tokenEventNs = tokenEventNs; self.endNs = endNs
        self.outputTokens = outputTokens; self.inputTokens = inputTokens; self.cachedTokens = cachedTokens
        self.usageCounted = usageCounted; self.errorKind = errorKind; self.clientLagNs = clientLagNs
    }

    /// Whether the request succeeded.
    public var ok: Bool { errorKind == nil }

    /// Last token-bearing event.
    public var lastTokenNs: Int64? { tokenEventNs.last }

    /// Time to first token, seconds.
    public var ttft: Double? { firstTokenNs.map { Double($0 - sentNs) / 1e9 } }
    /// Time to first output (non-reasoning) token, seconds.
    public var ttfo: Double? { firstOutputNs.map { Double($0 - sentNs) / 1e9 } }
    /// End to end: last token-bearing event minus request sent, seconds.
    public var e2e: Double? { lastTokenNs.map { Double($0 - sentNs) / 1e9 } }
    /// Scheduled end to end: last event minus the scheduled send time, seconds (exposes client lag).
    public var scheduledE2E: Double? { lastTokenNs.map { Double($0 - scheduledNs) / 1e9 } }
    /// How late the client sent the request, seconds (never negative): ``clientLagNs`` when
    /// known, else sent − scheduled.
    public var dispatchLag: Double { Double(max(0, clientLagNs ?? (sentNs - scheduledNs))) / 1e9 }

    /// Output speed in tokens/s after the first token: (N_out − 1) / (t_last − t_first).
    /// `nil` when fewer than two tokens or all events arrived at once.
    public var outputSpeed: Double? {
        guard outputTokens > 1, let a = firstTokenNs, let b = lastTokenNs, b > a else { return nil }
        return Double(outputTokens - 1) / (Double(b - a) / 1e9)
    }

    /// Time per output token, seconds (1 / output speed).
    public var tpot: Double? { outputSpeed.map { 1 / $0 } }
}
