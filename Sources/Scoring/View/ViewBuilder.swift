import Cassette

/// Builds a ``CassetteView`` from exchanges and stdio messages: groups turns into
/// trajectories (recorded ids first, linking otherwise), attaches tool results, pairs MCP
/// requests with answers and links MCP tool calls to the LLM tool calls that asked for them.
struct ViewBuilder {
    let exchanges: [Exchange]
    let messages: [StdioMessage]

    func build() -> CassetteView {
        let ordered = exchanges.enumerated().sorted { ($0.element.startMonoNs, $0.offset) < ($1.element.startMonoNs, $1.offset) }.map(\.element)
        var linker = TrajectoryLinker()
        var groups: [String: [(Exchange, Turn)]] = [:]
        var groupOrder: [String] = []
        var trajectoryOfExchange: [String: String] = [:]
        var mcp: [MCPCall] = []
        var other = 0
        for e in ordered {
            if e.facts.dialect == .mcp {
                mcp.append(Self.mcpCall(e))
                continue
            }
            guard e.facts.dialect.isLLM else { other += 1; continue }
            let turn = Self.turn(e)
            let tid: String
            if let t = e.trajectory {
                tid = t
            } else if let p = e.parent, let t = trajectoryOfExchange[p] {
                tid = t
            } else {
                let ids = Set(turn.toolCalls.compactMap(\.id))
                tid = linker.assign(messages: turn.request.messages, previousResponseId: turn.request.previousResponseId,
                                    responseId: e.facts.dialect == .openaiResponses ? Self.responseId(e) : nil,
                                    replyIds: ids, replyText: turn.outputText, endMonoNs: turn.endMonoNs)
            }
            trajectoryOfExchange[e.id] = tid
            if groups[tid] == nil { groupOrder.append(tid) }
            groups[tid, default: []].append((e, turn))
        }
        mcp += StdioPairing.calls(messages)
        mcp.sort { ($0.startMonoNs, $0.id) < ($1.startMonoNs, $1.id) }
        let sortedGroups: [(id: String, turns: [Turn])] = groupOrder.map { tid in
            let items = groups[tid] ?? []
            let sorted = items.enumerated().sorted { a, b in
                let ka = (a.element.0.turn ?? Int.max, a.element.1.startMonoNs, a.offset)
                let kb = (b.element.0.turn ?? Int.max, b.element.1.startMonoNs, b.offset)
                return ka < kb
            }.map(\.element.1)
            return (tid, sorted)
        }
        var trajectories = TrajectoryLinker.rejoin(sortedGroups).map { Trajectory(id: $0.id, turns: Self.finish($0.turns, trajectory: $0.id)) }
        MCPLinking.link(&mcp, into: &trajectories, trajectoryOfExchange: trajectoryOfExchange)
        return CassetteView(trajectories: trajectories, mcpCalls: mcp, otherExchanges: other)
    }

    /// Numbers the turns, computes gaps and attaches tool results carried by later requests.
    static func finish(_ turns: [Turn], trajectory: String) -> [Turn] {
        var out = turns
        var results: [String: ToolResult] = [:]
        for t in out { for (id, r) in t.request.toolResults where results[id] == nil { results[id] = r } }
        for i in out.indices {
            out[i].index = i
            if i + 1 < out.count { out[i].gapAfterNs = max(0, out[i + 1].startMonoNs - out[i].endMonoNs) }
            for k in out[i].toolCalls.indices {
                out[i].toolCalls[k].turn = i
                out[i].toolCalls[k].trajectory = trajectory
                if let id = out[i].toolCalls[k].id, let r = results[id] { out[i].toolCalls[k].result = r }
            }
        }
        return out
    }

    static func turn(_ e: Exchange) -> Turn {
        let f = e.facts
        let request = RequestFacts(body: e.request.body.jsonValue, dialect: f.dialect)
        return Turn(index: e.turn ?? 0, exchangeId: e.id, dialect: f.dialect, model: f.model ?? request.model,
                    startMonoNs: e.startMonoNs, startUnixNs: e.startUnixNs, sentNs: e.timing.sentNs, ttftNs: f.ttftNs,
                    ttfoNs: f.ttfoNs, tokenNs: f.tokenNs, endNs: e.timing.endNs, usage: f.usage ?? Usage(),
                    usageCounted: f.usageCounted, finishReason: f.finishReason, outputText: f.outputText,
                    toolCalls: f.toolCalls.map { ToolUse(id: $0.id, name: $0.name, argumentsText: $0.arguments, turn: 0) },
                    request: request, status: e.response?.status, outcome: e.outcome, error: e.error, gapAfterNs: nil)
    }

    static func mcpCall(_ e: Exchange) -> MCPCall {
        let m = e.facts.mcp
        var c = MCPCall(id: e.id, transport: .http, method: m?.method, startMonoNs: e.startMonoNs)
        c.tool = m?.tool
        c.arguments = m?.arguments
        c.result = m?.result
        c.error = m?.error
        if c.error == nil, let s = e.response?.status, s >= 400 {
            c.error = .obj([("code", .int(s)), ("message", .string(e.error ?? "HTTP \(s)"))])
        }
        c.durationNs = e.timing.endNs
        c.trajectory = e.trajectory
        c.linkedExchange = e.link?.exchange
        c.toolCallId = e.link?.toolCallId
        c.isNotification = m?.method != nil && (m?.id == nil || m?.id == .null)
        return c
    }

    /// The Responses API response id, from a JSON body or the first SSE event that carries it.
    static func responseId(_ e: Exchange) -> String? {
        guard let body = e.response?.body else { return nil }
        if let j = body.jsonValue, let id = j["id"]?.stringValue { return id }
        guard let text = body.textValue else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("data:") {
            let payload = line.dropFirst(5).drop(while: { $0 == " " })
            if let j = try? JSON.parse(String(payload)), let id = j["response"]?["id"]?.stringValue { return id }
        }
        return nil
    }
}
