import Cassette

/// One recorded LLM call, ready to be sent again.
public struct Turn: Sendable {
    /// The exchange it came from.
    public var exchangeId: String
    /// The API dialect.
    public var dialect: Dialect
    /// The API path relative to the target's base (`/v1/chat/completions`…).
    public var path: String
    /// Headers to send besides the ones the client sets (API version headers and the like).
    public var headers: [Header]
    /// The body, as shared pieces.
    public var body: [BodyPiece]
    /// Output tokens the recording produced (server usage, or counted events).
    public var recordedOutputTokens: Int
    /// Input tokens the recording reported.
    public var recordedInputTokens: Int
    /// The `max_tokens` sent.
    public var maxTokens: Int
    /// The recorded tool/think gap before the next turn, ns (0 after the last turn).
    public var gapAfterNs: Int64
    /// Tools the recorded reply called (the gap after it is theirs).
    public var toolNames: [String]
    /// Recorded start, monotonic ns (orders turns within a trajectory).
    public var recordedStartNs: Int64
    /// Recorded end, monotonic ns.
    public var recordedEndNs: Int64

    /// The body length in bytes for a nonce of ``Nonce/length`` and no live replies.
    public var bodyLength: Int {
        body.reduce(0) { n, p in
            switch p {
            case .bytes(let b): return n + b.readableBytes
            case .nonce: return n + Nonce.length
            case .liveReply(_, let b, _): return n + b.readableBytes
            }
        }
    }

    /// The canonical API path of a dialect.
    public static func apiPath(_ d: Dialect) -> String? {
        switch d {
        case .openaiChat: return "/v1/chat/completions"
        case .openaiResponses: return "/v1/responses"
        case .openaiCompletions: return "/v1/completions"
        case .anthropicMessages: return "/v1/messages"
        default: return nil
        }
    }
}

/// An agent session: turns sent one after another, each after the previous one's gap.
public struct Trajectory: Sendable {
    /// Where it came from: `cassette#trajectory`.
    public var id: String
    /// The turns, in order.
    public var turns: [Turn]
    /// Recorded gaps plus recorded turn durations, seconds (how long it took when recorded).
    public var recordedSeconds: Double {
        guard let a = turns.first, let b = turns.last else { return 0 }
        return Double(b.recordedEndNs - a.recordedStartNs) / 1e9
    }
}
