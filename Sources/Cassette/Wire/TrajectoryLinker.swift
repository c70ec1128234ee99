/// Groups exchanges into trajectories (agent sessions) with no help from the agent.
///
/// Feed it finished exchanges, facts derived, in the order they finished (the recorder's
/// order). The rules:
/// - **Explicit session.** An exchange that arrives with `trajectory` set (from the
///   `X-Tapedeck-Session` header or a `/s/<id>/` path prefix) belongs to that session; its turn
///   counts the session's LLM exchanges and its parent is the previous one.
/// - **Extension.** Otherwise request k+1 of an agent extends request k's messages with k's
///   reply: its message list starts with k's messages, and the next message is k's reply
///   (same tool-call ids, or the same text). Request k must have ended before k+1 started.
///   Among several open trajectories that fit, the longest matching history wins, then the
///   one that ended last; each trajectory is extended once per turn, which keeps agents with
///   identical histories apart. A Responses API `previous_response_id` links directly.
/// - **Retry.** A request with exactly the messages of a failed one retries it: same
///   trajectory, same turn, same parent.
/// - **Tool link.** An MCP `tools/call` is linked to the LLM tool call that asked for it:
///   same tool name (or a name ending in it) and the same arguments, asked by a reply that
///   ended before the call began; the most recent such reply wins.
/// - Anything else starts a new trajectory at turn 0.
///
/// The tool/think gap of turn k is `start(k+1) − end(k)`; see ``Decision/gapNs``.
/// Memory stays bounded: at most ``Configuration/maxOpen`` open trajectories are kept, the
/// least recently active dropped first.
public struct TrajectoryLinker: Sendable {
    /// Limits and naming.
    public struct Configuration: Sendable {
        /// Open trajectories remembered.
        public var maxOpen: Int
        /// Unanswered LLM tool calls remembered for MCP linking.
        public var maxPendingToolCalls: Int
        /// Prefix of generated trajectory ids (`t` gives `t0001`, `t0002`…).
        public var idPrefix: String
        /// Defaults: 10,000 trajectories, 50,000 tool calls, prefix `t`.
        public init(maxOpen: Int = 10_000, maxPendingToolCalls: Int = 50_000, idPrefix: String = "t") {
            self.maxOpen = maxOpen; self.maxPendingToolCalls = maxPendingToolCalls; self.idPrefix = idPrefix
        }
    }

    /// What the linker decided for one exchange.
    public struct Decision: Sendable, Equatable {
        /// The trajectory, when the exchange belongs to one.
        public var trajectory: String?
        /// The turn index, for LLM exchanges.
        public var turn: Int?
        /// The previous turn's exchange.
        public var parent: String?
        /// For an MCP tool call, the LLM tool call it answered.
        public var link: ToolLink?
        /// For a linked LLM turn: the tool/think gap before it (start − parent's end), ns.
        public var gapNs: Int64?
        /// Whether the exchange retried a failed one.
        public var retry = false
    }

    struct Tip {
        var trajectory: String
        var turn: Int
        var exchange: String
        var parent: String?
        var endMono: Int64
        var messages: [MessageSignature]
        var prefixHash: UInt64
        var reply: MessageSignature?
        var responseID: String?
        var failed: Bool
        var explicit: Bool
        var touched: UInt64
    }

    struct PendingCall {
        var exchange: String
        var trajectory: String?
        var callID: String?
        var name: String
        var arguments: String
        var endMono: Int64
    }

    struct PrefixKey: Hashable { var count: Int; var hash: UInt64 }

    /// The settings.
    public let configuration: Configuration
    var tips: [String: Tip] = [:]
    var byPrefix: [PrefixKey: Set<String>] = [:]
    var byResponseID: [String: String] = [:]
    var sessionTurns: [String: (turns: Int, last: String?)] = [:]
    var pending: [PendingCall] = []
    var counter = 0
    var clock: UInt64 = 0

    /// A linker with the given limits.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Decides and writes `trajectory`, `turn`, `parent` and `link` into the exchange.
    @discardableResult
    public mutating func link(_ ex: inout Exchange) -> Decision {
        let d = decide(ex)
        ex.trajectory = d.trajectory
        ex.turn = d.turn
        ex.parent = d.parent
        if let l = d.link { ex.link = l }
        return d
    }

    /// Decides for one exchange and remembers it as a possible parent.
    public mutating func decide(_ ex: Exchange) -> Decision {
        clock += 1
        if ex.facts.dialect == .mcp { return mcp(ex) }
        guard ex.facts.dialect.isLLM else {
            return Decision(trajectory: ex.trajectory)
        }
        let end = ex.startMonoNs + (ex.timing.endNs ?? 0)
        let failed = !ex.deliveredWholeReply || (ex.response?.status ?? 0) >= 400 || ex.response == nil
        let body = ex.request.body.jsonValue
        let messages = body.flatMap { ConversationSignature.messages(of: $0, dialect: ex.facts.dialect) } ?? []
        let reply: MessageSignature? = failed ? nil : ConversationSignature.reply(of: ex.facts)
        let responseID = failed ? nil : ex.response?.body.jsonValue?["id"]?.stringValue ?? responsesStreamID(ex)
        var d = Decision()

        if let session = ex.trajectory {
            var s = sessionTurns[session] ?? (0, nil)
            d.trajectory = session
            d.turn = s.turns
            d.parent = s.last
            if let p = s.last, let tip = tips[session], tip.exchange == p { d.gapNs = ex.startMonoNs - tip.endMono }
            s.turns += 1
            s.last = ex.id
            sessionTurns[session] = s
            remember(Tip(trajectory: session, turn: d.turn ?? 0, exchange: ex.id, parent: d.parent, endMono: end, messages: messages,
                         prefixHash: Self.prefixHash(messages, messages.count), reply: reply, responseID: responseID,
                         failed: failed, explicit: true, touched: clock))
        } else if let match = findParent(ex, messages: messages) {
            let tip = match.tip
            d.trajectory = tip.trajectory
            if match.retry {
                d.turn = tip.turn
                d.parent = tip.parent
                d.retry = true
            } else {
                d.turn = tip.turn + 1
                d.parent = tip.exchange
                d.gapNs = ex.startMonoNs - tip.endMono
            }
            forget(tip.trajectory)
            remember(Tip(trajectory: tip.trajectory, turn: d.turn ?? 0, exchange: ex.id, parent: d.parent, endMono: end,
                         messages: messages, prefixHash: Self.prefixHash(messages, messages.count), reply: reply,
                         responseID: responseID, failed: failed, explicit: false, touched: clock))
        } else {
            counter += 1
            let s = String(counter)
            let id = configuration.idPrefix + String(repeating: "0", count: max(0, 4 - s.count)) + s
            d.trajectory = id
            d.turn = 0
            remember(Tip(trajectory: id, turn: 0, exchange: ex.id, parent: nil, endMono: end, messages: messages,
                         prefixHash: Self.prefixHash(messages, messages.count), reply: reply, responseID: responseID,
                         failed: failed, explicit: false, touched: clock))
        }
        if !failed {
            for c in ex.facts.toolCalls {
                pending.append(PendingCall(exchange: ex.id, trajectory: d.trajectory, callID: c.id, name: c.name,
                                           arguments: Self.canonicalArguments(c.arguments), endMono: end))
            }
            if pending.count > configuration.maxPendingToolCalls { pending.removeFirst(pending.count - configuration.maxPendingToolCalls) }
        }
        return d
    }

    // MARK: Parents

    func findParent(_ ex: Exchange, messages: [MessageSignature]) -> (tip: Tip, retry: Bool)? {
        if ex.facts.dialect == .openaiResponses, let prev = ex.request.body.jsonValue?["previous_response_id"]?.stringValue,
           let t = byResponseID[prev], let tip = tips[t] {
            return (tip, false)
        }
        guard !messages.isEmpty else { return nil }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(messages.count + 1)
        var h: UInt64 = 0
        hashes.append(h)
        for m in messages { h = Self.combine(h, m.hash); hashes.append(h) }
        // Longest history first.
        var n = messages.count
        while n >= 1 {
            if let ids = byPrefix[PrefixKey(count: n, hash: hashes[n])] {
                var best: Tip?
                var bestRetry = false
                for id in ids {
                    guard let tip = tips[id], tip.endMono <= ex.startMonoNs, !tip.explicit else { continue }
                    let retry: Bool
                    if n == messages.count {
                        guard tip.failed else { continue }
                        retry = true
                    } else {
                        guard Self.extends(tip, next: messages[n]) else { continue }
                        retry = false
                    }
                    if best == nil || tip.endMono > best!.endMono { best = tip; bestRetry = retry }  // best is non-nil here.
                }
                if let best { return (best, bestRetry) }
            }
            n -= 1
        }
        return nil
    }

    static func extends(_ tip: Tip, next: MessageSignature) -> Bool {
        guard let reply = tip.reply else { return false }
        if next.hash == reply.hash { return true }
        guard next.isAssistant else { return false }
        if !reply.toolIDs.isEmpty { return Set(next.toolIDs) == Set(reply.toolIDs) }
        return false
    }

    mutating func remember(_ tip: Tip) {
        tips[tip.trajectory] = tip
        byPrefix[PrefixKey(count: tip.messages.count, hash: tip.prefixHash), default: []].insert(tip.trajectory)
        if let r = tip.responseID { byResponseID[r] = tip.trajectory }
        if tips.count > configuration.maxOpen, let oldest = tips.values.min(by: { $0.touched < $1.touched }) {
            forget(oldest.trajectory)
            sessionTurns[oldest.trajectory] = nil
        }
    }

    mutating func forget(_ trajectory: String) {
        guard let tip = tips.removeValue(forKey: trajectory) else { return }
        let key = PrefixKey(count: tip.messages.count, hash: tip.prefixHash)
        byPrefix[key]?.remove(trajectory)
        if byPrefix[key]?.isEmpty == true { byPrefix[key] = nil }
        if let r = tip.responseID { byResponseID[r] = nil }
    }

    static func prefixHash(_ m: [MessageSignature], _ n: Int) -> UInt64 {
        var h: UInt64 = 0
        for k in 0..<n { h = combine(h, m[k].hash) }
        return h
    }

    static func combine(_ h: UInt64, _ v: UInt64) -> UInt64 {
        var bytes = (h, v)
        return withUnsafeBytes(of: &bytes) { XXH64.hash($0, seed: 0x7461_7065) }
    }

    func responsesStreamID(_ ex: Exchange) -> String? {
        guard ex.facts.dialect == .openaiResponses, ex.facts.stream, let text = ex.response?.body.textValue else { return nil }
        // The id sits in the first event (`response.created`).
        guard let r = text.range(of: "\"id\":\"resp_") else { return nil }
        let start = text.index(r.lowerBound, offsetBy: 6)
        guard let end = text[start...].firstIndex(of: "\"") else { return nil }
        return String(text[start..<end])
    }

    // MARK: MCP

    mutating func mcp(_ ex: Exchange) -> Decision {
        var d = Decision(trajectory: ex.trajectory)
        guard let m = ex.facts.mcp, m.method == "tools/call", let name = m.tool else { return d }
        let args = m.arguments.map { $0.serialized(sortedKeys: true) }.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var best: (index: Int, score: Int, end: Int64)?
        for (k, c) in pending.enumerated() where c.endMono <= ex.startMonoNs {
            var score = 0
            if c.name == name { score += 2 } else if Self.nameEndsWith(c.name, name) { score += 1 } else { continue }
            if c.arguments == args { score += 2 }
            if best == nil || score > best!.score || (score == best!.score && c.endMono >= best!.end) {  // best is non-nil here.
                best = (k, score, c.endMono)
            }
        }
        guard let best else { return d }
        let c = pending.remove(at: best.index)
        d.link = ToolLink(exchange: c.exchange, toolCallId: c.callID)
        if d.trajectory == nil { d.trajectory = c.trajectory }
        return d
    }

    /// `mcp__fs__read_file` or `fs.read_file` names the MCP tool `read_file`.
    static func nameEndsWith(_ llmName: String, _ tool: String) -> Bool {
        guard llmName.hasSuffix(tool), llmName.count > tool.count else { return false }
        let before = llmName[llmName.index(llmName.endIndex, offsetBy: -tool.count - 1)]
        return before == "_" || before == "." || before == "-" || before == "/" || before == ":"
    }

    static func canonicalArguments(_ s: String) -> String {
        guard let v = try? JSON.parse(s) else { return s }
        return String(decoding: v.serialized(sortedKeys: true), as: UTF8.self)
    }
}
