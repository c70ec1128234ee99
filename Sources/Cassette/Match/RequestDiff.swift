/// Explains a replay miss: the nearest recorded request, the first JSON path where they
/// differ with both values, and the drift in plain words.
public struct RequestDiff: Sendable, Equatable {
    /// The nearest recorded exchange's id.
    public var nearestId: String
    /// Its index among the indexed exchanges.
    public var nearestIndex: Int
    /// The first differing path, e.g. `body.messages[0].content`.
    public var path: String
    /// The recorded value at that path (shortened), or `(absent)`.
    public var recorded: String
    /// The live value at that path (shortened), or `(absent)`.
    public var live: String
    /// Plain-words drift: "system prompt changed", "tools changed: added `search`, removed `lookup`", "model changed: a → b".
    public var drift: [String]

    /// One line for logs and error messages.
    public var message: String {
        let d = drift.isEmpty ? "" : drift.joined(separator: "; ") + ". "
        return "no recorded request matches. \(d)Nearest recorded request is \(nearestId); first difference at \(path): recorded \(recorded), live \(live)"
    }

    /// Compares a live request with every recorded one of the same dialect and path and explains the nearest.
    public static func explain(_ live: RequestFingerprint, in index: ReplayIndex) -> RequestDiff? {
        let lp = live.normalized["path"]?.stringValue
        let ld = live.normalized["dialect"]
        var best: (score: Int, idx: Int)?
        for (i, f) in index.fingerprints.enumerated() {
            let sameKind = f.normalized["dialect"] == ld && f.normalized["path"]?.stringValue == lp
            let s = score(live.normalized, f.normalized) - (sameKind ? 0 : 1_000_000) - (index.played[i] ? 1 : 0)
            if best == nil || s > best!.score { best = (s, i) }  // best is non-nil on the right of ||.
        }
        guard let b = best else { return nil }
        let rec = index.fingerprints[b.idx].normalized
        let (path, a, c) = firstDifference(rec, live.normalized, path: "") ?? ("(none)", .null, .null)
        return RequestDiff(nearestId: index.exchanges[b.idx].id, nearestIndex: b.idx, path: path.isEmpty ? "(root)" : path,
                           recorded: show(a), live: show(c), drift: drift(rec, live.normalized))
    }

    /// Similarity: shared top-level body fields, plus the length of the common message prefix.
    static func score(_ a: JSON, _ b: JSON) -> Int {
        var s = 0
        let ab = a["body"]?.objectValue ?? JSONObject(), bb = b["body"]?.objectValue ?? JSONObject()
        for k in Set(ab.keys).union(bb.keys) where ab[k] == bb[k] { s += 10 }
        for key in ["messages", "input"] {
            let x = ab[key]?.arrayValue ?? [], y = bb[key]?.arrayValue ?? []
            var n = 0
            while n < min(x.count, y.count), x[n] == y[n] { n += 1 }
            s += n * 3 - abs(x.count - y.count)
        }
        if a["rpc"] != nil, a["rpc"] == b["rpc"] { s += 100 }
        if let ar = a["rpc"]?[0], let br = b["rpc"]?[0], ar["method"] == br["method"] { s += 20 }
        return s
    }

    /// The first path (objects in sorted-key order, arrays by index) where `a` and `b` differ.
    static func firstDifference(_ a: JSON?, _ b: JSON?, path: String) -> (String, JSON?, JSON?)? {
        if a == b { return nil }
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            for k in Set(x.keys).union(y.keys).sorted() {
                let p = path.isEmpty ? k : path + "." + k
                if let d = firstDifference(x[k], y[k], path: p) { return d }
            }
            return nil
        case (.array(let x)?, .array(let y)?):
            for i in 0..<max(x.count, y.count) {
                if let d = firstDifference(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return (path, a, b)
        }
    }

    static func show(_ v: JSON?) -> String {
        guard let v else { return "(absent)" }
        let t = v.text()
        return t.count > 120 ? String(t.prefix(117)) + "..." : t
    }

    /// Drift in words, comparing the normalized recorded and live requests.
    static func drift(_ rec: JSON, _ live: JSON) -> [String] {
        var out: [String] = []
        let r = rec["body"]?.objectValue ?? JSONObject(), l = live["body"]?.objectValue ?? JSONObject()
        if rec["dialect"] != live["dialect"] || rec["path"] != live["path"] {
            out.append("endpoint changed: \(rec["path"]?.stringValue ?? "?") → \(live["path"]?.stringValue ?? "?")")
        }
        if r["model"] != l["model"] { out.append("model changed: \(show(r["model"])) → \(show(l["model"]))") }
        if systemPrompt(r) != systemPrompt(l) { out.append("system prompt changed") }
        let rt = toolNames(r["tools"]), lt = toolNames(l["tools"])
        if rt != lt {
            let added = lt.filter { !rt.contains($0) }, removed = rt.filter { !lt.contains($0) }
            var parts: [String] = []
            if !added.isEmpty { parts.append("added " + added.map { "`\($0)`" }.joined(separator: ", ")) }
            if !removed.isEmpty { parts.append("removed " + removed.map { "`\($0)`" }.joined(separator: ", ")) }
            out.append("tools changed: " + (parts.isEmpty ? "order changed" : parts.joined(separator: ", ")))
        } else if r["tools"] != l["tools"] {
            out.append("tool definitions changed")
        }
        if r["tool_choice"] != l["tool_choice"] { out.append("tool_choice changed") }
        if r["response_format"] != l["response_format"] { out.append("response_format changed") }
        for k in ["temperature", "top_p", "max_tokens", "max_completion_tokens", "max_output_tokens", "seed", "stop", "reasoning_effort"] where r[k] != l[k] {
            out.append("\(k) changed: \(show(r[k])) → \(show(l[k]))")
        }
        if r["stream"] != l["stream"] { out.append("stream changed: \(show(r["stream"])) → \(show(l["stream"]))") }
        let rm = conversation(r), lm = conversation(l)
        if rm != lm {
            var n = 0
            while n < min(rm.count, lm.count), rm[n] == lm[n] { n += 1 }
            if n < min(rm.count, lm.count) {
                out.append("conversation differs from message \(n) (\(rm[n]["role"]?.stringValue ?? rm[n]["type"]?.stringValue ?? "item"))")
            } else {
                out.append("conversation length changed: \(rm.count) → \(lm.count) messages")
            }
        }
        if let a = rec["rpc"], let b = live["rpc"], a != b {
            let am = a[0]?["method"]?.stringValue ?? "?", bm = b[0]?["method"]?.stringValue ?? "?"
            out.append(am == bm ? "MCP \(am) params changed" : "MCP method changed: \(am) → \(bm)")
        }
        return out
    }

    static func systemPrompt(_ b: JSONObject) -> JSON? {
        if let s = b["system"] { return s }
        if let s = b["instructions"] { return s }
        let msgs = b["messages"]?.arrayValue ?? b["input"]?.arrayValue ?? []
        let sys = msgs.filter { ["system", "developer"].contains($0["role"]?.stringValue ?? "") }
        return sys.isEmpty ? nil : .array(sys)
    }

    static func conversation(_ b: JSONObject) -> [JSON] {
        (b["messages"]?.arrayValue ?? b["input"]?.arrayValue ?? []).filter { !["system", "developer"].contains($0["role"]?.stringValue ?? "") }
    }

    static func toolNames(_ tools: JSON?) -> [String] {
        (tools?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue ?? $0["name"]?.stringValue }
    }
}
