/// Answers an MCP client over stdio from recorded stdio messages: the offline server behind
/// `tapedeck mcp-stdio --replay`.
///
/// Each recorded client request (method and params, ignoring `id` and `_meta`) is paired with
/// the server messages that followed it up to and including its response: notifications and
/// progress first, then the response, whose id is rewritten to the live request's id.
/// Identical requests are answered in recorded order, each once. Client notifications and
/// client responses need no answer.
public struct StdioReplay: Sendable {
    struct Entry: Sendable {
        var key: String
        var request: JSON
        var replies: [JSON]
        var played = false
    }

    var entries: [Entry] = []
    /// Requests answered from the recording.
    public private(set) var hits = 0
    /// Requests with no recorded answer.
    public private(set) var misses: [String] = []
    /// The rules the recording was made with: a live request is matched as it would have been
    /// recorded (a key in its arguments, redacted on disk, must not make it miss). Replies keep
    /// the live request's id.
    public var redactor: Redactor?

    /// Pairs recorded requests with the server messages that answered them.
    public init(messages: [StdioMessage]) {
        var open: [JSON: Int] = [:]  // recorded request id -> entry index
        var lastRequest: Int?
        for m in messages.sorted(by: { $0.seq < $1.seq }) {
            let msg = m.message
            switch m.direction {
            case .toServer:
                guard msg["method"] != nil, let id = msg["id"], !id.isNull else { continue }
                entries.append(Entry(key: Self.key(msg), request: msg, replies: []))
                open[id] = entries.count - 1
                lastRequest = entries.count - 1
            case .toClient:
                if msg["method"] == nil, let id = msg["id"], let i = open[id] {
                    entries[i].replies.append(msg)
                    open[id] = nil
                } else if let i = lastRequest, open.values.contains(i) {
                    // A notification or server request while a request is outstanding: replay it before the answer.
                    entries[i].replies.append(msg)
                }
            }
        }
    }

    /// The match key: method plus params without `_meta`, canonical.
    static func key(_ msg: JSON) -> String {
        var params = msg["params"] ?? .null
        params["_meta"] = nil
        return (msg["method"]?.stringValue ?? "") + "|" + params.text(sortedKeys: true)
    }

    /// The messages to write back for one line received from the client.
    public mutating func receive(_ msg: JSON) -> [JSON] {
        if let batch = msg.arrayValue { return batch.flatMap { receive($0) } }
        guard let method = msg["method"]?.stringValue else { return [] }  // a client response
        guard let id = msg["id"], !id.isNull else { return [] }             // a notification
        let live = redactor?.redacted(message: msg) ?? msg
        let k = Self.key(live)
        guard let i = entries.firstIndex(where: { !$0.played && $0.key == k }) else {
            let near = entries.first { $0.request["method"]?.stringValue == method }
            var why = "no recorded \(method) request matches"
            if let near {
                var a = near.request["params"] ?? .null, b = live["params"] ?? .null
                a["_meta"] = nil; b["_meta"] = nil
                if let d = RequestDiff.firstDifference(a, b, path: "params") {
                    why += "; nearest differs at \(d.0): recorded \(RequestDiff.show(d.1)), live \(RequestDiff.show(d.2))"
                } else {
                    why += "; every recorded \(method) with these params was already played"
                }
            }
            misses.append(why)
            let err = ReplayErrors.miss(dialect: .mcp, message: why, rpcId: id)
            return [err.body]
        }
        entries[i].played = true
        hits += 1
        let recordedId = entries[i].request["id"] ?? .null
        return entries[i].replies.map { r in
            guard r["method"] == nil, r["id"] == recordedId, case .object(var o) = r else { return r }
            o["id"] = id
            return .object(o)
        }
    }
}
