import Cassette
import Scoring

/// Builds agent sessions as a recording proxy would store them: OpenAI chat requests that resend
/// the whole history, streamed replies stamped per chunk with facts derived by the real
/// ResponseAnalyzer, and MCP `tools/call` exchanges in the gaps between turns.
struct AgentScript {
    struct Call {
        var name: String
        var args: JSON
        /// The MCP `result` object (content and optional structuredContent).
        var result: JSON
        var viaMCP = true
        var mcpMs: Int64 = 40
        var mcpError: JSON? = nil
    }
    struct Step {
        var calls: [Call] = []
        var text: String? = nil
        var reasoningTokens = 0
        var ttftMs: Int64 = 300
        var status = 200
    }

    var trajectory: String? = "traj-1"
    var recordTurns = true
    var recordLinks = true
    var model = "gpt-4o-mini"
    var system = "You are a careful weather agent. Use the tools."
    var user = "What is the weather in Paris?"
    var tools = ["get_weather", "get_forecast"]
    var steps: [Step] = []
    var startMs: Int64 = 0
    var tokenGapMs: Int64 = 20
    var gapMs: Int64 = 500
    var finish = "stop"
    var idPrefix = "x"
    var temperature = 0.2

    static func text(_ result: JSON) -> String { (result["content"]?[0]?["text"]?.stringValue) ?? result.text() }

    func toolDefs() -> JSON {
        .array(tools.map { n in
            .obj([("type", "function"), ("function", .obj([("name", .string(n)), ("description", .string("Tool \(n)")),
                                                          ("parameters", .obj([("type", "object"), ("properties", .obj([("city", .obj([("type", "string")]))]))]))]))])
        })
    }

    func build() -> [Exchange] {
        var out: [Exchange] = []
        var messages: [JSON] = [.obj([("role", "system"), ("content", .string(system))]), .obj([("role", "user"), ("content", .string(user))])]
        var clockNs = startMs * 1_000_000
        var n = 0
        var rpc = 100
        for (k, step) in steps.enumerated() {
            n += 1
            let body: JSON = .obj([("model", .string(model)), ("messages", .array(messages)), ("tools", toolDefs()), ("temperature", .double(temperature)),
                                   ("stream", true), ("stream_options", .obj([("include_usage", true)]))])
            var ex = Exchange(id: "\(idPrefix)\(n)", startUnixNs: 1_795_000_000_000_000_000 + clockNs, startMonoNs: clockNs,
                              request: RequestRecord(method: "POST", url: "/v1/chat/completions", headers: [Header("content-type", "application/json")],
                                                     body: Body(bytes: body.serialized())))
            var analyzer = ResponseAnalyzer(request: RequestInfo(method: "POST", path: "/v1/chat/completions", body: body))
            analyzer.head(status: step.status, contentType: step.status == 200 ? "text/event-stream" : "application/json", contentEncoding: nil)
            var bytes: [UInt8] = []
            var chunks: [Chunk] = []
            var t = step.ttftMs * 1_000_000
            let rid = "chatcmpl-\(idPrefix)\(n)"
            func emit(_ j: JSON) {
                let b = Array(("data: " + j.text() + "\n\n").utf8)
                bytes += b; chunks.append(Chunk(length: b.count, tNs: t)); analyzer.ingest(b, tNs: t)
                t += tokenGapMs * 1_000_000
            }
            func chunk(_ delta: JSON, finish: JSON = .null) -> JSON {
                .obj([("id", .string(rid)), ("object", "chat.completion.chunk"), ("model", .string(model)),
                      ("choices", .array([.obj([("index", 0), ("delta", delta), ("finish_reason", finish)])]))])
            }
            var produced = 0
            if step.status != 200 {
                let err = Array("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}".utf8)
                bytes = err; chunks = [Chunk(length: err.count, tNs: t)]
                analyzer.finish(body: err, endNs: t)
                ex.outcome = .complete
            } else {
                // The role chunk (not token-bearing) arrives one token gap before the first token.
                t -= tokenGapMs * 1_000_000
                emit(chunk(.obj([("role", "assistant"), ("content", "")])))
                for _ in 0..<step.reasoningTokens { emit(chunk(.obj([("reasoning_content", "hmm")]))); produced += 1 }
                var assistant: JSON
                if step.calls.isEmpty {
                    let words = (step.text ?? "").split(separator: " ").map(String.init)
                    for (i, w) in words.enumerated() { emit(chunk(.obj([("content", .string((i == 0 ? "" : " ") + w))]))); produced += 1 }
                    emit(chunk(.obj([]), finish: .string(k == steps.count - 1 ? finish : "stop")))
                    assistant = .obj([("role", "assistant"), ("content", .string(step.text ?? ""))])
                } else {
                    var calls: [JSON] = []
                    for (i, c) in step.calls.enumerated() {
                        let id = "call_\(idPrefix)\(n)_\(i)"
                        let args = c.args.text()
                        emit(chunk(.obj([("tool_calls", .array([.obj([("index", .int(i)), ("id", .string(id)), ("type", "function"),
                                                                       ("function", .obj([("name", .string(c.name)), ("arguments", "")]))])]))])))
                        var rest = Substring(args)
                        while !rest.isEmpty {
                            let p = String(rest.prefix(6)); rest = rest.dropFirst(6)
                            emit(chunk(.obj([("tool_calls", .array([.obj([("index", .int(i)), ("function", .obj([("arguments", .string(p))]))])]))])))
                            produced += 1
                        }
                        calls.append(.obj([("id", .string(id)), ("type", "function"), ("function", .obj([("name", .string(c.name)), ("arguments", .string(args))]))]))
                    }
                    emit(chunk(.obj([]), finish: "tool_calls"))
                    assistant = .obj([("role", "assistant"), ("content", .null), ("tool_calls", .array(calls))])
                }
                let prompt = body.serialized().count / 4
                emit(.obj([("id", .string(rid)), ("object", "chat.completion.chunk"), ("model", .string(model)), ("choices", .array([])),
                           ("usage", .obj([("prompt_tokens", .int(prompt)), ("completion_tokens", .int(produced + 1)),
                                           ("prompt_tokens_details", .obj([("cached_tokens", .int(k == 0 ? 0 : prompt * 3 / 4))])),
                                           ("completion_tokens_details", .obj([("reasoning_tokens", .int(step.reasoningTokens))]))]))]))
                let done = Array("data: [DONE]\n\n".utf8)
                bytes += done; chunks.append(Chunk(length: done.count, tNs: t)); analyzer.ingest(done, tNs: t)
                analyzer.finish(endNs: t)
                messages.append(assistant)
            }
            ex.timing = Timing(sentNs: 100_000, headNs: 50_000_000, endNs: t + 1_000_000)
            ex.response = ResponseRecord(status: step.status, headers: [Header("content-type", step.status == 200 ? "text/event-stream" : "application/json")],
                                         body: Body(bytes: bytes), chunks: chunks)
            ex.facts = analyzer.facts
            if recordTurns { ex.trajectory = trajectory; ex.turn = k; ex.parent = out.last(where: { $0.facts.dialect.isLLM })?.id }
            let llm = ex
            out.append(ex)
            let turnEnd = clockNs + t + 1_000_000
            var mcpClock = turnEnd + 5_000_000
            for (i, c) in step.calls.enumerated() {
                let callId = "call_\(idPrefix)\(n)_\(i)"
                if c.viaMCP {
                    n += 1; rpc += 1
                    out.append(mcp(id: "\(idPrefix)\(n)", rpc: rpc, call: c, at: mcpClock, link: recordLinks ? ToolLink(exchange: llm.id, toolCallId: callId) : nil))
                    mcpClock += c.mcpMs * 1_000_000 + 2_000_000
                }
                let content = c.mcpError.map { $0.text() } ?? Self.text(c.result)
                messages.append(.obj([("role", "tool"), ("tool_call_id", .string(callId)), ("content", .string(content))]))
            }
            clockNs = turnEnd + gapMs * 1_000_000
        }
        return out
    }

    func mcp(id: String, rpc: Int, call: Call, at: Int64, link: ToolLink?) -> Exchange {
        let params: JSON = .obj([("name", .string(call.name)), ("arguments", call.args)])
        let body: JSON = .obj([("jsonrpc", "2.0"), ("id", .int(rpc)), ("method", "tools/call"), ("params", params)])
        var ex = Exchange(id: id, startUnixNs: 1_795_000_000_000_000_000 + at, startMonoNs: at,
                          request: RequestRecord(method: "POST", url: "/mcp", headers: [Header("content-type", "application/json")], body: Body(bytes: body.serialized())))
        var reply: JSONObject = ["jsonrpc": "2.0", "id": .int(rpc)]
        if let e = call.mcpError { reply["error"] = e } else { reply["result"] = call.result }
        let replyBytes = JSON.object(reply).serialized()
        var analyzer = ResponseAnalyzer(request: RequestInfo(method: "POST", path: "/mcp", body: body), mcpParams: params)
        analyzer.head(status: 200, contentType: "application/json", contentEncoding: nil)
        analyzer.finish(body: replyBytes, endNs: call.mcpMs * 1_000_000)
        ex.facts = analyzer.facts
        ex.timing = Timing(sentNs: 50_000, headNs: call.mcpMs * 1_000_000, endNs: call.mcpMs * 1_000_000)
        ex.response = ResponseRecord(status: 200, headers: [Header("content-type", "application/json")], body: Body(bytes: replyBytes),
                                     chunks: [Chunk(length: replyBytes.count, tNs: call.mcpMs * 1_000_000)])
        if recordTurns { ex.trajectory = trajectory }
        ex.link = link
        return ex
    }

    /// A weather result as an MCP tool result: JSON text content plus structured content.
    static func weather(_ city: String, _ temp: Int, _ sky: String = "sunny") -> JSON {
        let data: JSON = .obj([("city", .string(city)), ("temp_c", .int(temp)), ("sky", .string(sky)), ("wind", .obj([("kmh", 12), ("dir", "NW")]))])
        return .obj([("content", .array([.obj([("type", "text"), ("text", .string(data.text()))])])), ("structuredContent", data)])
    }

    /// The standard fixture: get_weather(Paris) then get_forecast(Paris, 3 days), then an answer.
    static func weatherAgent(trajectory: String? = "traj-1", recordTurns: Bool = true, recordLinks: Bool = true, startMs: Int64 = 0,
                             idPrefix: String = "x", city: String = "Paris", answer: String? = nil) -> AgentScript {
        var s = AgentScript()
        s.trajectory = trajectory; s.recordTurns = recordTurns; s.recordLinks = recordLinks; s.startMs = startMs; s.idPrefix = idPrefix
        s.user = "What is the weather in \(city)?"
        s.steps = [
            Step(calls: [Call(name: "get_weather", args: .obj([("city", .string(city)), ("units", "metric"), ("opts", .obj([("detail", 2)]))]), result: weather(city, 18))],
                 ttftMs: 250),
            Step(calls: [Call(name: "get_forecast", args: .obj([("city", .string(city)), ("days", 3)]),
                              result: .obj([("content", .array([.obj([("type", "text"), ("text", "{\"days\":[{\"d\":1,\"hi\":20},{\"d\":2,\"hi\":22},{\"d\":3,\"hi\":19}]}")])]))]),
                              mcpMs: 120)], reasoningTokens: 3, ttftMs: 400),
            Step(text: answer ?? "It is 18 C and sunny in \(city). The next three days peak at 22 C.", ttftMs: 350),
        ]
        return s
    }
}
