import Cassette
import NIOCore

extension SimRenderer {
    var messageItemID: String { "msg_" + responseID.dropFirst(5) }
    func callItemID(_ k: Int) -> String { "fc_" + plan.toolCalls[k].id.dropFirst(5) }
    var hasTextItem: Bool { plan.textTokens > 0 }
    func callOutputIndex(_ k: Int) -> Int { (hasTextItem ? 1 : 0) + k }

    mutating func responsesEvent(_ type: String, _ fields: [(String, JSON)], into b: inout ByteBuffer) {
        var o = JSONObject([("type", .string(type)), ("sequence_number", .int(sequence))])
        for (k, v) in fields { o[k] = v }
        sequence += 1
        SimRenderer.event(type, .object(o), into: &b)
    }

    func messageItem(text: String, done: Bool) -> JSON {
        .obj([("id", .string(messageItemID)), ("type", "message"), ("status", done ? "completed" : "in_progress"), ("role", "assistant"),
              ("content", done ? .array([outputTextPart(text)]) : .array([]))])
    }

    func outputTextPart(_ text: String) -> JSON { .obj([("type", "output_text"), ("text", .string(text)), ("annotations", .array([]))]) }

    func callItem(_ k: Int, arguments: String, done: Bool) -> JSON {
        .obj([("id", .string(callItemID(k))), ("type", "function_call"), ("status", done ? "completed" : "in_progress"),
              ("arguments", .string(arguments)), ("call_id", .string(plan.toolCalls[k].id)), ("name", .string(plan.toolCalls[k].name))])
    }

    /// The Responses API object; `usage` nil while in progress.
    func responseObject(status: String, usage: SimUsage?) -> JSONObject {
        var output: [JSON] = []
        var incomplete: JSON = .null
        var status = status
        if let u = usage {
            let n = u.completion
            if plan.textTokens > 0 { output.append(messageItem(text: plan.fullText(upTo: n), done: true)) }
            for k in 0..<plan.openedToolCalls(upTo: n) { output.append(callItem(k, arguments: plan.arguments(of: k, upTo: n), done: true)) }
            if finishReason(emitted: n) == "length" {
                status = "incomplete"
                incomplete = .obj([("reason", "max_output_tokens")])
            }
        }
        var o = JSONObject([("id", .string(responseID)), ("object", "response"), ("created_at", .number(JSONNumber(text: String(created)))),
                            ("status", .string(status)), ("error", .null), ("incomplete_details", incomplete),
                            ("instructions", echo.instructions.map(JSON.string) ?? .null),
                            ("max_output_tokens", echo.maxTokens.map(JSON.int) ?? .null), ("model", .string(model)),
                            ("output", .array(output)), ("parallel_tool_calls", true), ("previous_response_id", .null),
                            ("reasoning", .obj([("effort", .null), ("summary", .null)])), ("store", false),
                            ("temperature", .double(1.0)), ("text", .obj([("format", .obj([("type", "text")]))])),
                            ("tool_choice", "auto"), ("tools", echo.tools), ("top_p", .double(1.0)), ("truncation", "disabled")])
        if let u = usage {
            o["usage"] = .obj([("input_tokens", .int(u.prompt)), ("input_tokens_details", .obj([("cached_tokens", .int(u.cached))])),
                               ("output_tokens", .int(u.completion)), ("output_tokens_details", .obj([("reasoning_tokens", 0)])),
                               ("total_tokens", .int(u.prompt + u.completion))])
        } else {
            o["usage"] = .null
        }
        o["user"] = .null
        o["metadata"] = .obj([])
        return o
    }

    mutating func responsesStart(into b: inout ByteBuffer) {
        let r = JSON.object(responseObject(status: "in_progress", usage: nil))
        responsesEvent("response.created", [("response", r)], into: &b)
        responsesEvent("response.in_progress", [("response", r)], into: &b)
    }

    mutating func closeText(upTo n: Int, into b: inout ByteBuffer) {
        guard textOpen else { return }
        textOpen = false
        let text = plan.fullText(upTo: n)
        let ids: [(String, JSON)] = [("item_id", .string(messageItemID)), ("output_index", 0), ("content_index", 0)]
        responsesEvent("response.output_text.done", ids + [("text", .string(text)), ("logprobs", .array([]))], into: &b)
        responsesEvent("response.content_part.done", ids + [("part", outputTextPart(text))], into: &b)
        responsesEvent("response.output_item.done", [("output_index", 0), ("item", messageItem(text: text, done: true))], into: &b)
    }

    mutating func closeCall(upTo n: Int, into b: inout ByteBuffer) {
        guard openCalls > 0 else { return }
        let k = openCalls - 1
        let args = plan.arguments(of: k, upTo: n)
        responsesEvent("response.function_call_arguments.done",
                       [("item_id", .string(callItemID(k))), ("output_index", .int(callOutputIndex(k))), ("arguments", .string(args))], into: &b)
        responsesEvent("response.output_item.done", [("output_index", .int(callOutputIndex(k))), ("item", callItem(k, arguments: args, done: true))], into: &b)
    }

    mutating func responsesToken(_ t: SimOutputToken, index: Int, into b: inout ByteBuffer) {
        switch t {
        case .text(let s):
            if !textOpen {
                textOpen = true
                responsesEvent("response.output_item.added", [("output_index", 0), ("item", messageItem(text: "", done: false))], into: &b)
                responsesEvent("response.content_part.added", [("item_id", .string(messageItemID)), ("output_index", 0), ("content_index", 0),
                                                               ("part", outputTextPart(""))], into: &b)
            }
            b.writeString(#"event: response.output_text.delta\#ndata: {"type":"response.output_text.delta","sequence_number":\#(sequence),"item_id":"\#(messageItemID)","output_index":0,"content_index":0,"delta":"#)
            b.writeJSONString(s)
            b.writeStaticString(#","logprobs":[]}"#)
            b.writeStaticString("\n\n")
            sequence += 1
        case .toolArguments(let call, let piece, let first):
            if first {
                closeText(upTo: index, into: &b)
                closeCall(upTo: index, into: &b)
                openCalls = call + 1
                responsesEvent("response.output_item.added", [("output_index", .int(callOutputIndex(call))),
                                                              ("item", callItem(call, arguments: "", done: false))], into: &b)
            }
            b.writeString(#"event: response.function_call_arguments.delta\#ndata: {"type":"response.function_call_arguments.delta","sequence_number":\#(sequence),"item_id":"\#(callItemID(call))","output_index":\#(callOutputIndex(call)),"delta":"#)
            b.writeJSONString(piece)
            b.writeStaticString("}\n\n")
            sequence += 1
        }
    }

    mutating func responsesEnd(usage: SimUsage, into b: inout ByteBuffer) {
        closeText(upTo: usage.completion, into: &b)
        closeCall(upTo: usage.completion, into: &b)
        let r = responseObject(status: "completed", usage: usage)
        let type = r["status"]?.stringValue == "incomplete" ? "response.incomplete" : "response.completed"
        responsesEvent(type, [("response", .object(r))], into: &b)
    }
}
