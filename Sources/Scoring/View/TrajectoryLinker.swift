import Cassette

/// Groups LLM requests into trajectories when the recorder did not say which is which.
///
/// Agents resend their history every turn, so request k+1 of a trajectory extends request k's
/// conversation items, usually followed by k's reply. Each request joins the open trajectory
/// whose last request is the longest strict prefix of it, preferring one whose reply is the
/// next item (this separates agents that started from the same prompt). The Responses API's
/// `previous_response_id` links directly. Anything else starts a new trajectory.
struct TrajectoryLinker {
    struct Open {
        var id: String
        var lastHashes: [String]
        var lastReplyIds: Set<String>
        var lastReplyText: String?
        var lastEnd: Int64
    }
    var open: [Open] = []
    var byResponseId: [String: Int] = [:]
    var next = 0

    /// Assigns a trajectory id to a request; `replyIds`/`replyText` describe its reply.
    mutating func assign(messages: [JSON], previousResponseId: String?, responseId: String?,
                         replyIds: Set<String>, replyText: String?, endMonoNs: Int64) -> String {
        let hashes = messages.map { Blob.name(of: $0) }
        var chosen: Int?
        if let p = previousResponseId, let i = byResponseId[p] { chosen = i }
        if chosen == nil {
            var best: (score: Int, len: Int, end: Int64, index: Int)?
            for (i, t) in open.enumerated() where t.lastHashes.count < hashes.count && hashes.starts(with: t.lastHashes) {
                let nextItem = messages[t.lastHashes.count]
                let score = Self.isReply(nextItem, ids: t.lastReplyIds, text: t.lastReplyText) ? 1 : 0
                let cand = (score, t.lastHashes.count, t.lastEnd, i)
                if let b = best {
                    if (cand.0, cand.1, cand.2) > (b.score, b.len, b.end) { best = cand }
                } else {
                    best = cand
                }
            }
            chosen = best?.index
        }
        let index: Int
        if let c = chosen {
            index = c
        } else {
            next += 1
            open.append(Open(id: "auto-\(next)", lastHashes: [], lastReplyIds: [], lastReplyText: nil, lastEnd: 0))
            index = open.count - 1
        }
        open[index].lastHashes = hashes
        open[index].lastReplyIds = replyIds
        open[index].lastReplyText = replyText
        open[index].lastEnd = endMonoNs
        if let r = responseId { byResponseId[r] = index }
        return open[index].id
    }

    /// Whether a conversation item is the assistant reply with these tool call ids or this text.
    static func isReply(_ item: JSON, ids: Set<String>, text: String?) -> Bool {
        var itemIds: Set<String> = []
        for c in item["tool_calls"]?.arrayValue ?? [] { if let id = c["id"]?.stringValue { itemIds.insert(id) } }
        for b in item["content"]?.arrayValue ?? [] where b["type"]?.stringValue == "tool_use" {
            if let id = b["id"]?.stringValue { itemIds.insert(id) }
        }
        if item["type"]?.stringValue == "function_call", let id = item["call_id"]?.stringValue { itemIds.insert(id) }
        if !ids.isDisjoint(with: itemIds) { return true }
        guard let text, !text.isEmpty, let content = item["content"] else { return false }
        return RequestFacts.text(of: content) == text
    }

    /// Joins a recorded trajectory onto another when the recorder started it afresh although its
    /// first request continues the other: it extends the other's last request and its next item
    /// is the other's last reply, by tool-call id (ids are unique, so this never joins strangers).
    /// Recorders can miss such a link, e.g. after a client hung up once the answer was complete.
    static func rejoin(_ groups: [(id: String, turns: [Turn])]) -> [(id: String, turns: [Turn])] {
        var out = groups
        var changed = true
        while changed {
            changed = false
            search: for b in out.indices {
                guard let first = out[b].turns.first else { continue }
                let m = first.request.messages
                for a in out.indices where a != b {
                    guard let last = out[a].turns.last, last.endMonoNs <= first.startMonoNs else { continue }
                    let ids = Set(last.toolCalls.compactMap(\.id))
                    let prefix = last.request.messages
                    guard !ids.isEmpty, prefix.count < m.count, isReply(m[prefix.count], ids: ids, text: nil),
                          m.prefix(prefix.count).elementsEqual(prefix) else { continue }
                    out[a].turns += out[b].turns
                    out.remove(at: b)
                    changed = true
                    break search
                }
            }
        }
        return out
    }
}
