import Cassette

extension SimRequest {
    static func parseChat(_ o: JSONObject) throws -> SimRequest {
        let model = try model(o)
        guard let msgs = try array(o, "messages", required: true) else { throw SimAPIError.invalid("Missing required parameter: 'messages'.", param: "messages") }
        guard !msgs.isEmpty else { throw SimAPIError.invalid("'messages' must contain at least one message.", param: "messages") }
        var r = SimRequest(dialect: .chat, model: model, stream: try bool(o, "stream") ?? false)
        if let so = o["stream_options"], let inc = so["include_usage"]?.boolValue { r.includeUsage = inc }
        r.maxTokens = try positiveInt(o, "max_completion_tokens") ?? positiveInt(o, "max_tokens")
        r.ignoreEOS = try bool(o, "ignore_eos") ?? false
        if let n = o["n"], !n.isNull, n.intValue != 1 {
            throw SimAPIError.invalid("The simulator supports only n=1.", param: "n")
        }
        for (i, m) in msgs.enumerated() {
            guard let mo = m.objectValue else { throw SimAPIError.invalid("messages[\(i)] must be an object.", param: "messages[\(i)]") }
            guard let role = mo["role"]?.stringValue else {
                throw SimAPIError.invalid("messages[\(i)] is missing 'role'.", param: "messages[\(i)].role")
            }
            let content = try text(mo["content"], param: "messages[\(i)].content")
            switch role {
            case "system", "developer":
                r.conversation.messages.append(SimMessage(role: .system, text: content))
            case "user":
                r.conversation.messages.append(SimMessage(role: .user, text: content))
            case "assistant":
                var calls: [SimToolCall] = []
                for c in mo["tool_calls"]?.arrayValue ?? [] {
                    calls.append(SimToolCall(id: c["id"]?.stringValue ?? "", name: c["function"]?["name"]?.stringValue ?? "",
                                             arguments: c["function"]?["arguments"]?.stringValue ?? ""))
                }
                r.conversation.messages.append(SimMessage(role: .assistant, text: content, toolCalls: calls))
            case "tool", "function":
                r.conversation.messages.append(SimMessage(role: .tool, text: content, toolCallID: mo["tool_call_id"]?.stringValue,
                                                          toolName: mo["name"]?.stringValue))
            default:
                throw SimAPIError.invalid("messages[\(i)].role '\(role)' is not one of system, developer, user, assistant, tool.",
                                          param: "messages[\(i)].role")
            }
        }
        try readTools(o, into: &r) { $0["function"]?["name"]?.stringValue ?? $0["name"]?.stringValue }
        if o["tool_choice"]?.stringValue == "none" { r.toolsAllowed = false }
        return r
    }

    static func readTools(_ o: JSONObject, into r: inout SimRequest, name: (JSON) -> String?) throws {
        guard let tools = try array(o, "tools", required: false) else { return }
        for (i, t) in tools.enumerated() {
            guard let n = name(t) else { throw SimAPIError.invalid("tools[\(i)] has no name.", param: "tools[\(i)]") }
            r.conversation.toolNames.append(n)
        }
        if !tools.isEmpty { r.conversation.toolsText = JSON.array(tools).text() }
        r.echoTools = .array(tools)
    }

    static func parseCompletions(_ o: JSONObject) throws -> SimRequest {
        let model = try model(o)
        guard let p = o["prompt"], !p.isNull else { throw SimAPIError.invalid("Missing required parameter: 'prompt'.", param: "prompt") }
        var r = SimRequest(dialect: .completions, model: model, stream: try bool(o, "stream") ?? false)
        let prompt: String
        switch p {
        case .string(let s): prompt = s
        case .array(let a):
            // A list of strings joins; a list of token ids counts one token per id.
            if a.allSatisfy({ $0.stringValue != nil }) { prompt = a.compactMap(\.stringValue).joined(separator: "\n") }
            else if a.allSatisfy({ $0.intValue != nil }) { prompt = a.map { _ in " x" }.joined() }
            else { throw SimAPIError.invalid("'prompt' must be a string, a list of strings or a list of token ids.", param: "prompt") }
        default: throw SimAPIError.invalid("'prompt' must be a string, a list of strings or a list of token ids.", param: "prompt")
        }
        r.conversation.messages = [SimMessage(role: .user, text: prompt)]
        r.maxTokens = try positiveInt(o, "max_tokens") ?? 16
        r.ignoreEOS = try bool(o, "ignore_eos") ?? false
        if let so = o["stream_options"], let inc = so["include_usage"]?.boolValue { r.includeUsage = inc }
        if let n = o["n"], !n.isNull, n.intValue != 1 { throw SimAPIError.invalid("The simulator supports only n=1.", param: "n") }
        r.toolsAllowed = false
        return r
    }

    static func parseResponses(_ o: JSONObject) throws -> SimRequest {
        let model = try model(o)
        var r = SimRequest(dialect: .responses, model: model, stream: try bool(o, "stream") ?? false)
        r.maxTokens = try positiveInt(o, "max_output_tokens")
        r.ignoreEOS = try bool(o, "ignore_eos") ?? false
        if let ins = o["instructions"], !ins.isNull {
            guard let s = ins.stringValue else { throw SimAPIError.invalid("'instructions' must be a string.", param: "instructions") }
            r.instructions = s
            r.conversation.messages.append(SimMessage(role: .system, text: s))
        }
        guard let input = o["input"], !input.isNull else { throw SimAPIError.invalid("Missing required parameter: 'input'.", param: "input") }
        switch input {
        case .string(let s): r.conversation.messages.append(SimMessage(role: .user, text: s))
        case .array(let items):
            for (i, it) in items.enumerated() {
                guard it.objectValue != nil else { throw SimAPIError.invalid("input[\(i)] must be an object.", param: "input[\(i)]") }
                let type = it["type"]?.stringValue ?? "message"
                switch type {
                case "message":
                    let roleName = it["role"]?.stringValue ?? "user"
                    let role: SimMessage.Role = roleName == "assistant" ? .assistant : (roleName == "user" ? .user : .system)
                    r.conversation.messages.append(SimMessage(role: role, text: try text(it["content"], param: "input[\(i)].content")))
                case "function_call":
                    let call = SimToolCall(id: it["call_id"]?.stringValue ?? "", name: it["name"]?.stringValue ?? "",
                                           arguments: it["arguments"]?.stringValue ?? "")
                    if let last = r.conversation.messages.last, last.role == .assistant {
                        r.conversation.messages[r.conversation.messages.count - 1].toolCalls.append(call)
                    } else {
                        r.conversation.messages.append(SimMessage(role: .assistant, text: "", toolCalls: [call]))
                    }
                case "function_call_output":
                    let out = it["output"].map { $0.stringValue ?? $0.text() } ?? ""
                    r.conversation.messages.append(SimMessage(role: .tool, text: out, toolCallID: it["call_id"]?.stringValue))
                default:
                    // Reasoning items and the like add context but no role.
                    r.conversation.messages.append(SimMessage(role: .system, text: it.text()))
                }
            }
        default:
            throw SimAPIError.invalid("'input' must be a string or an array of input items.", param: "input")
        }
        try readTools(o, into: &r) { $0["name"]?.stringValue ?? $0["function"]?["name"]?.stringValue }
        if o["tool_choice"]?.stringValue == "none" { r.toolsAllowed = false }
        return r
    }
}
