import Cassette

extension SimRequest {
    static func parseAnthropic(_ o: JSONObject) throws -> SimRequest {
        let model = try model(o)
        guard let maxTokens = o["max_tokens"], !maxTokens.isNull else {
            throw SimAPIError.invalid("max_tokens: Field required", param: "max_tokens")
        }
        guard let mt = maxTokens.intValue else { throw SimAPIError.invalid("max_tokens: Input should be a valid integer", param: "max_tokens") }
        guard mt >= 1 else { throw SimAPIError.invalid("max_tokens: Input should be greater than or equal to 1", param: "max_tokens") }
        guard let msgs = o["messages"], !msgs.isNull else { throw SimAPIError.invalid("messages: Field required", param: "messages") }
        guard let list = msgs.arrayValue else { throw SimAPIError.invalid("messages: Input should be a valid list", param: "messages") }
        guard !list.isEmpty else { throw SimAPIError.invalid("messages: at least one message is required", param: "messages") }
        var r = SimRequest(dialect: .anthropic, model: model, stream: try bool(o, "stream") ?? false)
        r.maxTokens = mt
        r.ignoreEOS = try bool(o, "ignore_eos") ?? false
        if let sys = o["system"], !sys.isNull {
            r.conversation.messages.append(SimMessage(role: .system, text: try text(sys, param: "system")))
        }
        for (i, m) in list.enumerated() {
            guard m.objectValue != nil, let role = m["role"]?.stringValue else {
                throw SimAPIError.invalid("messages.\(i).role: Field required", param: "messages.\(i).role")
            }
            guard role == "user" || role == "assistant" else {
                throw SimAPIError.invalid("messages.\(i).role: Input should be 'user' or 'assistant'", param: "messages.\(i).role")
            }
            let content = m["content"]
            if case .array(let blocks)? = content {
                var texts: [String] = []
                var calls: [SimToolCall] = []
                var results: [SimMessage] = []
                for b in blocks {
                    switch b["type"]?.stringValue {
                    case "text": texts.append(b["text"]?.stringValue ?? "")
                    case "tool_use":
                        calls.append(SimToolCall(id: b["id"]?.stringValue ?? "", name: b["name"]?.stringValue ?? "",
                                                 arguments: b["input"]?.text() ?? "{}"))
                    case "tool_result":
                        results.append(SimMessage(role: .tool, text: try text(b["content"], param: "messages.\(i).content"),
                                                  toolCallID: b["tool_use_id"]?.stringValue))
                    default: if let t = b["text"]?.stringValue { texts.append(t) }
                    }
                }
                r.conversation.messages.append(contentsOf: results)
                let t = texts.joined(separator: "\n")
                if role == "assistant" {
                    r.conversation.messages.append(SimMessage(role: .assistant, text: t, toolCalls: calls))
                } else if !t.isEmpty || results.isEmpty {
                    r.conversation.messages.append(SimMessage(role: .user, text: t))
                }
            } else {
                let t = try text(content, param: "messages.\(i).content")
                r.conversation.messages.append(SimMessage(role: role == "assistant" ? .assistant : .user, text: t))
            }
        }
        try readTools(o, into: &r) { $0["name"]?.stringValue }
        if o["tool_choice"]?["type"]?.stringValue == "none" { r.toolsAllowed = false }
        return r
    }
}
