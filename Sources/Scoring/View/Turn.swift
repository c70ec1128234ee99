import Cassette

/// What a tool returned, as the agent fed it back to the model or as the MCP server answered.
public struct ToolResult: Sendable, Equatable {
    /// Where a result was read from.
    public enum Source: String, Sendable, Equatable {
        /// A tool message in a later request of the same trajectory.
        case message
        /// A linked MCP `tools/call` exchange or stdio message.
        case mcp
    }
    /// The result as text.
    public var text: String
    /// The structured value, when the result is JSON (MCP `structuredContent`, or the text parsed).
    public var value: JSON?
    /// Whether the tool reported an error (`is_error`, MCP `isError`, or a JSON-RPC error).
    public var isError: Bool
    /// Where it came from.
    public var source: Source

    /// A tool result.
    public init(text: String, value: JSON?, isError: Bool, source: Source) {
        self.text = text; self.value = value; self.isError = isError; self.source = source
    }

    /// The result as JSON: the structured value, else the text parsed as JSON.
    public var json: JSON? {
        if let value { return value }
        return try? JSON.parse(text)
    }
}

/// One tool call the model asked for, with its parsed arguments and what came back.
public struct ToolUse: Sendable, Equatable {
    /// The call id the model assigned.
    public var id: String?
    /// The tool name.
    public var name: String
    /// The arguments as the model wrote them.
    public var argumentsText: String
    /// The arguments parsed as JSON, when they parse.
    public var arguments: JSON?
    /// The result the agent sent back to the model, when a later request carried it.
    public var result: ToolResult?
    /// The MCP call that carried it out, when one was linked.
    public var mcp: MCPCall?
    /// The index of the turn that asked for it (-1 for an MCP call no turn asked for).
    public var turn: Int
    /// The trajectory it belongs to.
    public var trajectory: String?

    /// A tool use.
    public init(id: String?, name: String, argumentsText: String, turn: Int, trajectory: String? = nil) {
        self.id = id; self.name = name; self.argumentsText = argumentsText; self.turn = turn; self.trajectory = trajectory
        arguments = try? JSON.parse(argumentsText)
    }

    /// The best result available: the MCP answer (structured), else the message the agent sent back.
    public var bestResult: ToolResult? {
        if let r = mcp?.toolResult { return r }
        return result
    }

    /// Where it was asked for, for messages: `traj-1 turn 2`, or `MCP` when no turn asked.
    public var place: String { turn < 0 ? "MCP" : "\(trajectory.map { "\($0) " } ?? "")turn \(turn)" }
}

/// One LLM exchange of a trajectory, with the facts assertions need.
public struct Turn: Sendable, Equatable {
    /// The turn's index within its trajectory, from 0.
    public var index: Int
    /// The exchange id.
    public var exchangeId: String
    /// The dialect.
    public var dialect: Dialect
    /// The model (requested or reported).
    public var model: String?
    /// Monotonic start, ns.
    public var startMonoNs: Int64
    /// Wall-clock start, Unix ns.
    public var startUnixNs: Int64
    /// Request fully sent, ns after start.
    public var sentNs: Int64?
    /// First token-bearing event, ns after start.
    public var ttftNs: Int64?
    /// First non-reasoning token-bearing event, ns after start.
    public var ttfoNs: Int64?
    /// Token-bearing event times, ns after start.
    public var tokenNs: [Int64]
    /// The end of the exchange, ns after start.
    public var endNs: Int64?
    /// Usage; zero counts when the server reported none.
    public var usage: Usage
    /// Whether usage was counted from events rather than reported.
    public var usageCounted: Bool
    /// Why generation stopped.
    public var finishReason: String?
    /// The visible text the model produced.
    public var outputText: String?
    /// The tool calls the model asked for, with their results.
    public var toolCalls: [ToolUse]
    /// What the request said.
    public var request: RequestFacts
    /// HTTP status, when a response arrived.
    public var status: Int?
    /// How the exchange ended.
    public var outcome: Outcome
    /// The exchange's error text.
    public var error: String?
    /// Tool/think gap: from this turn's end to the next turn's start, ns; nil for the last turn.
    public var gapAfterNs: Int64?

    /// The end of the exchange on the monotonic clock.
    public var endMonoNs: Int64 { startMonoNs + (endNs ?? tokenNs.last ?? sentNs ?? 0) }

    /// Time to first token in ms (from the request being sent when known, as DESIGN.md defines it).
    public var ttftMs: Double? {
        guard let t = ttftNs else { return nil }
        return Double(t - (sentNs ?? 0)) / 1e6
    }

    /// End-to-end latency of the exchange in ms.
    public var durationMs: Double { Double(endMonoNs - startMonoNs) / 1e6 }

    /// Output speed in tokens/s after the first token: (N_out − 1) / (t_last − t_first).
    public var outputSpeed: Double? {
        guard tokenNs.count >= 2, usage.output >= 2, let first = tokenNs.first, let last = tokenNs.last, last > first else { return nil }
        return Double(usage.output - 1) / (Double(last - first) / 1e9)
    }

    /// Whether the exchange failed: an error status or an abnormal end. A client that hangs up
    /// after the model finished (a finish reason was seen, as SDKs do once they read the last
    /// event) did get its whole answer, so that is not a failure.
    public var failed: Bool {
        if (status ?? 200) >= 400 || status == nil { return true }
        return !outcome.deliveredWholeReply(finishReason: finishReason)
    }
}
