import Cassette

/// What an LLM request body says, read per dialect: messages, system prompt, tools offered,
/// sampling parameters and the tool results it carries back to the model.
public struct RequestFacts: Sendable, Equatable {
    /// The conversation items (`messages`, or the Responses API's `input` list).
    public var messages: [JSON]
    /// The system prompt: system/developer messages, Anthropic `system`, or `instructions`.
    public var systemPrompt: String?
    /// The `tools` value as sent, if any.
    public var tools: JSON?
    /// Names of the tools offered, in order.
    public var toolNames: [String]
    /// The requested model.
    public var model: String?
    /// `temperature`, when sent.
    public var temperature: Double?
    /// The output cap (`max_tokens`, `max_completion_tokens` or `max_output_tokens`).
    public var maxTokens: Int?
    /// The Responses API's `previous_response_id`.
    public var previousResponseId: String?
    /// Tool results carried in this request, keyed by tool call id.
    public var toolResults: [String: ToolResult]
    /// Tool results in order of appearance, with their call ids.
    public var toolResultOrder: [String]
    /// The whole body.
    public var body: JSON?

    /// Reads a request body of the given dialect.
    public init(body: JSON?, dialect: Dialect) {
        self.body = body
        messages = []
        toolNames = []
        toolResults = [:]
        toolResultOrder = []
        guard let body else { return }
        model = body["model"]?.stringValue
        temperature = body["temperature"]?.doubleValue
        maxTokens = body["max_tokens"]?.intValue ?? body["max_completion_tokens"]?.intValue ?? body["max_output_tokens"]?.intValue
        previousResponseId = body["previous_response_id"]?.stringValue
        if let t = body["tools"], !t.isNull {
            tools = t
            toolNames = (t.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue ?? $0["name"]?.stringValue }
        }
        switch dialect {
        case .anthropicMessages:
            messages = body["messages"]?.arrayValue ?? []
            if let s = body["system"] { systemPrompt = Self.text(of: s) }
        case .openaiResponses:
            if let items = body["input"]?.arrayValue { messages = items } else if let s = body["input"]?.stringValue {
                messages = [.obj([("role", "user"), ("content", .string(s))])]
            }
            if let s = body["instructions"]?.stringValue { systemPrompt = s }
        default:
            messages = body["messages"]?.arrayValue ?? []
        }
        if systemPrompt == nil {
            let sys = messages.filter { ["system", "developer"].contains($0["role"]?.stringValue ?? "") }
            if !sys.isEmpty { systemPrompt = sys.compactMap { $0["content"].flatMap(Self.text(of:)) }.joined(separator: "\n") }
        }
        collectToolResults()
    }

    mutating func collectToolResults() {
        func add(_ id: String?, _ r: ToolResult) {
            guard let id, toolResults[id] == nil else { return }
            toolResults[id] = r
            toolResultOrder.append(id)
        }
        for m in messages {
            // OpenAI chat: {"role":"tool","tool_call_id":…,"content":…}
            if m["role"]?.stringValue == "tool" {
                let text = m["content"].flatMap(Self.text(of:)) ?? ""
                add(m["tool_call_id"]?.stringValue, ToolResult(text: text, value: nil, isError: false, source: .message))
            }
            // Responses API: {"type":"function_call_output","call_id":…,"output":…}
            if m["type"]?.stringValue == "function_call_output" {
                let text = m["output"].flatMap(Self.text(of:)) ?? ""
                add(m["call_id"]?.stringValue, ToolResult(text: text, value: nil, isError: false, source: .message))
            }
            // Anthropic: user content blocks {"type":"tool_result","tool_use_id":…,"content":…,"is_error":…}
            for block in m["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "tool_result" {
                let text = block["content"].flatMap(Self.text(of:)) ?? ""
                add(block["tool_use_id"]?.stringValue,
                    ToolResult(text: text, value: nil, isError: block["is_error"]?.boolValue ?? false, source: .message))
            }
        }
    }

    /// The text of a content value: a string, or the `text` of each part of a list, joined.
    public static func text(of content: JSON) -> String? {
        switch content {
        case .string(let s): return s
        case .array(let parts):
            let texts = parts.compactMap { p -> String? in
                if let s = p.stringValue { return s }
                return p["text"]?.stringValue ?? p["content"].flatMap { text(of: $0) }
            }
            return texts.joined(separator: "\n")
        case .null: return nil
        default: return content.text()
        }
    }
}
