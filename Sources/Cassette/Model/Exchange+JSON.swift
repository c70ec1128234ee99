import Foundation

extension Exchange {
    /// The logical (expanded) JSON form of this exchange.
    public func toJSON() -> JSON { toJSON(storedRequestBody: nil) }

    /// The JSON form, with the request body given in its stored form (`body` and, after any
    /// `body_layout`, `body_refs`) when content de-duplication replaced parts of a JSON body.
    func toJSON(storedRequestBody: (body: JSONObject, refs: JSONObject)?) -> JSON {
        var o = JSONObject(capacity: 16)
        o.appendNew("type", "exchange")
        o.appendNew("id", .string(id))
        o.appendNew("start_unix_ns", .i64(startUnixNs))
        o.appendNew("start_mono_ns", .i64(startMonoNs))
        var t = JSONObject(capacity: 3)
        if let v = timing.sentNs { t.appendNew("sent_ns", .i64(v)) }
        if let v = timing.headNs { t.appendNew("head_ns", .i64(v)) }
        if let v = timing.endNs { t.appendNew("end_ns", .i64(v)) }
        o.appendNew("timing", .object(t))
        if let u = upstream { o.appendNew("upstream", .string(u)) }
        var rq = JSONObject(capacity: 5)
        rq.appendNew("method", .string(request.method))
        rq.appendNew("url", .string(request.url))
        rq.appendNew("headers", Self.headersJSON(request.headers))
        if let s = storedRequestBody, case .json(_, let layout) = request.body {
            Body.json(.object(s.body), layout).store(into: &rq)
            rq.appendNew("body_refs", .object(s.refs))
        } else {
            request.body.store(into: &rq)
        }
        o.appendNew("request", .object(rq))
        if let r = response {
            var rs = JSONObject(capacity: 6)
            rs.appendNew("status", .int(r.status))
            rs.appendNew("headers", Self.headersJSON(r.headers))
            if let e = r.encoding { rs.appendNew("encoding", .string(e)) }
            r.body.store(into: &rs)
            rs.appendNew("chunks", .array(r.chunks.map { .array([.int($0.length), .i64($0.tNs)]) }))
            o.appendNew("response", .object(rs))
        }
        o.appendNew("facts", facts.toJSON())
        if let v = trajectory { o.appendNew("trajectory", .string(v)) }
        if let v = turn { o.appendNew("turn", .int(v)) }
        if let v = parent { o.appendNew("parent", .string(v)) }
        if let l = link {
            var lo = JSONObject(capacity: 2)
            lo.appendNew("exchange", .string(l.exchange))
            if let c = l.toolCallId { lo.appendNew("tool_call_id", .string(c)) }
            o.appendNew("link", .object(lo))
        }
        o.appendNew("outcome", .string(outcome.rawValue))
        if let e = error { o.appendNew("error", .string(e)) }
        return .object(o)
    }

    static func headersJSON(_ h: [Header]) -> JSON { .array(h.map { .array([.string($0.name), .string($0.value)]) }) }

    static func headers(_ j: JSON?, _ ctx: String) throws(CassetteError) -> [Header] {
        guard let j else { return [] }
        guard let a = j.arrayValue else { throw .schema("\(ctx).headers is not an array") }
        var out: [Header] = []
        out.reserveCapacity(a.count)
        for h in a {
            guard let p = h.arrayValue, p.count == 2, let n = p[0].stringValue, let v = p[1].stringValue else {
                throw .schema("\(ctx).headers entries must be [name, value] string pairs")
            }
            out.append(Header(n, v))
        }
        return out
    }

    /// Decodes an exchange from its logical JSON form (blob references already expanded).
    public init(json: JSON) throws(CassetteError) {
        guard let id = json["id"]?.stringValue else { throw .schema("exchange without \"id\"") }
        guard let s = json["start_unix_ns"]?.i64 else { throw .schema("exchange \(id) without \"start_unix_ns\"") }
        guard let rq = json["request"]?.objectValue else { throw .schema("exchange \(id) without \"request\"") }
        guard let method = rq["method"]?.stringValue, let url = rq["url"]?.stringValue else {
            throw .schema("exchange \(id): request needs \"method\" and \"url\"")
        }
        if rq["body_refs"] != nil { throw .schema("exchange \(id) still holds blob references; expand it first") }
        let request = RequestRecord(method: method, url: url, headers: try Self.headers(rq["headers"], "request"),
                                    body: try Body(stored: rq, ctx: "exchange \(id) request"))
        self.init(id: id, startUnixNs: s, startMonoNs: json["start_mono_ns"]?.i64 ?? 0, request: request)
        if let t = json["timing"] {
            timing = Timing(sentNs: t["sent_ns"]?.i64, headNs: t["head_ns"]?.i64, endNs: t["end_ns"]?.i64)
        }
        upstream = json["upstream"]?.stringValue
        if let rs = json["response"]?.objectValue {
            guard let status = rs["status"]?.intValue else { throw .schema("exchange \(id): response without \"status\"") }
            var chunks: [Chunk] = []
            if let ca = rs["chunks"]?.arrayValue {
                chunks.reserveCapacity(ca.count)
                for c in ca {
                    guard let p = c.arrayValue, p.count == 2, let l = p[0].intValue, let t = p[1].i64 else {
                        throw .schema("exchange \(id): response chunks must be [length, t_ns] pairs")
                    }
                    chunks.append(Chunk(length: l, tNs: t))
                }
            }
            let body = try Body(stored: rs, ctx: "exchange \(id) response")
            let total = chunks.reduce(0) { $0 + $1.length }
            if !chunks.isEmpty, total != body.count {
                throw .schema("exchange \(id): response chunks add up to \(total) bytes but the body has \(body.count)")
            }
            response = ResponseRecord(status: status, headers: try Self.headers(rs["headers"], "response"), body: body,
                                      chunks: chunks, encoding: rs["encoding"]?.stringValue)
        }
        if let f = json["facts"] { facts = try ExchangeFacts(json: f) }
        trajectory = json["trajectory"]?.stringValue
        turn = json["turn"]?.intValue
        parent = json["parent"]?.stringValue
        if let l = json["link"], let ex = l["exchange"]?.stringValue {
            link = ToolLink(exchange: ex, toolCallId: l["tool_call_id"]?.stringValue)
        }
        guard let oc = json["outcome"]?.stringValue, let o = Outcome(rawValue: oc) else {
            throw .schema("exchange \(id): \"outcome\" must be one of \(Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        outcome = o
        error = json["error"]?.stringValue
    }
}

extension Body {
    /// Adds `body` / `body_layout`, `body_text` or `body_b64` to a request or response object that has none yet.
    func store(into o: inout JSONObject) {
        switch self {
        case .none: break
        case .json(let v, let layout):
            o.appendNew("body", v)
            if layout != .compact { o.appendNew("body_layout", .string(layout.rawValue)) }
        case .text(let s): o.appendNew("body_text", .string(s))
        case .binary(let b): o.appendNew("body_b64", .string(Data(b).base64EncodedString()))
        }
    }

    init(stored o: JSONObject, ctx: String) throws(CassetteError) {
        if let v = o["body"] {
            let l = o["body_layout"]?.stringValue ?? "compact"
            guard let layout = JSONLayout(rawValue: l) else { throw .schema("\(ctx): unknown body_layout \"\(l)\"") }
            self = .json(v, layout)
        } else if let t = o["body_text"] {
            guard let s = t.stringValue else { throw .schema("\(ctx): body_text is not a string") }
            self = .text(s)
        } else if let b = o["body_b64"] {
            guard let s = b.stringValue, let d = Data(base64Encoded: s) else { throw .schema("\(ctx): body_b64 is not base64") }
            self = .binary([UInt8](d))
        } else {
            self = .none
        }
    }
}

extension ExchangeFacts {
    func toJSON() -> JSON {
        var o = JSONObject(capacity: 12)
        o.appendNew("dialect", .string(dialect.rawValue))
        if let m = model { o.appendNew("model", .string(m)) }
        o.appendNew("stream", .bool(stream))
        if let v = ttftNs { o.appendNew("ttft_ns", .i64(v)) }
        if let v = ttfoNs { o.appendNew("ttfo_ns", .i64(v)) }
        if !tokenNs.isEmpty { o.appendNew("token_ns", .array(tokenNs.map { .i64($0) })) }
        if let u = usage {
            o.appendNew("usage", .obj([("input", .int(u.input)), ("output", .int(u.output)), ("cached", .int(u.cached)), ("reasoning", .int(u.reasoning))]))
            if usageCounted { o.appendNew("usage_counted", true) }
        }
        if !toolCalls.isEmpty {
            o.appendNew("tool_calls", .array(toolCalls.map { c in
                var t = JSONObject(capacity: 3)
                if let id = c.id { t.appendNew("id", .string(id)) }
                t.appendNew("name", .string(c.name))
                t.appendNew("arguments", .string(c.arguments))
                return .object(t)
            }))
        }
        if let f = finishReason { o.appendNew("finish_reason", .string(f)) }
        if let t = outputText { o.appendNew("output_text", .string(t)) }
        if let m = mcp { o.appendNew("mcp", m.toJSON()) }
        return .object(o)
    }

    init(json: JSON) throws(CassetteError) {
        let d = json["dialect"]?.stringValue ?? "unknown"
        guard let dialect = Dialect(rawValue: d) else { throw .schema("unknown dialect \"\(d)\"") }
        self.init(dialect: dialect)
        model = json["model"]?.stringValue
        stream = json["stream"]?.boolValue ?? false
        ttftNs = json["ttft_ns"]?.i64
        ttfoNs = json["ttfo_ns"]?.i64
        tokenNs = json["token_ns"]?.arrayValue?.compactMap(\.i64) ?? []
        if let u = json["usage"] {
            usage = Usage(input: u["input"]?.intValue ?? 0, output: u["output"]?.intValue ?? 0,
                          cached: u["cached"]?.intValue ?? 0, reasoning: u["reasoning"]?.intValue ?? 0)
        }
        usageCounted = json["usage_counted"]?.boolValue ?? false
        toolCalls = (json["tool_calls"]?.arrayValue ?? []).map {
            ToolCall(id: $0["id"]?.stringValue, name: $0["name"]?.stringValue ?? "", arguments: $0["arguments"]?.stringValue ?? "")
        }
        finishReason = json["finish_reason"]?.stringValue
        outputText = json["output_text"]?.stringValue
        if let m = json["mcp"] { mcp = MCPFacts(json: m) }
    }
}

extension MCPFacts {
    func toJSON() -> JSON {
        var o = JSONObject()
        if let v = method { o["method"] = .string(v) }
        if let v = id { o["id"] = v }
        if let v = tool { o["tool"] = .string(v) }
        if let v = arguments { o["arguments"] = v }
        if let v = result { o["result"] = v }
        if let v = error { o["error"] = v }
        if let v = session { o["session"] = .string(v) }
        if otherMessages > 0 { o["other_messages"] = .int(otherMessages) }
        return .object(o)
    }

    init(json: JSON) {
        self.init(method: json["method"]?.stringValue, id: json["id"])
        tool = json["tool"]?.stringValue
        arguments = json["arguments"]
        result = json["result"]
        error = json["error"]
        session = json["session"]?.stringValue
        otherMessages = json["other_messages"]?.intValue ?? 0
    }
}

extension StdioMessage {
    func toJSON() -> JSON {
        .obj([
            ("type", "message"), ("seq", .int(seq)), ("dir", .string(direction.rawValue)),
            ("unix_ns", .i64(unixNs)), ("mono_ns", .i64(monoNs)), ("msg", message),
        ])
    }

    init(json: JSON) throws(CassetteError) {
        guard let seq = json["seq"]?.intValue, let d = json["dir"]?.stringValue, let dir = Direction(rawValue: d),
              let msg = json["msg"]
        else { throw .schema("message record needs \"seq\", \"dir\" (to_server|to_client) and \"msg\"") }
        self.init(seq: seq, direction: dir, unixNs: json["unix_ns"]?.i64 ?? 0, monoNs: json["mono_ns"]?.i64 ?? 0, message: msg)
    }
}

extension JSON {
    /// A number from a 64-bit integer.
    public static func i64(_ v: Int64) -> JSON { .number(JSONNumber(text: String(v))) }
    /// The value as a 64-bit integer when it is an integral number.
    public var i64: Int64? {
        guard case .number(let n) = self else { return nil }
        if let v = Int64(n.text) { return v }
        if let d = Double(n.text), d == d.rounded(), abs(d) < 9.2e18 { return Int64(d) }
        return nil
    }
}
