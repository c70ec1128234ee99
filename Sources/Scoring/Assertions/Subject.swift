import Cassette

/// What an assertion is judged on: the whole run, one trajectory, or one turn.
public struct Subject: Sendable {
    /// The level.
    public var scope: Scope
    /// A label for reports: `run`, `trajectory t-1`, `t-1 turn 3`.
    public var label: String
    /// The trajectories involved (for a turn, the one that holds it).
    public var trajectories: [Trajectory]
    /// The LLM turns.
    public var turns: [Turn]
    /// The MCP calls.
    public var mcpCalls: [MCPCall]

    /// The whole cassette.
    public static func run(_ view: CassetteView) -> Subject {
        Subject(scope: .run, label: "run", trajectories: view.trajectories, turns: view.turns, mcpCalls: view.mcpCalls)
    }

    /// One trajectory.
    public static func trajectory(_ t: Trajectory) -> Subject {
        Subject(scope: .trajectory, label: "trajectory \(t.id)", trajectories: [t], turns: t.turns, mcpCalls: t.mcpCalls)
    }

    /// One turn of a trajectory.
    public static func turn(_ turn: Turn, of t: Trajectory) -> Subject {
        let linked = Set(turn.toolCalls.compactMap { $0.mcp?.id })
        return Subject(scope: .turn, label: "\(t.id) turn \(turn.index)", trajectories: [t], turns: [turn],
                       mcpCalls: t.mcpCalls.filter { linked.contains($0.id) })
    }

    /// The narrower subjects at `scope`, filtered by the selectors.
    public func split(to scope: Scope, trajectory: Selector?, turn: Selector?) -> [Subject] {
        let trajs = Self.pick(trajectories, trajectory) { $0.id }
        switch scope {
        case .run: return [self]
        case .trajectory: return self.scope == .run ? trajs.map(Subject.trajectory) : [self]
        case .turn:
            if self.scope == .turn { return [self] }
            var out: [Subject] = []
            for t in trajs {
                for u in Self.pick(t.turns, turn, id: { String($0.index) }) { out.append(.turn(u, of: t)) }
            }
            return out
        }
    }

    static func pick<T>(_ items: [T], _ sel: Selector?, id: (T) -> String) -> [T] {
        switch sel {
        case nil: return items
        case .index(let n):
            let i = n < 0 ? items.count + n : n
            return i >= 0 && i < items.count ? [items[i]] : []
        case .id(let s): return items.filter { id($0) == s }
        }
    }

    /// Tool calls in order: those the model asked for, then MCP `tools/call`s no LLM turn asked for (MCP-only cassettes).
    public var toolCalls: [ToolUse] {
        var out = turns.flatMap(\.toolCalls)
        guard scope != .turn else { return out }
        for c in mcpCalls where c.method == "tools/call" && c.linkedExchange == nil {
            var u = ToolUse(id: nil, name: c.tool ?? "", argumentsText: c.arguments?.text() ?? "{}", turn: -1, trajectory: c.trajectory)
            u.mcp = c
            out.append(u)
        }
        return out
    }

    /// The agent's output: the turn's text, or the final answer of each trajectory, one per line.
    public var output: String {
        if scope == .turn { return turns.first?.outputText ?? "" }
        return trajectories.compactMap(\.finalOutput).joined(separator: "\n")
    }

    /// Span from the first request to the last response, ms (a turn: its own duration).
    public var latencyMs: Double {
        if scope == .turn { return turns.first?.durationMs ?? 0 }
        let starts = turns.map(\.startMonoNs) + mcpCalls.map(\.startMonoNs)
        let ends = turns.map(\.endMonoNs) + mcpCalls.map(\.endMonoNs)
        guard let s = starts.min(), let e = ends.max(), e > s else { return 0 }
        return Double(e - s) / 1e6
    }
}
