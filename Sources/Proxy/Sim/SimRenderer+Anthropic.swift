import Cassette
import NIOCore

extension SimRenderer {
    func anthropicToolID(_ k: Int) -> String { "toolu_" + plan.toolCalls[k].id.dropFirst(5) }

    func anthropicUsage(_ u: SimUsage, output: Int) -> JSON {
        .obj([("input_tokens", .int(u.prompt - u.cached)), ("cache_creation_input_tokens", 0),
              ("cache_read_input_tokens", .int(u.cached)), ("output_tokens", .int(output))])
    }

    func anthropicStopReason(emitted: Int) -> String {
        switch finishReason(emitted: emitted) {
        case "length": return "max_tokens"
        case "tool_calls": return "tool_use"
        default: return "end_turn"
        }
    }

    static func event(_ name: String, _ data: JSON, into b: inout ByteBuffer) {
        b.writeString("event: " + name + "\ndata: ")
        b.writeBytes(data.serialized())
        b.writeStaticString("\n\n")
    }

    mutating func anthropicStart(usage: SimUsage, into b: inout ByteBuffer) {
        let message = JSON.obj([("id", .string(responseID)), ("type", "message"), ("role", "assistant"), ("model", .string(model)),
                                ("content", .array([])), ("stop_reason", .null), ("stop_sequence", .null),
                                ("usage", anthropicUsage(usage, output: 1))])
        Self.event("message_start", .obj([("type", "message_start"), ("message", message)]), into: &b)
        b.writeStaticString("event: ping\ndata: {\"type\": \"ping\"}\n\n")
    }

    mutating func anthropicToken(_ t: SimOutputToken, into b: inout ByteBuffer) {
        switch t {
        case .text(let s):
            if !textOpen {
                block += 1
                textOpen = true
                Self.event("content_block_start", .obj([("type", "content_block_start"), ("index", .int(block)),
                                                        ("content_block", .obj([("type", "text"), ("text", "")]))]), into: &b)
            }
            b.writeString(#"event: content_block_delta\#ndata: {"type":"content_block_delta","index":\#(block),"delta":{"type":"text_delta","text":"#)
            b.writeJSONString(s)
            b.writeStaticString("}}\n\n")
        case .toolArguments(let call, let piece, let first):
            if first {
                if block >= 0 { Self.event("content_block_stop", .obj([("type", "content_block_stop"), ("index", .int(block))]), into: &b) }
                textOpen = false
                block += 1
                openCalls = call + 1
                let cb = JSON.obj([("type", "tool_use"), ("id", .string(anthropicToolID(call))), ("name", .string(plan.toolCalls[call].name)),
                                   ("input", .obj([]))])
                Self.event("content_block_start", .obj([("type", "content_block_start"), ("index", .int(block)), ("content_block", cb)]), into: &b)
            }
            b.writeString(#"event: content_block_delta\#ndata: {"type":"content_block_delta","index":\#(block),"delta":{"type":"input_json_delta","partial_json":"#)
            b.writeJSONString(piece)
            b.writeStaticString("}}\n\n")
        }
    }

    mutating func anthropicEnd(usage: SimUsage, into b: inout ByteBuffer) {
        if block >= 0 { Self.event("content_block_stop", .obj([("type", "content_block_stop"), ("index", .int(block))]), into: &b) }
        let delta = JSON.obj([("type", "message_delta"),
                              ("delta", .obj([("stop_reason", .string(anthropicStopReason(emitted: usage.completion))), ("stop_sequence", .null)])),
                              ("usage", .obj([("output_tokens", .int(usage.completion))]))])
        Self.event("message_delta", delta, into: &b)
        b.writeStaticString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
    }

    func anthropicBody(usage: SimUsage) -> [UInt8] {
        let n = usage.completion
        var content: [JSON] = []
        let text = plan.fullText(upTo: n)
        if !text.isEmpty { content.append(.obj([("type", "text"), ("text", .string(text))])) }
        for k in 0..<plan.openedToolCalls(upTo: n) {
            let args = plan.arguments(of: k, upTo: n)
            let input = (try? JSON.parse(args)).flatMap { $0.objectValue != nil ? $0 : nil } ?? .obj([])
            content.append(.obj([("type", "tool_use"), ("id", .string(anthropicToolID(k))), ("name", .string(plan.toolCalls[k].name)), ("input", input)]))
        }
        return JSON.obj([("id", .string(responseID)), ("type", "message"), ("role", "assistant"), ("model", .string(model)),
                         ("content", .array(content)), ("stop_reason", .string(anthropicStopReason(emitted: n))), ("stop_sequence", .null),
                         ("usage", anthropicUsage(usage, output: n))]).serialized()
    }
}
