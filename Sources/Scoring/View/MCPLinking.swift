import Cassette

/// Pairs MCP stdio requests with their answers by JSON-RPC id.
enum StdioPairing {
    static func calls(_ messages: [StdioMessage]) -> [MCPCall] {
        var out: [MCPCall] = []
        var pending: [JSON: Int] = [:]
        for m in messages.sorted(by: { $0.seq < $1.seq }) {
            let j = m.message
            let method = j["method"]?.stringValue
            let id = j["id"]
            switch m.direction {
            case .toServer:
                guard method != nil else { continue }
                var c = MCPCall(id: "stdio:\(m.seq)", transport: .stdio, method: method, startMonoNs: m.monoNs)
                if method == "tools/call" {
                    c.tool = j["params"]?["name"]?.stringValue
                    c.arguments = j["params"]?["arguments"]
                }
                if let id, !id.isNull { pending[id] = out.count } else { c.isNotification = true }
                out.append(c)
            case .toClient:
                guard method == nil, let id, let i = pending.removeValue(forKey: id) else { continue }
                out[i].result = j["result"]
                out[i].error = j["error"]
                out[i].durationNs = m.monoNs - out[i].startMonoNs
            }
        }
        return out
    }
}

/// Links MCP calls to the LLM tool calls that asked for them and to trajectories.
///
/// A recorded link (exchange and tool call id) wins. Otherwise a `tools/call` is matched to an
/// unlinked tool call of the same name (and, when both parse, equal arguments) whose turn ended
/// before the call started and whose trajectory had not yet sent its next turn.
enum MCPLinking {
    static func link(_ calls: inout [MCPCall], into trajectories: inout [Trajectory], trajectoryOfExchange: [String: String]) {
        var turnIndex: [String: (t: Int, k: Int)] = [:]
        for (t, traj) in trajectories.enumerated() { for (k, turn) in traj.turns.enumerated() { turnIndex[turn.exchangeId] = (t, k) } }
        var taken = Set<String>()  // "t/k/c"
        for i in calls.indices {
            var c = calls[i]
            var placed: (t: Int, k: Int, c: Int)?
            if let ex = c.linkedExchange, let (t, k) = turnIndex[ex] {
                let uses = trajectories[t].turns[k].toolCalls
                let ci = uses.firstIndex(where: { c.toolCallId != nil && $0.id == c.toolCallId })
                    ?? uses.indices.first(where: { uses[$0].name == c.tool && !taken.contains("\(t)/\(k)/\($0)") })
                if let ci { placed = (t, k, ci) } else { c.trajectory = c.trajectory ?? trajectories[t].id }
            } else if c.method == "tools/call", let tool = c.tool {
                placed = heuristic(c, tool: tool, trajectories, taken)
            }
            if let p = placed {
                taken.insert("\(p.t)/\(p.k)/\(p.c)")
                c.trajectory = trajectories[p.t].id
                c.linkedExchange = trajectories[p.t].turns[p.k].exchangeId
                c.toolCallId = trajectories[p.t].turns[p.k].toolCalls[p.c].id
                trajectories[p.t].turns[p.k].toolCalls[p.c].mcp = c
            }
            if c.trajectory == nil {
                let covering = trajectories.indices.filter { trajectories[$0].startMonoNs <= c.startMonoNs && c.startMonoNs <= trajectories[$0].endMonoNs }
                if covering.count == 1 { c.trajectory = trajectories[covering[0]].id }
            }
            calls[i] = c
        }
        for t in trajectories.indices {
            trajectories[t].mcpCalls = calls.filter { $0.trajectory == trajectories[t].id }
        }
    }

    static func heuristic(_ c: MCPCall, tool: String, _ trajectories: [Trajectory], _ taken: Set<String>) -> (t: Int, k: Int, c: Int)? {
        var best: (t: Int, k: Int, c: Int, end: Int64)?
        for (t, traj) in trajectories.enumerated() {
            if let want = c.trajectory, want != traj.id { continue }
            for (k, turn) in traj.turns.enumerated() {
                let firstToken = turn.startMonoNs + (turn.ttftNs ?? 0)
                guard firstToken <= c.startMonoNs else { break }
                if k + 1 < traj.turns.count, traj.turns[k + 1].startMonoNs < c.startMonoNs { continue }
                for (ci, use) in turn.toolCalls.enumerated() where use.name == tool && !taken.contains("\(t)/\(k)/\(ci)") {
                    if let a = use.arguments, let b = c.arguments, a != b { continue }
                    if best == nil || turn.endMonoNs > best!.end { best = (t, k, ci, turn.endMonoNs) }  // best is non-nil here.
                    break
                }
            }
        }
        return best.map { ($0.t, $0.k, $0.c) }
    }
}
