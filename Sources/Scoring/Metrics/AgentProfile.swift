import Cassette

/// An agent's profile from its traffic: shape of its trajectories, context and output sizes,
/// latency per model, tool and think gaps per tool with their MCP calls, caching and cost.
public struct AgentProfile: Sendable {
    /// Per-model serving figures.
    public struct ModelStats: Sendable {
        /// The model.
        public var model: String
        /// LLM turns.
        public var turns: Int
        /// TTFT, ms.
        public var ttftMs: Distribution
        /// Output speed, tokens/s.
        public var outputSpeed: Distribution
        /// Exchange duration, ms.
        public var e2eMs: Distribution
        /// Input tokens per turn.
        public var inputTokens: Distribution
        /// Output tokens per turn.
        public var outputTokens: Distribution
        /// Cost, when priced.
        public var costUSD: Double?
    }

    /// Gaps and MCP calls for one tool (or `(think)` for turns that called none).
    public struct ToolStats: Sendable {
        /// The tool name, or `(think)`.
        public var tool: String
        /// Calls the model asked for.
        public var calls: Int
        /// Gaps after turns that called it, ms.
        public var gapMs: Distribution
        /// Linked MCP calls.
        public var mcpCalls: Int
        /// Durations of the linked MCP calls, ms.
        public var mcpMs: Distribution
        /// Linked MCP calls that failed.
        public var mcpErrors: Int
    }

    /// Trajectories.
    public var trajectories: Int
    /// LLM turns.
    public var turns: Int
    /// Turns per trajectory.
    public var turnsPerTrajectory: Distribution
    /// Trajectory durations, ms.
    public var trajectoryMs: Distribution
    /// Input sequence length (input tokens) per turn.
    public var isl: Distribution
    /// Output sequence length (output tokens) per turn.
    public var osl: Distribution
    /// Per model, most turns first.
    public var models: [ModelStats]
    /// Per tool, most calls first, `(think)` last.
    public var tools: [ToolStats]
    /// MCP calls by method.
    public var mcpMethods: [(method: String, count: Int)]
    /// Input, output, cached and reasoning token totals.
    public var totals: Usage
    /// Cached ÷ input tokens.
    public var cachedRatio: Double
    /// Turns whose usage was counted from events, not reported.
    public var usageCounted: Int
    /// Failed exchanges and MCP calls.
    public var errors: Int
    /// Total cost, when a price table was given and every model priced.
    public var costUSD: Double?
    /// Models the price table lacks.
    public var unpricedModels: [String]

    /// Profiles a cassette view; `prices` adds cost.
    public init(_ view: CassetteView, prices: PriceTable? = nil) {
        let turns = view.turns
        trajectories = view.trajectories.count
        self.turns = turns.count
        turnsPerTrajectory = Distribution(view.trajectories.map { Double($0.turns.count) })
        trajectoryMs = Distribution(view.trajectories.map(\.durationMs))
        isl = Distribution(turns.map { Double($0.usage.input) })
        osl = Distribution(turns.map { Double($0.usage.output) })
        var byModel: [String: [Turn]] = [:]
        for t in turns { byModel[t.model ?? "unknown", default: []].append(t) }
        models = byModel.map { m, ts in
            ModelStats(model: m, turns: ts.count, ttftMs: Distribution(ts.compactMap(\.ttftMs)),
                       outputSpeed: Distribution(ts.compactMap(\.outputSpeed)), e2eMs: Distribution(ts.map(\.durationMs)),
                       inputTokens: Distribution(ts.map { Double($0.usage.input) }), outputTokens: Distribution(ts.map { Double($0.usage.output) }),
                       costUSD: prices.flatMap { p in let c = p.cost(of: ts); return c.unpriced.isEmpty ? c.usd : nil })
        }.sorted { ($0.turns, $1.model) > ($1.turns, $0.model) }
        tools = Self.toolStats(view)
        var methods: [String: Int] = [:]
        for c in view.mcpCalls { methods[c.method ?? "(response)", default: 0] += 1 }
        mcpMethods = methods.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
        totals = turns.reduce(into: Usage()) { u, t in
            u.input += t.usage.input; u.output += t.usage.output; u.cached += t.usage.cached; u.reasoning += t.usage.reasoning
        }
        cachedRatio = totals.input > 0 ? Double(totals.cached) / Double(totals.input) : 0
        usageCounted = turns.filter(\.usageCounted).count
        errors = turns.filter(\.failed).count + view.mcpCalls.filter(\.failed).count
        if let prices {
            let c = prices.cost(of: turns)
            unpricedModels = c.unpriced
            costUSD = c.unpriced.isEmpty ? c.usd : nil
        } else {
            unpricedModels = []
        }
    }

    static func toolStats(_ view: CassetteView) -> [ToolStats] {
        var calls: [String: Int] = [:], gaps: [String: [Double]] = [:], mcp: [String: [MCPCall]] = [:]
        var order: [String] = []
        func note(_ k: String) { if calls[k] == nil && gaps[k] == nil { order.append(k) } }
        for t in view.turns {
            let names = t.toolCalls.map(\.name)
            for u in t.toolCalls {
                note(u.name)
                calls[u.name, default: 0] += 1
                if let m = u.mcp { mcp[u.name, default: []].append(m) }
            }
            guard let g = t.gapAfterNs else { continue }
            let keys = names.isEmpty ? ["(think)"] : Array(Set(names)).sorted()
            for k in keys { note(k); gaps[k, default: []].append(Double(g) / 1e6) }
        }
        for c in view.mcpCalls where c.method == "tools/call" && c.linkedExchange == nil {
            let k = c.tool ?? "?"
            note(k)
            mcp[k, default: []].append(c)
        }
        return order.map { k in
            let m = mcp[k] ?? []
            return ToolStats(tool: k, calls: calls[k] ?? 0, gapMs: Distribution(gaps[k] ?? []), mcpCalls: m.count,
                             mcpMs: Distribution(m.compactMap { $0.durationNs.map { Double($0) / 1e6 } }), mcpErrors: m.filter(\.failed).count)
        }.sorted { a, b in
            if (a.tool == "(think)") != (b.tool == "(think)") { return b.tool == "(think)" }
            return (a.calls, b.tool) > (b.calls, a.tool)
        }
    }
}
