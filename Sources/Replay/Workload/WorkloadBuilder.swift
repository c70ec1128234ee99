import Cassette

/// Builds a ``Workload`` from exchanges streamed out of cassettes, one at a time.
///
/// Only successful LLM calls become turns; MCP calls and other traffic are part of the gaps
/// between turns. Exchanges that carry a trajectory id are grouped by it; the others are
/// linked by shared message prefix (a turn resends the previous turn's messages).
public struct WorkloadBuilder {
    /// The policy turns are compiled for.
    public let policy: TrafficPolicy
    var compiler = BodyCompiler()
    var pending: [PendingTurn] = []
    var stats = WorkloadStats()

    struct PendingTurn {
        var source: String
        var trajectory: String?
        var order: Int
        var turnIndex: Int?
        var turn: Turn
        var compiled: CompiledBody
    }

    /// A builder for a policy.
    public init(policy: TrafficPolicy) { self.policy = policy }

    /// Adds one exchange read from the cassette named `source`.
    public mutating func add(_ e: Exchange, source: String) {
        stats.exchanges += 1
        guard e.facts.dialect.isLLM, let path = Turn.apiPath(e.facts.dialect) else { stats.nonLLM += 1; return }
        guard e.deliveredWholeReply, let status = e.response?.status, (200..<300).contains(status),
              case .object(let body)? = e.request.body.jsonValue
        else { stats.skipped += 1; return }
        let recordedOut = e.facts.usage?.output ?? e.facts.tokenNs.count
        let rewritten = BodyCompiler.rewrite(body, dialect: e.facts.dialect, policy: policy, recordedOutput: recordedOut)
        let compiled = compiler.compile(rewritten, dialect: e.facts.dialect)
        if !compiled.hasNonce { stats.withoutNonce += 1 }
        let end = e.timing.endNs ?? e.response?.chunks.last?.tNs ?? e.timing.headNs ?? 0
        let headers = e.request.headers.filter { h in
            let n = h.name.lowercased()
            return (n.hasPrefix("anthropic-") || n.hasPrefix("openai-")) && n != "openai-organization" && n != "openai-project"
        }
        let turn = Turn(exchangeId: e.id, dialect: e.facts.dialect, path: path, headers: headers, body: compiled.pieces,
                        recordedOutputTokens: recordedOut, recordedInputTokens: e.facts.usage?.input ?? 0,
                        maxTokens: policy.maxTokens(recorded: recordedOut), gapAfterNs: 0,
                        toolNames: e.facts.toolCalls.map(\.name),
                        recordedStartNs: e.startMonoNs, recordedEndNs: e.startMonoNs + end)
        pending.append(PendingTurn(source: source, trajectory: e.trajectory, order: pending.count, turnIndex: e.turn,
                                   turn: turn, compiled: compiled))
        stats.llmTurns += 1
    }

    /// Groups, orders and links the turns into trajectories.
    public mutating func finish() -> Workload {
        var groups: [String: [PendingTurn]] = [:]
        var groupOrder: [String] = []
        var open: [(key: String, last: [UInt64])] = []
        let byStart = pending.sorted { ($0.source, $0.turn.recordedStartNs, $0.order) < ($1.source, $1.turn.recordedStartNs, $1.order) }
        var autoCount = 0
        for p in byStart {
            let key: String
            if let t = p.trajectory {
                key = p.source + "#" + t
            } else {
                stats.linkedByPrefix += 1
                let keys = p.compiled.messageKeys
                let match = open.indices.filter { i in
                    let last = open[i].last
                    return open[i].key.hasPrefix(p.source + "#") && !last.isEmpty && last.count < keys.count && keys.starts(with: last)
                }.max { open[$0].last.count < open[$1].last.count }
                if let i = match {
                    key = open[i].key
                    open[i].last = keys
                } else {
                    autoCount += 1
                    key = p.source + "#auto-\(autoCount)"
                    open.append((key, keys))
                }
            }
            if groups[key] == nil { groupOrder.append(key) }
            groups[key, default: []].append(p)
        }
        var trajectories: [Trajectory] = []
        for key in groupOrder {
            var turns = groups[key]!.sorted {  // Every key in groupOrder has a group.
                ($0.turnIndex ?? Int.max, $0.turn.recordedStartNs, $0.order) < ($1.turnIndex ?? Int.max, $1.turn.recordedStartNs, $1.order)
            }
            for k in turns.indices.dropLast() {
                turns[k].turn.gapAfterNs = max(0, turns[k + 1].turn.recordedStartNs - turns[k].turn.recordedEndNs)
            }
            if policy.history == .live { Self.linkLiveReplies(&turns) }
            trajectories.append(Trajectory(id: key, turns: turns.map(\.turn)))
        }
        stats.storedBodyBytes = compiler.interner.storedBytes
        stats.logicalBodyBytes = trajectories.reduce(0) { $0 + $1.turns.reduce(0) { $0 + $1.bodyLength } }
        return Workload(trajectories: trajectories, stats: stats)
    }

    /// Marks, in each turn, the assistant messages that were earlier turns' replies (OpenAI chat only).
    static func linkLiveReplies(_ turns: inout [PendingTurn]) {
        for j in turns.indices where turns[j].turn.dialect == .openaiChat {
            for k in 0..<j {
                let m = turns[k].compiled.messageKeys.count
                guard let p = turns[j].compiled.assistantPieces[m], case .bytes(let b) = turns[j].turn.body[p] else { continue }
                turns[j].turn.body[p] = .liveReply(turn: k, recorded: b, leadingComma: m > 0)
            }
        }
    }
}
