/// Generates realistic synthetic agent sessions: examples, tests and benchmarks use them.
///
/// A session is an OpenAI chat-completions tool loop. Every turn resends the whole history
/// (system prompt, tools, user task, assistant tool calls, tool results) and gets back a
/// streamed reply whose chunks carry timestamps; facts are derived by the real
/// ``ResponseAnalyzer``. Deterministic for a seed.
public enum SyntheticSession {
    static let words = ["the", "agent", "reads", "file", "function", "returns", "value", "error", "test", "passes", "build",
                        "module", "import", "config", "request", "token", "cache", "latency", "server", "client", "patch",
                        "diff", "line", "branch", "commit", "review", "change", "struct", "protocol", "async"]

    static func text(_ n: Int, _ rng: inout SplitMix64) -> String {
        var s = ""
        s.reserveCapacity(n * 7)
        for k in 0..<n {
            if k > 0 { s += " " }
            s += words[Int(rng.next() % UInt64(words.count))]
        }
        return s
    }

    /// `turns` exchanges of one trajectory. `toolResultWords` sets how much context each tool result adds.
    public static func generate(turns: Int, seed: UInt64, toolResultWords: Int = 120, answerTokens: Int = 40,
                                model: String = "gpt-4o-mini", startUnixNs: Int64 = 1_795_000_000_000_000_000) -> [Exchange] {
        var rng = SplitMix64(seed: seed)
        var messages: [JSON] = [
            .obj([("role", "system"), ("content", .string("You are a careful coding agent. " + text(60, &rng)))]),
            .obj([("role", "user"), ("content", .string("Fix the failing test: " + text(30, &rng)))]),
        ]
        let tools: JSON = .array(["read_file", "run_tests"].map { name in
            .obj([("type", "function"), ("function", .obj([
                ("name", .string(name)), ("description", .string("Tool \(name): " + text(12, &rng))),
                ("parameters", .obj([("type", "object"), ("properties", .obj([("path", .obj([("type", "string")]))]))])),
            ]))])
        })
        var out: [Exchange] = []
        var clock: Int64 = 0
        for turn in 0..<turns {
            let last = turn == turns - 1
            let body: JSON = .obj([
                ("model", .string(model)), ("messages", .array(messages)), ("tools", tools),
                ("stream", true), ("stream_options", .obj([("include_usage", true)])), ("temperature", 0.2),
            ])
            let reqBytes = body.serialized()
            let id = "x" + String(repeating: "0", count: 5 - String(turn + 1).count) + String(turn + 1)
            var ex = Exchange(id: id, startUnixNs: startUnixNs + clock, startMonoNs: clock,
                              request: RequestRecord(method: "POST", url: "/v1/chat/completions",
                                                     headers: [Header("content-type", "application/json"),
                                                               Header("authorization", "Bearer sk-example-key-0123456789abcdefghij")],
                                                     body: Body(bytes: reqBytes)))
            ex.upstream = "https://api.openai.com/v1/chat/completions"
            let info = RequestInfo(method: "POST", path: ex.request.url, body: body)
            var analyzer = ResponseAnalyzer(request: info)
            analyzer.head(status: 200, contentType: "text/event-stream", contentEncoding: nil)
            let sent: Int64 = 150_000
            let head: Int64 = sent + 40_000_000 + Int64(rng.next() % 20_000_000)
            var t = head + 200_000_000 + Int64(rng.next() % 300_000_000)
            var chunks: [Chunk] = []
            var bodyBytes: [UInt8] = []
            let rid = "chatcmpl-\(seed)-\(turn)"
            func emit(_ j: JSON) {
                let bytes = Array(("data: " + j.text() + "\n\n").utf8)
                bodyBytes += bytes
                chunks.append(Chunk(length: bytes.count, tNs: t))
                analyzer.ingest(bytes, tNs: t)
                t += 8_000_000 + Int64(rng.next() % 12_000_000)
            }
            func chunk(_ delta: JSON, finish: JSON = .null) -> JSON {
                .obj([("id", .string(rid)), ("object", "chat.completion.chunk"), ("created", 1_795_000_000), ("model", .string(model)),
                      ("choices", .array([.obj([("index", 0), ("delta", delta), ("finish_reason", finish)])]))])
            }
            emit(chunk(.obj([("role", "assistant"), ("content", "")])))
            var assistant: JSON
            var produced = 0
            if last {
                var full = ""
                for k in 0..<answerTokens {
                    let w = (k == 0 ? "" : " ") + words[Int(rng.next() % UInt64(words.count))]
                    full += w
                    emit(chunk(.obj([("content", .string(w))])))
                    produced += 1
                }
                emit(chunk(.obj([]), finish: "stop"))
                assistant = .obj([("role", "assistant"), ("content", .string(full))])
            } else {
                let tool = turn % 2 == 0 ? "read_file" : "run_tests"
                let callId = "call_\(seed)_\(turn)"
                let args = "{\"path\":\"src/module_\(turn).py\"}"
                emit(chunk(.obj([("tool_calls", .array([.obj([("index", 0), ("id", .string(callId)), ("type", "function"),
                                                               ("function", .obj([("name", .string(tool)), ("arguments", "")]))])]))])))
                var pieces: [String] = []
                var rest = Substring(args)
                while !rest.isEmpty { let n = min(4, rest.count); pieces.append(String(rest.prefix(n))); rest = rest.dropFirst(n) }
                for p in pieces {
                    emit(chunk(.obj([("tool_calls", .array([.obj([("index", 0), ("function", .obj([("arguments", .string(p))]))])]))])))
                    produced += 1
                }
                emit(chunk(.obj([]), finish: "tool_calls"))
                assistant = .obj([("role", "assistant"), ("content", .null), ("tool_calls", .array([.obj([
                    ("id", .string(callId)), ("type", "function"), ("function", .obj([("name", .string(tool)), ("arguments", .string(args))])),
                ])]))])
                messages.append(assistant)
                messages.append(.obj([("role", "tool"), ("tool_call_id", .string(callId)), ("content", .string(text(toolResultWords, &rng)))]))
            }
            let promptTokens = reqBytes.count / 4
            emit(.obj([("id", .string(rid)), ("object", "chat.completion.chunk"), ("created", 1_795_000_000), ("model", .string(model)),
                       ("choices", .array([])), ("usage", .obj([("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(produced + 1)),
                                                                 ("total_tokens", .int(promptTokens + produced + 1)),
                                                                 ("prompt_tokens_details", .obj([("cached_tokens", .int(turn == 0 ? 0 : promptTokens * 8 / 10))]))]))]))
            let doneBytes = Array("data: [DONE]\n\n".utf8)
            bodyBytes += doneBytes
            chunks.append(Chunk(length: doneBytes.count, tNs: t))
            analyzer.ingest(doneBytes, tNs: t)
            analyzer.finish(endNs: t)
            ex.timing = Timing(sentNs: sent, headNs: head, endNs: t + 100_000)
            ex.response = ResponseRecord(status: 200, headers: [Header("content-type", "text/event-stream")],
                                         body: Body(bytes: bodyBytes), chunks: chunks)
            ex.facts = analyzer.facts
            ex.trajectory = "t-\(seed)"
            ex.turn = turn
            ex.parent = out.last?.id
            out.append(ex)
            clock += t + 100_000 + 500_000_000 + Int64(rng.next() % 1_500_000_000)
        }
        return out
    }
}
