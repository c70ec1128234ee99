import Cassette
import NIOCore

/// Token counts for a response's usage block.
public struct SimUsage: Sendable, Equatable {
    /// Prompt tokens (all of them, cached included).
    public var prompt: Int
    /// Generated tokens.
    public var completion: Int
    /// Prompt tokens served from the prefix cache.
    public var cached: Int

    /// A usage record.
    public init(prompt: Int, completion: Int, cached: Int) {
        self.prompt = prompt
        self.completion = completion
        self.cached = cached
    }

    var openAI: JSON {
        .obj([("prompt_tokens", .int(prompt)), ("completion_tokens", .int(completion)), ("total_tokens", .int(prompt + completion)),
              ("prompt_tokens_details", .obj([("cached_tokens", .int(cached))]))])
    }
}

/// Writes one response's bytes in its dialect: SSE events as tokens come, or the whole body.
///
/// Per-token writes are the hot path: each is a precomputed prefix, the escaped token and a
/// fixed suffix, appended straight into the outgoing `ByteBuffer`.
public struct SimRenderer: Sendable {
    let dialect: SimDialect
    let plan: SimOutputPlan
    let model: String
    let created: Int64
    let responseID: String
    let includeUsage: Bool
    let echo: SimRequest.Echo
    var chunkPrefix: [UInt8] = []
    var sequence = 0
    var block = -1
    var openCalls = 0
    var textOpen = false

    /// A renderer for one response; `created` is Unix seconds, `idSeed` makes the ids.
    public init(request: SimRequest, plan: SimOutputPlan, created: Int64, idSeed: UInt64) {
        dialect = request.dialect
        self.plan = plan
        model = request.model
        self.created = created
        includeUsage = request.includeUsage
        echo = SimRequest.Echo(tools: request.echoTools, instructions: request.instructions, maxTokens: request.maxTokens)
        let t = SimIDs.token(idSeed, 0x1D)
        switch dialect {
        case .chat: responseID = "chatcmpl-" + t
        case .completions: responseID = "cmpl-" + t
        case .responses: responseID = "resp_" + t
        case .anthropic: responseID = "msg_" + t
        }
        switch dialect {
        case .chat:
            var p = Array(#"data: {"id":"\#(responseID)","object":"chat.completion.chunk","created":\#(created),"model":"#.utf8)
            JSON.writeString(model, into: &p)
            p += Array(#","choices":[{"index":0,"delta":"#.utf8)
            chunkPrefix = p
        case .completions:
            var p = Array(#"data: {"id":"\#(responseID)","object":"text_completion","created":\#(created),"model":"#.utf8)
            JSON.writeString(model, into: &p)
            p += Array(#","choices":[{"index":0,"text":"#.utf8)
            chunkPrefix = p
        default: break
        }
    }

    /// Events sent just before the first token (role chunk, message_start, response.created…).
    public mutating func start(usage: SimUsage, into b: inout ByteBuffer) {
        switch dialect {
        case .chat:
            b.writeBytes(chunkPrefix)
            b.writeStaticString(#"{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#)
            b.writeStaticString("\n\n")
        case .completions: break
        case .anthropic: anthropicStart(usage: usage, into: &b)
        case .responses: responsesStart(into: &b)
        }
    }

    /// The token-bearing event of token `i`.
    public mutating func token(_ i: Int, into b: inout ByteBuffer) {
        let t = plan.token(i)
        switch dialect {
        case .chat: chatToken(t, into: &b)
        case .completions:
            if case .text(let s) = t {
                b.writeBytes(chunkPrefix)
                b.writeJSONString(s)
                b.writeStaticString(#","logprobs":null,"finish_reason":null}]}"#)
                b.writeStaticString("\n\n")
            }
        case .anthropic: anthropicToken(t, into: &b)
        case .responses: responsesToken(t, index: i, into: &b)
        }
    }

    /// Closing events after `usage.completion` tokens: finish reason, usage, `[DONE]` / `message_stop`.
    public mutating func end(usage: SimUsage, into b: inout ByteBuffer) {
        switch dialect {
        case .chat, .completions:
            let finish = finishReason(emitted: usage.completion)
            b.writeBytes(chunkPrefix)
            b.writeString(dialect == .chat ? "{}" : "\"\"")
            b.writeString(#","logprobs":null,"finish_reason":"\#(finish)"}]}"#)
            b.writeStaticString("\n\n")
            if includeUsage {
                let object = dialect == .chat ? "chat.completion.chunk" : "text_completion"
                var o = JSONObject([("id", .string(responseID)), ("object", .string(object)), ("created", .number(JSONNumber(text: String(created)))),
                                    ("model", .string(model)), ("choices", .array([]))])
                o["usage"] = usage.openAI
                b.writeStaticString("data: ")
                b.writeBytes(JSON.object(o).serialized())
                b.writeStaticString("\n\n")
            }
            b.writeStaticString("data: [DONE]\n\n")
        case .anthropic: anthropicEnd(usage: usage, into: &b)
        case .responses: responsesEnd(usage: usage, into: &b)
        }
    }

    /// The whole non-streamed body.
    public func body(usage: SimUsage) -> [UInt8] {
        switch dialect {
        case .chat: return chatBody(usage: usage)
        case .completions:
            let choice = JSON.obj([("index", 0), ("text", .string(plan.fullText(upTo: usage.completion))), ("logprobs", .null),
                                   ("finish_reason", .string(finishReason(emitted: usage.completion)))])
            return JSON.obj([("id", .string(responseID)), ("object", "text_completion"), ("created", .number(JSONNumber(text: String(created)))),
                             ("model", .string(model)), ("choices", .array([choice])), ("usage", usage.openAI)]).serialized()
        case .anthropic: return anthropicBody(usage: usage)
        case .responses: return JSON.object(responseObject(status: "completed", usage: usage)).serialized()
        }
    }

    func finishReason(emitted: Int) -> String {
        if emitted < plan.tokenCount { return "length" }
        switch plan.finish {
        case .stop: return "stop"
        case .length: return "length"
        case .toolCalls: return "tool_calls"
        }
    }

    /// A malformed SSE event (truncated JSON), for fault injection.
    public func malformedEvent(into b: inout ByteBuffer) {
        if dialect == .anthropic || dialect == .responses { b.writeStaticString("event: content_block_delta\n") }
        b.writeStaticString("data: {\"choices\":[{\"delta\":{\"content\":\"trunc\n\n")
    }

    // MARK: Chat

    mutating func chatToken(_ t: SimOutputToken, into b: inout ByteBuffer) {
        b.writeBytes(chunkPrefix)
        switch t {
        case .text(let s):
            b.writeStaticString(#"{"content":"#)
            b.writeJSONString(s)
            b.writeStaticString("}")
        case .toolArguments(let call, let piece, let first):
            b.writeString(#"{"tool_calls":[{"index":\#(call),"#)
            if first {
                let c = plan.toolCalls[call]
                b.writeString(#""id":"\#(c.id)","type":"function","function":{"name":"#)
                b.writeJSONString(c.name)
                b.writeStaticString(#","arguments":"#)
            } else {
                b.writeStaticString(#""function":{"arguments":"#)
            }
            b.writeJSONString(piece)
            b.writeStaticString("}}]}")
        }
        b.writeStaticString(#","logprobs":null,"finish_reason":null}]}"#)
        b.writeStaticString("\n\n")
    }

    func chatBody(usage: SimUsage) -> [UInt8] {
        let n = usage.completion
        var msg = JSONObject([("role", "assistant")])
        let text = plan.fullText(upTo: n)
        msg["content"] = text.isEmpty && plan.openedToolCalls(upTo: n) > 0 ? .null : .string(text)
        let opened = plan.openedToolCalls(upTo: n)
        if opened > 0 {
            msg["tool_calls"] = .array((0..<opened).map { k in
                let c = plan.toolCalls[k]
                return .obj([("id", .string(c.id)), ("type", "function"),
                             ("function", .obj([("name", .string(c.name)), ("arguments", .string(plan.arguments(of: k, upTo: n)))]))])
            })
        }
        let choice = JSON.obj([("index", 0), ("message", .object(msg)), ("logprobs", .null), ("finish_reason", .string(finishReason(emitted: n)))])
        return JSON.obj([("id", .string(responseID)), ("object", "chat.completion"), ("created", .number(JSONNumber(text: String(created)))),
                         ("model", .string(model)), ("choices", .array([choice])), ("usage", usage.openAI)]).serialized()
    }
}

extension SimRequest {
    /// What a Responses API response object echoes from its request.
    struct Echo: Sendable {
        var tools: JSON
        var instructions: String?
        var maxTokens: Int?
    }
}

extension ByteBuffer {
    /// Appends `s` as a quoted JSON string.
    @inlinable
    mutating func writeJSONString(_ s: String) {
        writeInteger(UInt8(ascii: "\""))
        var needs = false
        for c in s.utf8 where c < 0x20 || c == 0x22 || c == 0x5C { needs = true; break }
        if needs {
            var out: [UInt8] = []
            out.reserveCapacity(s.utf8.count + 8)
            var copy = s
            copy.withUTF8 { JSON.writeEscaped(UnsafeRawBufferPointer($0), into: &out) }
            writeBytes(out)
        } else {
            writeString(s)
        }
        writeInteger(UInt8(ascii: "\""))
    }
}
