/// Chooses which recorded exchange answers a live request: the replay matcher.
///
/// Recorded exchanges with the same fingerprint form an ordered queue; each is played once,
/// in recorded order, unless repeats are allowed. When a queue holds candidates from several
/// trajectories, the one from the trajectory the live conversation has been following is
/// preferred: the conversation is recognized by the tool-call ids and reply text of the last
/// assistant turn it resends, which name the recorded exchange that produced them. Several
/// agents replayed at once from one cassette therefore each get their own answers.
public struct ReplayIndex: Sendable {
    /// The recorded exchanges, in file order.
    public private(set) var exchanges: [Exchange] = []
    /// The fingerprint of each recorded exchange.
    public private(set) var fingerprints: [RequestFingerprint] = []
    let rules: MatchRules
    var queues: [String: [Int]] = [:]
    var played: [Bool] = []
    var producedBy: [String: Int] = [:]
    /// Hits so far.
    public private(set) var hits = 0
    /// Misses so far.
    public private(set) var misses = 0

    /// Indexes `exchanges` (only complete ones with a response can answer).
    public init(exchanges: [Exchange], rules: MatchRules = MatchRules()) {
        self.rules = rules
        for e in exchanges where e.response != nil { add(e, played: false) }
    }

    /// Adds an exchange (one recorded during replay in `new-episodes` or `all` mode is added as
    /// played); later requests can match it.
    public mutating func add(_ e: Exchange, played isPlayed: Bool) {
        let i = exchanges.count
        let f = RequestFingerprint(e, rules: rules)
        exchanges.append(e)
        fingerprints.append(f)
        played.append(isPlayed)
        queues[f.key, default: []].append(i)
        for c in e.facts.toolCalls { if let id = c.id, producedBy["call:" + id] == nil { producedBy["call:" + id] = i } }
        if let t = e.facts.outputText, !t.isEmpty {
            let k = "text:" + XXH64.contentName(Array(t.utf8))
            if producedBy[k] == nil { producedBy[k] = i }
        }
    }

    /// How many recorded exchanges share this fingerprint (played or not).
    public func recordedCount(_ f: RequestFingerprint) -> Int { queues[f.key]?.count ?? 0 }

    /// The number of recorded exchanges not yet played.
    public var unplayed: Int { played.filter { !$0 }.count }

    /// The outcome of a lookup.
    public enum Lookup: Sendable {
        /// The recorded exchange at this index answers.
        case hit(Int)
        /// Nothing answers; the fingerprint that missed.
        case miss(RequestFingerprint)
    }

    /// Finds (and marks played) the recorded exchange that answers this request.
    public mutating func take(method: String, url: String, headers: [Header], body: Body, allowRepeats: Bool = false) -> Lookup {
        let f = RequestFingerprint(method: method, url: url, headers: headers, body: body, rules: rules)
        guard let queue = queues[f.key], !queue.isEmpty else { misses += 1; return .miss(f) }
        let preferred = trajectoryHint(body)
        let open = queue.filter { !played[$0] }
        var pick: Int?
        if let t = preferred { pick = open.first { exchanges[$0].trajectory == t } }
        if pick == nil { pick = open.first }
        if pick == nil, allowRepeats {
            if let t = preferred { pick = queue.last { exchanges[$0].trajectory == t } }
            if pick == nil { pick = queue.last }
        }
        guard let i = pick else { misses += 1; return .miss(f) }
        played[i] = true
        hits += 1
        return .hit(i)
    }

    /// The recorded trajectory the live conversation follows, from its last assistant turn.
    func trajectoryHint(_ body: Body) -> String? {
        guard let j = body.jsonValue else { return nil }
        let items = j["messages"]?.arrayValue ?? j["input"]?.arrayValue ?? []
        for m in items.reversed() {
            let role = m["role"]?.stringValue
            // OpenAI chat tool calls, Responses function calls, Anthropic tool_use blocks.
            var ids: [String] = []
            for c in m["tool_calls"]?.arrayValue ?? [] { if let id = c["id"]?.stringValue { ids.append(id) } }
            if m["type"]?.stringValue == "function_call", let id = m["call_id"]?.stringValue { ids.append(id) }
            for b in m["content"]?.arrayValue ?? [] where b["type"]?.stringValue == "tool_use" {
                if let id = b["id"]?.stringValue { ids.append(id) }
            }
            for id in ids { if let i = producedBy["call:" + id] { return exchanges[i].trajectory } }
            if role == "assistant" {
                var text = m["content"]?.stringValue ?? ""
                if text.isEmpty {
                    text = (m["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
                }
                if !text.isEmpty, let i = producedBy["text:" + XXH64.contentName(Array(text.utf8))] { return exchanges[i].trajectory }
                if ids.isEmpty { return nil }
            }
        }
        return nil
    }
}
