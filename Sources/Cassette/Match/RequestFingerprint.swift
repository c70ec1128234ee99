/// The normalized form of a request that replay matches on, and its fingerprint.
///
/// For LLM dialects only what the dialect understands counts: model, messages or input,
/// system and instructions, tools, tool_choice, response_format, sampling parameters and the
/// stream flag. For MCP: the JSON-RPC method and params, without `id` and `_meta`. Anything
/// else: method, path and the whole body. Headers count only when the rules name them.
/// Fingerprints are computed from records after redaction, so dummy API keys match.
public struct RequestFingerprint: Sendable, Hashable {
    /// The normalized request.
    public let normalized: JSON
    /// A hash of the canonical normalized request.
    public let key: String

    /// Fields of an LLM request body that take part in matching.
    public static let llmFields: Set<String> = [
        "model", "messages", "input", "prompt", "system", "instructions", "tools", "tool_choice", "functions", "function_call",
        "response_format", "text", "temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "max_output_tokens",
        "stop", "stop_sequences", "seed", "n", "presence_penalty", "frequency_penalty", "logit_bias", "reasoning_effort",
        "reasoning", "thinking", "stream", "parallel_tool_calls", "logprobs", "top_logprobs", "modalities", "previous_response_id",
    ]

    /// Normalizes and fingerprints a request.
    public init(method: String, url: String, headers: [Header], body: Body, rules: MatchRules = MatchRules()) {
        let path = Self.path(url)
        let json = body.jsonValue
        let info = RequestInfo(method: method, path: path, body: json)
        var o = JSONObject()
        o["dialect"] = .string(info.dialect.rawValue)
        switch info.dialect {
        case .mcp:
            o["path"] = .string(path)
            let msgs = json?.arrayValue ?? (json.map { [$0] } ?? [])
            o["rpc"] = .array(msgs.map { m in
                var r = JSONObject()
                r["method"] = m["method"] ?? .null
                if var p = m["params"] {
                    p["_meta"] = nil
                    r["params"] = p
                }
                if m["method"] == nil { r["result"] = m["result"] ?? .null; r["error"] = m["error"] ?? .null }
                return .object(r)
            })
        case .unknown:
            o["method"] = .string(method)
            o["url"] = .string(path + Self.query(url))
            o["body"] = json ?? .string(body.textValue ?? "<\(body.count) bytes>")
        default:
            o["path"] = .string(path)
            var b = JSONObject()
            if case .object(let obj)? = json {
                for (k, v) in obj where Self.llmFields.contains(k) { b[k] = v }
            } else if let t = body.textValue {
                b["raw"] = .string(t)
            }
            o["body"] = .object(b)
        }
        if !rules.headers.isEmpty {
            o["headers"] = .object(JSONObject(rules.headers.map { ($0, .string(headers.first($0) ?? "")) }))
        }
        var n = JSON.object(o)
        for p in rules.ignorePaths {
            // Paths are written against the request body; apply them there (and to MCP params).
            if case .object(var top) = n {
                if var b = top["body"] { p.remove(in: &b); top["body"] = b }
                if case .array(var rpc)? = top["rpc"] {
                    for i in rpc.indices { if var params = rpc[i]["params"] { p.remove(in: &params); rpc[i]["params"] = params } }
                    top["rpc"] = .array(rpc)
                }
                n = .object(top)
            }
        }
        if !rules.ignorePatterns.isEmpty { n = Self.blank(n, rules.ignorePatterns) }
        normalized = n
        key = XXH64.contentName(n.serialized(sortedKeys: true))
    }

    /// A fingerprint of a recorded exchange's request.
    public init(_ ex: Exchange, rules: MatchRules = MatchRules()) {
        self.init(method: ex.request.method, url: ex.request.url, headers: ex.request.headers, body: ex.request.body, rules: rules)
    }

    /// The path without query, session (`/s/<id>`) or token (`/t/<token>`) prefixes.
    public static func path(_ url: String) -> String {
        var p = Substring(url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        for prefix in ["/t/", "/s/"] where p.hasPrefix(prefix) {
            let rest = p.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") { p = rest[slash...] } else { p = "/" }
        }
        return String(p)
    }

    static func query(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return "" }
        return String(url[q...])
    }

    static func blank(_ v: JSON, _ patterns: [RedactionPattern]) -> JSON {
        switch v {
        case .string(let s):
            var t = s
            for p in patterns { t = p.apply(t, placeholder: "<ignored>") }
            return .string(t)
        case .array(let a): return .array(a.map { blank($0, patterns) })
        case .object(let o):
            var out = o
            for (k, val) in o { out[k] = blank(val, patterns) }
            return .object(out)
        default: return v
        }
    }
}
