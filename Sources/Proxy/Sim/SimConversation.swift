import Cassette

/// A request's conversation in a dialect-neutral form: what the content modes and the
/// prompt-token count work from.
public struct SimConversation: Sendable, Equatable {
    /// The messages, in order (system prompts and instructions first).
    public var messages: [SimMessage] = []
    /// The names of the tools the request declares.
    public var toolNames: [String] = []
    /// The tool definitions as sent, counted as part of the prompt.
    public var toolsText: String = ""

    /// An empty conversation.
    public init() {}

    /// The last message's role, if any.
    public var lastRole: SimMessage.Role? { messages.last?.role }

    /// The text of the last user message.
    public var lastUserText: String { messages.last(where: { $0.role == .user })?.text ?? "" }

    /// The number of tool results in the conversation.
    public var toolResultCount: Int { messages.reduce(0) { $0 + ($1.role == .tool ? 1 : 0) } }

    /// The number of assistant messages so far.
    public var assistantTurns: Int { messages.reduce(0) { $0 + ($1.role == .assistant ? 1 : 0) } }

    /// The prompt as one text, in a fixed template, for token counting and prefix hashing.
    /// Tool definitions come first, as chat templates put them in the system prompt, so that a
    /// growing conversation keeps its prefix.
    public func promptText(model: String) -> String {
        var s = ""
        s.reserveCapacity(toolsText.utf8.count + messages.reduce(0) { $0 + $1.text.utf8.count + 16 })
        if !toolsText.isEmpty { s += "<|tools|>\n" + toolsText + "\n" }
        for m in messages {
            s += "<|" + m.role.rawValue + "|>\n" + m.text
            for c in m.toolCalls { s += "\n<|call|>" + c.name + " " + c.arguments }
            s += "\n"
        }
        s += "<|assistant|>\n"
        return s
    }

    /// Links each tool result to its tool's name through the assistant's call ids.
    mutating func resolveToolNames() {
        var names: [String: String] = [:]
        for i in messages.indices {
            for c in messages[i].toolCalls { names[c.id] = c.name }
            if messages[i].role == .tool, messages[i].toolName == nil, let id = messages[i].toolCallID {
                messages[i].toolName = names[id]
            }
        }
    }
}

/// One message of a conversation.
public struct SimMessage: Sendable, Equatable {
    /// Who spoke.
    public enum Role: String, Sendable, Equatable {
        /// Instructions.
        case system
        /// The user.
        case user
        /// The model.
        case assistant
        /// A tool result.
        case tool
    }

    /// Who spoke.
    public var role: Role
    /// The text content (text parts joined by newlines).
    public var text: String
    /// Tool calls made by an assistant message.
    public var toolCalls: [SimToolCall] = []
    /// For a tool result: the call it answers.
    public var toolCallID: String?
    /// For a tool result: the tool's name, when known.
    public var toolName: String?

    /// A message.
    public init(role: Role, text: String, toolCalls: [SimToolCall] = [], toolCallID: String? = nil, toolName: String? = nil) {
        self.role = role
        self.text = text
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolName = toolName
    }
}

/// A tool call, made or planned.
public struct SimToolCall: Sendable, Equatable {
    /// The call id.
    public var id: String
    /// The tool's name.
    public var name: String
    /// The arguments as JSON text.
    public var arguments: String

    /// A tool call.
    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
