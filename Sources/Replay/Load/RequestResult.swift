import Cassette

/// Everything measured about one replayed request. Times are monotonic ns on ``MonoClock``.
public struct RequestResult: Sendable {
    /// The agent that sent it.
    public var agent: Int
    /// Index of the trajectory in the workload.
    public var trajectory: Int
    /// How many trajectories the agent had finished before this one (its instance number).
    public var instance: Int
    /// The turn within the trajectory.
    public var turn: Int
    /// The `x-request-id` sent (joins the server's trace).
    public var requestId: String
    /// When it was due.
    public var scheduledNs: Int64
    /// When its connection started to open, if it needed a new one.
    public var connectNs: Int64?
    /// When that connection was established.
    public var connectedNs: Int64?
    /// When the first request byte was written.
    public var sentNs: Int64
    /// When the response head arrived.
    public var headNs: Int64?
    /// First token-bearing event.
    public var firstTokenNs: Int64?
    /// First non-reasoning token-bearing event.
    public var firstOutputNs: Int64?
    /// Every token-bearing event's arrival.
    public var tokenEventNs: [Int64]
    /// When the response ended or failed.
    public var endNs: Int64
    /// HTTP status, when a head arrived.
    public var status: Int?
    /// Why it failed; `nil` on success.
    public var errorKind: String?
    /// A short error description.
    public var errorDetail: String?
    /// Output tokens (usage, or counted events when ``usageCounted``).
    public var outputTokens: Int
    /// Input tokens from usage.
    public var inputTokens: Int
    /// Cached input tokens from usage.
    public var cachedTokens: Int
    /// Reasoning tokens from usage.
    public var reasoningTokens: Int
    /// True when the server sent no usage.
    public var usageCounted: Bool
    /// The finish reason the server gave.
    public var finishReason: String?
    /// Body bytes sent.
    public var bytesSent: Int
    /// Bytes received (head and body).
    public var bytesReceived: Int
    /// SSE events parsed.
    public var events: Int
    /// When the client could first send: the later of the due time and the connection being ready.
    public var readyNs: Int64

    /// The client's own lateness: sent − ready (timer and event-loop delay), never negative.
    public var dispatchLagNs: Int64 { max(0, sentNs - readyNs) }

    /// One JSON Lines record (`--requests`): times in µs relative to `originNs`, durations in seconds.
    public func toJSON(originNs: Int64, phase: Int? = nil, agents: Int? = nil, trajectoryId: String? = nil) -> JSON {
        func us(_ t: Int64?) -> JSON { t.map { .int(Int(($0 - originNs) / 1000)) } ?? .null }
        func sec(_ t: Int64?, from a: Int64) -> JSON { t.map { .double(Double(($0 - a) / 1000) / 1e6) } ?? .null }
        var o = JSONObject()
        if let phase { o["phase"] = .int(phase) }
        if let agents { o["agents"] = .int(agents) }
        o["agent"] = .int(agent)
        o["trajectory"] = trajectoryId.map { .string($0) } ?? .int(trajectory)
        o["instance"] = .int(instance)
        o["turn"] = .int(turn)
        o["request_id"] = .string(requestId)
        o["scheduled_us"] = us(scheduledNs)
        o["sent_us"] = us(sentNs)
        o["end_us"] = us(endNs)
        o["dispatch_lag_s"] = .double(Double(dispatchLagNs / 1000) / 1e6)
        o["connect_s"] = connectNs.map { sec(connectedNs, from: $0) } ?? .null
        o["ttft_s"] = sec(firstTokenNs, from: sentNs)
        o["ttfo_s"] = sec(firstOutputNs, from: sentNs)
        o["e2e_s"] = sec(tokenEventNs.last, from: sentNs)
        o["scheduled_e2e_s"] = sec(tokenEventNs.last, from: scheduledNs)
        if outputTokens > 1, let a = firstTokenNs, let b = tokenEventNs.last, b > a {
            o["speed_tok_s"] = .double((Double(outputTokens - 1) / (Double(b - a) / 1e9) * 100).rounded() / 100)
        } else {
            o["speed_tok_s"] = .null
        }
        o["status"] = status.map { .int($0) } ?? .null
        o["error"] = errorKind.map { .string($0) } ?? .null
        if let d = errorDetail { o["error_detail"] = .string(d) }
        o["output_tokens"] = .int(outputTokens)
        o["input_tokens"] = .int(inputTokens)
        o["cached_tokens"] = .int(cachedTokens)
        o["reasoning_tokens"] = .int(reasoningTokens)
        o["usage_counted"] = .bool(usageCounted)
        o["finish_reason"] = finishReason.map { .string($0) } ?? .null
        o["token_events"] = .int(tokenEventNs.count)
        o["bytes_sent"] = .int(bytesSent)
        o["bytes_received"] = .int(bytesReceived)
        return .object(o)
    }
}
