/// Derives an exchange's facts from its response bytes as they arrive.
///
/// Feed every body chunk with its socket timestamp; the analyzer parses SSE when the
/// response is a stream, stamps token-bearing events (as DESIGN.md defines them), assembles
/// tool calls from deltas, and picks up usage wherever the dialect puts it. Non-streamed
/// bodies are read at ``finish(body:)``.
public struct ResponseAnalyzer: Sendable {
    /// The facts so far.
    public private(set) var facts: ExchangeFacts
    /// SSE data events that were not valid JSON.
    public private(set) var malformedEvents = 0
    /// SSE events seen.
    public private(set) var eventCount = 0
    /// Whether `[DONE]` (OpenAI) or `message_stop` / `response.completed` was seen.
    public private(set) var sawTerminalEvent = false

    var sse = SSEParser()
    var streaming = false
    var opaque = false
    var text: [UInt8] = []
    var toolSlots: [Int: (id: String?, name: String, args: String)] = [:]
    var toolOrder: [Int] = []
    var anthropicInput = 0
    var anthropicCached = 0
    var mcpRequestId: JSON?

    /// An analyzer for a request.
    public init(request: RequestInfo, mcpParams: JSON? = nil) {
        facts = ExchangeFacts(dialect: request.dialect)
        facts.model = request.model
        facts.stream = request.stream
        if request.dialect == .mcp {
            var m = MCPFacts(method: request.mcpMethod, id: request.mcpId)
            if request.mcpMethod == "tools/call" {
                m.tool = mcpParams?["name"]?.stringValue
                m.arguments = mcpParams?["arguments"]
            }
            facts.mcp = m
            mcpRequestId = request.mcpId
        }
    }

    /// Call when the response head arrives.
    public mutating func head(status: Int, contentType: String?, contentEncoding: String?) {
        let ct = contentType?.lowercased() ?? ""
        streaming = ct.hasPrefix("text/event-stream")
        if streaming { facts.stream = true }
        if let e = contentEncoding?.lowercased(), !e.isEmpty, e != "identity" { opaque = true }
    }

    /// Feeds one body chunk that arrived `tNs` after the exchange started.
    public mutating func ingest(_ bytes: UnsafeRawBufferPointer, tNs: Int64) {
        guard streaming, !opaque else { return }
        var events: [SSEEvent] = []
        sse.feed(bytes) { events.append($0) }
        for e in events { handle(event: e, tNs: tNs) }
    }

    /// Feeds a byte array chunk.
    public mutating func ingest(_ bytes: [UInt8], tNs: Int64) {
        bytes.withUnsafeBytes { ingest($0, tNs: tNs) }
    }

    /// Completes the analysis; `body` is the whole response body, used when it was not streamed.
    ///
    /// `parsed` is `body` already parsed as JSON, when the caller has it.
    public mutating func finish(body: [UInt8]? = nil, endNs: Int64? = nil, parsed: JSON? = nil) {
        if streaming && !opaque {
            var events: [SSEEvent] = []
            sse.finish { events.append($0) }
            for e in events { handle(event: e, tNs: endNs ?? facts.tokenNs.last ?? 0) }
        } else if !opaque, let body, let json = parsed ?? (try? JSON.parse(body)) {
            handleWhole(json)
        }
        if !toolOrder.isEmpty {
            facts.toolCalls = toolOrder.compactMap { toolSlots[$0] }.map { ToolCall(id: $0.id, name: $0.name, arguments: $0.args) }
        }
        if !text.isEmpty { facts.outputText = String(decoding: text, as: UTF8.self) }
        if facts.usage == nil, facts.dialect.isLLM, facts.stream, !facts.tokenNs.isEmpty {
            facts.usage = Usage(output: facts.tokenNs.count)
            facts.usageCounted = true
        }
    }

    mutating func token(_ tNs: Int64, reasoning: Bool) {
        facts.tokenNs.append(tNs)
        if facts.ttftNs == nil { facts.ttftNs = tNs }
        if !reasoning, facts.ttfoNs == nil { facts.ttfoNs = tNs }
    }

    mutating func handle(event e: SSEEvent, tNs: Int64) {
        eventCount += 1
        if e.data.count == 6, e.data == Array("[DONE]".utf8) { sawTerminalEvent = true; return }
        guard let json = try? JSON.parse(e.data) else { malformedEvents += 1; return }
        switch facts.dialect {
        case .openaiChat, .openaiCompletions: chatChunk(json, tNs)
        case .openaiResponses: responsesEvent(json, type: e.event, tNs)
        case .anthropicMessages: anthropicEvent(json, tNs)
        case .mcp: mcpMessage(json)
        default: break
        }
    }

    // MARK: OpenAI chat / completions

    mutating func chatChunk(_ j: JSON, _ tNs: Int64) {
        if facts.model == nil { facts.model = j["model"]?.stringValue }
        if let u = j["usage"], !u.isNull { facts.usage = Self.openaiUsage(u) }
        guard let choices = j["choices"]?.arrayValue else { return }
        var bearing = false, nonReasoning = false
        for c in choices {
            if let f = c["finish_reason"]?.stringValue { facts.finishReason = f }
            if let t = c["text"]?.stringValue, !t.isEmpty { bearing = true; nonReasoning = true; text.append(contentsOf: t.utf8) }
            guard let d = c["delta"] else { continue }
            if let t = d["content"]?.stringValue, !t.isEmpty { bearing = true; nonReasoning = true; text.append(contentsOf: t.utf8) }
            for k in ["reasoning", "reasoning_content"] { if let t = d[k]?.stringValue, !t.isEmpty { bearing = true } }
            if let calls = d["tool_calls"]?.arrayValue, !calls.isEmpty {
                bearing = true; nonReasoning = true
                for (pos, call) in calls.enumerated() {
                    let idx = call["index"]?.intValue ?? pos
                    var slot = toolSlots[idx] ?? (nil, "", "")
                    if toolSlots[idx] == nil { toolOrder.append(idx) }
                    if let id = call["id"]?.stringValue { slot.id = id }
                    if let n = call["function"]?["name"]?.stringValue { slot.name += n }
                    if let a = call["function"]?["arguments"]?.stringValue { slot.args += a }
                    toolSlots[idx] = slot
                }
            }
        }
        if bearing { token(tNs, reasoning: !nonReasoning) }
    }

    static func openaiUsage(_ u: JSON) -> Usage {
        Usage(input: u["prompt_tokens"]?.intValue ?? u["input_tokens"]?.intValue ?? 0,
              output: u["completion_tokens"]?.intValue ?? u["output_tokens"]?.intValue ?? 0,
              cached: u["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? u["input_tokens_details"]?["cached_tokens"]?.intValue ?? 0,
              reasoning: u["completion_tokens_details"]?["reasoning_tokens"]?.intValue ?? u["output_tokens_details"]?["reasoning_tokens"]?.intValue ?? 0)
    }

    // MARK: OpenAI Responses

    mutating func responsesEvent(_ j: JSON, type: String?, _ tNs: Int64) {
        let t = j["type"]?.stringValue ?? type ?? ""
        switch t {
        case "response.output_text.delta", "response.refusal.delta":
            if let d = j["delta"]?.stringValue, !d.isEmpty { token(tNs, reasoning: false); text.append(contentsOf: d.utf8) }
        case "response.reasoning_text.delta", "response.reasoning_summary_text.delta", "response.reasoning.delta":
            if let d = j["delta"]?.stringValue, !d.isEmpty { token(tNs, reasoning: true) }
        case "response.function_call_arguments.delta":
            if let d = j["delta"]?.stringValue, !d.isEmpty { token(tNs, reasoning: false) }
        case "response.completed", "response.incomplete", "response.failed":
            sawTerminalEvent = true
            if let r = j["response"] { responsesWhole(r, fromStream: true) }
        case "response.created":
            if facts.model == nil { facts.model = j["response"]?["model"]?.stringValue }
        default: break
        }
    }

    mutating func responsesWhole(_ r: JSON, fromStream: Bool) {
        if let m = r["model"]?.stringValue { facts.model = m }
        if let u = r["usage"], !u.isNull { facts.usage = Self.openaiUsage(u) }
        if let s = r["status"]?.stringValue {
            facts.finishReason = s == "incomplete" ? (r["incomplete_details"]?["reason"]?.stringValue ?? s) : s
        }
        var calls: [ToolCall] = []
        var out = ""
        for item in r["output"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "function_call":
                calls.append(ToolCall(id: item["call_id"]?.stringValue ?? item["id"]?.stringValue,
                                      name: item["name"]?.stringValue ?? "", arguments: item["arguments"]?.stringValue ?? ""))
            case "message":
                for c in item["content"]?.arrayValue ?? [] where c["type"]?.stringValue == "output_text" {
                    out += c["text"]?.stringValue ?? ""
                }
            default: break
            }
        }
        if !calls.isEmpty {
            toolOrder = Array(calls.indices)
            toolSlots = Dictionary(uniqueKeysWithValues: calls.enumerated().map { ($0.offset, ($0.element.id, $0.element.name, $0.element.arguments)) })
            if facts.finishReason == "completed" { facts.finishReason = "tool_calls" }
        }
        if !fromStream || text.isEmpty, !out.isEmpty { text = Array(out.utf8) }
    }

    // MARK: Anthropic

    mutating func anthropicEvent(_ j: JSON, _ tNs: Int64) {
        switch j["type"]?.stringValue {
        case "message_start":
            let m = j["message"]
            if let model = m?["model"]?.stringValue { facts.model = model }
            if let u = m?["usage"] { anthropicUsage(u) }
        case "content_block_start":
            if let b = j["content_block"], b["type"]?.stringValue == "tool_use" {
                let idx = j["index"]?.intValue ?? toolOrder.count
                toolOrder.append(idx)
                toolSlots[idx] = (b["id"]?.stringValue, b["name"]?.stringValue ?? "", "")
            }
        case "content_block_delta":
            guard let d = j["delta"] else { return }
            switch d["type"]?.stringValue {
            case "text_delta":
                let t = d["text"]?.stringValue ?? ""
                if !t.isEmpty { token(tNs, reasoning: false); text.append(contentsOf: t.utf8) }
            case "thinking_delta":
                if let t = d["thinking"]?.stringValue, !t.isEmpty { token(tNs, reasoning: true) }
            case "input_json_delta":
                let p = d["partial_json"]?.stringValue ?? ""
                if !p.isEmpty {
                    token(tNs, reasoning: false)
                    let idx = j["index"]?.intValue ?? -1
                    if var slot = toolSlots[idx] { slot.args += p; toolSlots[idx] = slot }
                }
            default: break
            }
        case "message_delta":
            if let s = j["delta"]?["stop_reason"]?.stringValue { facts.finishReason = s }
            if let u = j["usage"] { anthropicUsage(u) }
        case "message_stop":
            sawTerminalEvent = true
        default: break
        }
    }

    mutating func anthropicUsage(_ u: JSON) {
        if let i = u["input_tokens"]?.intValue {
            anthropicInput = i + (u["cache_read_input_tokens"]?.intValue ?? 0) + (u["cache_creation_input_tokens"]?.intValue ?? 0)
            anthropicCached = u["cache_read_input_tokens"]?.intValue ?? anthropicCached
        }
        let out = u["output_tokens"]?.intValue ?? facts.usage?.output ?? 0
        facts.usage = Usage(input: anthropicInput, output: out, cached: anthropicCached, reasoning: 0)
    }

    // MARK: Non-streamed bodies

    mutating func handleWhole(_ j: JSON) {
        switch facts.dialect {
        case .openaiChat, .openaiCompletions:
            if let m = j["model"]?.stringValue { facts.model = m }
            if let u = j["usage"], !u.isNull { facts.usage = Self.openaiUsage(u) }
            for c in j["choices"]?.arrayValue ?? [] {
                if let f = c["finish_reason"]?.stringValue { facts.finishReason = f }
                if let t = c["text"]?.stringValue { text.append(contentsOf: t.utf8) }
                if let t = c["message"]?["content"]?.stringValue { text.append(contentsOf: t.utf8) }
                for (k, call) in (c["message"]?["tool_calls"]?.arrayValue ?? []).enumerated() {
                    toolOrder.append(k)
                    toolSlots[k] = (call["id"]?.stringValue, call["function"]?["name"]?.stringValue ?? "",
                                    call["function"]?["arguments"]?.stringValue ?? "")
                }
            }
        case .openaiResponses:
            responsesWhole(j, fromStream: false)
        case .anthropicMessages:
            if let m = j["model"]?.stringValue { facts.model = m }
            if let s = j["stop_reason"]?.stringValue { facts.finishReason = s }
            if let u = j["usage"] { anthropicUsage(u) }
            for (k, b) in (j["content"]?.arrayValue ?? []).enumerated() {
                switch b["type"]?.stringValue {
                case "text": text.append(contentsOf: (b["text"]?.stringValue ?? "").utf8)
                case "tool_use":
                    toolOrder.append(k)
                    toolSlots[k] = (b["id"]?.stringValue, b["name"]?.stringValue ?? "", b["input"].map { $0.text() } ?? "{}")
                default: break
                }
            }
        case .openaiEmbeddings:
            if let m = j["model"]?.stringValue { facts.model = m }
            if let u = j["usage"] { facts.usage = Usage(input: u["prompt_tokens"]?.intValue ?? 0) }
        case .mcp:
            if let a = j.arrayValue { for m in a { mcpMessage(m) } } else { mcpMessage(j) }
        case .unknown: break
        }
    }

    // MARK: MCP

    mutating func mcpMessage(_ j: JSON) {
        guard var m = facts.mcp else { return }
        let isResponse = j["method"] == nil && (j["result"] != nil || j["error"] != nil)
        if isResponse, mcpRequestId == nil || j["id"] == mcpRequestId {
            if let r = j["result"] { m.result = r }
            if let e = j["error"] { m.error = e }
        } else {
            m.otherMessages += 1
        }
        facts.mcp = m
    }
}
