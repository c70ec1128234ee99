import Cassette

/// A cassette seen as agent behaviour: trajectories of LLM turns with their tool calls,
/// tool results and linked MCP calls. Built once; assertions, profiles and diffs read it.
public struct CassetteView: Sendable, Equatable {
    /// The trajectories, in order of their first request.
    public var trajectories: [Trajectory]
    /// Every MCP call in the cassette, in time order (also listed under their trajectories).
    public var mcpCalls: [MCPCall]
    /// Exchanges that are neither LLM calls nor MCP (embeddings, unknown traffic).
    public var otherExchanges: Int
    /// The header, when the records had one.
    public var header: CassetteHeader?

    /// A view over decoded records (header, exchanges, stdio messages).
    public init(records: [Record]) {
        var exchanges: [Exchange] = []
        var messages: [StdioMessage] = []
        var header: CassetteHeader?
        for r in records {
            switch r {
            case .header(let h): header = h
            case .exchange(let e): exchanges.append(e)
            case .message(let m): messages.append(m)
            case .blob: break
            }
        }
        self.init(exchanges: exchanges, messages: messages, header: header)
    }

    /// A view over exchanges and stdio messages.
    public init(exchanges: [Exchange], messages: [StdioMessage] = [], header: CassetteHeader? = nil) {
        self = ViewBuilder(exchanges: exchanges, messages: messages).build()
        self.header = header
    }

    init(trajectories: [Trajectory], mcpCalls: [MCPCall], otherExchanges: Int) {
        self.trajectories = trajectories; self.mcpCalls = mcpCalls; self.otherExchanges = otherExchanges
    }

    /// Every turn of every trajectory.
    public var turns: [Turn] { trajectories.flatMap(\.turns) }

    /// The earliest monotonic time in the cassette, ns: the origin of report time axes.
    public var originMonoNs: Int64 {
        min(trajectories.map(\.startMonoNs).min() ?? 0, mcpCalls.map(\.startMonoNs).min() ?? .max)
    }
}
