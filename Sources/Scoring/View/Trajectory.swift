import Cassette

/// One agent session: its LLM turns in order and the MCP calls made between them.
public struct Trajectory: Sendable, Equatable {
    /// The trajectory id (recorded, or `auto-N` when grouped by linking).
    public var id: String
    /// The LLM turns, in order.
    public var turns: [Turn]
    /// MCP calls that belong to it, in time order.
    public var mcpCalls: [MCPCall]

    /// A trajectory.
    public init(id: String, turns: [Turn], mcpCalls: [MCPCall] = []) {
        self.id = id; self.turns = turns; self.mcpCalls = mcpCalls
    }

    /// Every tool call, in order.
    public var toolCalls: [ToolUse] { turns.flatMap(\.toolCalls) }

    /// The agent's final answer: the text of the last turn that produced text.
    public var finalOutput: String? {
        turns.last(where: { !($0.outputText ?? "").isEmpty })?.outputText
    }

    /// Monotonic start of the first turn (or MCP call), ns.
    public var startMonoNs: Int64 {
        min(turns.first?.startMonoNs ?? .max, mcpCalls.map(\.startMonoNs).min() ?? .max)
    }

    /// Monotonic end of the last turn (or MCP call), ns.
    public var endMonoNs: Int64 {
        max(turns.map(\.endMonoNs).max() ?? .min, mcpCalls.map(\.endMonoNs).max() ?? .min)
    }

    /// Wall-clock span from first request to last response, ms.
    public var durationMs: Double {
        let s = startMonoNs, e = endMonoNs
        return e > s ? Double(e - s) / 1e6 : 0
    }
}
