/// The fingerprint of one conversation message, as the trajectory linker compares them.
///
/// It keeps what an agent SDK reproduces faithfully when it resends its history, and
/// nothing it might reformat: the role side, the visible text (trimmed, text parts
/// concatenated) and the tool-call ids. Reasoning, images and formatting are left out.
public struct MessageSignature: Sendable, Equatable, Hashable {
    /// XXH64 over role, text and tool-call ids.
    public var hash: UInt64
    /// Whether the message came from the model (assistant, function calls).
    public var isAssistant: Bool
    /// Tool-call ids the message carries (calls for the assistant, results otherwise).
    public var toolIDs: [String]

    /// A signature from its parts.
    public init(role: String, text: String, toolIDs: [String]) {
        let assistant = role == "assistant"
        var bytes: [UInt8] = Array(role.utf8)
        bytes.append(1)
        bytes.append(contentsOf: Self.trimmed(text).utf8)
        for id in toolIDs { bytes.append(2); bytes.append(contentsOf: id.utf8) }
        self.hash = bytes.withUnsafeBytes { XXH64.hash($0) }
        self.isAssistant = assistant
        self.toolIDs = toolIDs
    }

    static func trimmed(_ s: String) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let a = s.firstIndex(where: { !isSpace($0) }), let b = s.lastIndex(where: { !isSpace($0) }) else { return "" }
        return s[a...b]
    }
}

/// Extracts conversation signatures from LLM requests and replies, per dialect.
public enum ConversationSignature {
    /// The message signatures of a request body, system prompt first; nil when the body is
    /// not a conversation (embeddings, legacy completions, unknown traffic).
    public static func messages(of body: JSON, dialect: Dialect) -> [MessageSignature]? {
        switch dialect {
        case .openaiChat:
            guard let msgs = body["messages"]?.arrayValue else { return nil }
            return msgs.map(chatMessage)
        case .anthropicMessages:
            guard let msgs = body["messages"]?.arrayValue else { return nil }
            var out: [MessageSignature] = []
            if let s = body["system"], !s.isNull { out.append(MessageSignature(role: "system", text: text(of: s), toolIDs: [])) }
            for m in msgs { out.append(anthropicMessage(m)) }
            return out
        case .openaiResponses:
            var out: [MessageSignature] = []
            if let s = body["instructions"]?.stringValue { out.append(MessageSignature(role: "system", text: s, toolIDs: [])) }
            if let s = body["input"]?.stringValue {
                out.append(MessageSignature(role: "user", text: s, toolIDs: []))
            } else if let items = body["input"]?.arrayValue {
                out.append(contentsOf: responsesItems(items))
            } else {
                return nil
            }
            return out
        default:
            return nil
        }
    }

    /// The signature a request would carry for this reply when the agent resends it.
    public static func reply(of facts: ExchangeFacts) -> MessageSignature {
        MessageSignature(role: "assistant", text: facts.outputText ?? "", toolIDs: facts.toolCalls.compactMap(\.id))
    }

    /// The text of a content value: a string, or the text parts of a list, concatenated.
    static func text(of content: JSON?) -> String {
        guard let content else { return "" }
        if let s = content.stringValue { return s }
        guard let parts = content.arrayValue else { return "" }
        var out = ""
        for p in parts {
            switch p["type"]?.stringValue {
            case "text", "input_text", "output_text", nil: out += p["text"]?.stringValue ?? ""
            default: break
            }
        }
        return out
    }

    static func chatMessage(_ m: JSON) -> MessageSignature {
        let role = m["role"]?.stringValue ?? ""
        var ids: [String] = []
        if let calls = m["tool_calls"]?.arrayValue { ids = calls.compactMap { $0["id"]?.stringValue } }
        if let id = m["tool_call_id"]?.stringValue { ids = [id] }
        return MessageSignature(role: role, text: text(of: m["content"]), toolIDs: ids)
    }

    static func anthropicMessage(_ m: JSON) -> MessageSignature {
        let role = m["role"]?.stringValue ?? ""
        var ids: [String] = []
        for b in m["content"]?.arrayValue ?? [] {
            switch b["type"]?.stringValue {
            case "tool_use": if let id = b["id"]?.stringValue { ids.append(id) }
            case "tool_result": if let id = b["tool_use_id"]?.stringValue { ids.append(id) }
            default: break
            }
        }
        return MessageSignature(role: role, text: text(of: m["content"]), toolIDs: ids)
    }

    /// Responses API items; consecutive model-side items (assistant messages, function calls,
    /// reasoning) make one assistant signature, as one reply does.
    static func responsesItems(_ items: [JSON]) -> [MessageSignature] {
        var out: [MessageSignature] = []
        var groupText = ""
        var groupIDs: [String] = []
        var inGroup = false
        func close() {
            if inGroup { out.append(MessageSignature(role: "assistant", text: groupText, toolIDs: groupIDs)) }
            inGroup = false; groupText = ""; groupIDs = []
        }
        for item in items {
            let type = item["type"]?.stringValue ?? (item["role"] != nil ? "message" : "")
            let role = item["role"]?.stringValue ?? ""
            switch type {
            case "message" where role == "assistant":
                inGroup = true
                groupText += text(of: item["content"])
            case "function_call":
                inGroup = true
                if let id = item["call_id"]?.stringValue ?? item["id"]?.stringValue { groupIDs.append(id) }
            case "reasoning":
                inGroup = true
            case "function_call_output":
                close()
                out.append(MessageSignature(role: "tool", text: outputText(item["output"]), toolIDs: [item["call_id"]?.stringValue ?? ""]))
            default:
                close()
                out.append(MessageSignature(role: role.isEmpty ? type : role, text: text(of: item["content"]), toolIDs: []))
            }
        }
        close()
        return out
    }

    static func outputText(_ v: JSON?) -> String {
        guard let v else { return "" }
        if let s = v.stringValue { return s }
        return text(of: v)
    }
}
