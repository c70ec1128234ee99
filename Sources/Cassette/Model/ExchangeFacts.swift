/// Facts derived from an exchange's bytes by its dialect.
public struct ExchangeFacts: Sendable, Equatable {
    /// The API dialect.
    public var dialect: Dialect
    /// The model requested (or reported by the response).
    public var model: String?
    /// Whether the response was streamed.
    public var stream: Bool
    /// First token-bearing event, ns after start.
    public var ttftNs: Int64?
    /// First non-reasoning token-bearing event, ns after start.
    public var ttfoNs: Int64?
    /// Arrival times of every token-bearing event, ns after start.
    public var tokenNs: [Int64]
    /// Token usage as reported by the server (or counted, see ``usageCounted``).
    public var usage: Usage?
    /// True when usage was missing and output tokens were counted from events.
    public var usageCounted: Bool
    /// Complete tool calls, assembled from streamed deltas.
    public var toolCalls: [ToolCall]
    /// Why generation stopped.
    public var finishReason: String?
    /// The assistant's visible text output.
    public var outputText: String?
    /// MCP JSON-RPC facts, for MCP traffic.
    public var mcp: MCPFacts?

    /// Empty facts for an unknown dialect.
    public init(dialect: Dialect = .unknown) {
        self.dialect = dialect
        self.stream = false
        self.tokenNs = []
        self.usageCounted = false
        self.toolCalls = []
    }
}

/// The API dialect of an exchange.
public enum Dialect: String, Sendable, Equatable, CaseIterable {
    /// OpenAI `/v1/chat/completions`.
    case openaiChat = "openai.chat"
    /// OpenAI `/v1/responses`.
    case openaiResponses = "openai.responses"
    /// OpenAI legacy `/v1/completions`.
    case openaiCompletions = "openai.completions"
    /// OpenAI `/v1/embeddings`.
    case openaiEmbeddings = "openai.embeddings"
    /// Anthropic `/v1/messages`.
    case anthropicMessages = "anthropic.messages"
    /// MCP JSON-RPC (streamable HTTP or stdio).
    case mcp
    /// Anything else; forwarded and recorded raw.
    case unknown

    /// Whether the dialect is an LLM inference call.
    public var isLLM: Bool {
        switch self {
        case .openaiChat, .openaiResponses, .openaiCompletions, .anthropicMessages: return true
        default: return false
        }
    }
}

/// Token counts for one exchange.
public struct Usage: Sendable, Equatable {
    /// Prompt / input tokens (for Anthropic: input + cache read + cache creation).
    public var input: Int
    /// Completion / output tokens.
    public var output: Int
    /// Input tokens served from a prefix cache.
    public var cached: Int
    /// Reasoning tokens within the output.
    public var reasoning: Int
    /// Usage counts.
    public init(input: Int = 0, output: Int = 0, cached: Int = 0, reasoning: Int = 0) {
        self.input = input; self.output = output; self.cached = cached; self.reasoning = reasoning
    }
}

/// A complete tool call requested by the model.
public struct ToolCall: Sendable, Equatable {
    /// The call id the model assigned.
    public var id: String?
    /// The tool name.
    public var name: String
    /// The arguments as the model wrote them (usually JSON text).
    public var arguments: String
    /// A tool call.
    public init(id: String?, name: String, arguments: String) { self.id = id; self.name = name; self.arguments = arguments }
}

/// JSON-RPC facts of an MCP exchange or message.
public struct MCPFacts: Sendable, Equatable {
    /// The method (`tools/call`, `initialize`…); nil for a bare response.
    public var method: String?
    /// The JSON-RPC id; nil for notifications.
    public var id: JSON?
    /// For `tools/call`, the tool name.
    public var tool: String?
    /// For `tools/call`, the arguments.
    public var arguments: JSON?
    /// The result, when the call succeeded.
    public var result: JSON?
    /// The error object, when it failed.
    public var error: JSON?
    /// The `Mcp-Session-Id` it belongs to.
    public var session: String?
    /// Server-initiated messages and notifications seen on the same exchange (SSE replies).
    public var otherMessages: Int
    /// Empty facts.
    public init(method: String? = nil, id: JSON? = nil) {
        self.method = method; self.id = id; self.otherMessages = 0
    }
}

/// One JSON-RPC message relayed over MCP stdio.
public struct StdioMessage: Sendable, Equatable {
    /// Direction of travel.
    public enum Direction: String, Sendable, Equatable {
        /// From the agent (client) to the server.
        case toServer = "to_server"
        /// From the server to the agent.
        case toClient = "to_client"
    }
    /// Sequence number within the cassette.
    public var seq: Int
    /// Direction.
    public var direction: Direction
    /// Wall-clock time, Unix ns.
    public var unixNs: Int64
    /// Monotonic time, ns.
    public var monoNs: Int64
    /// The message. Lines that were not JSON are kept as a string.
    public var message: JSON
    /// A stdio message record.
    public init(seq: Int, direction: Direction, unixNs: Int64, monoNs: Int64, message: JSON) {
        self.seq = seq; self.direction = direction; self.unixNs = unixNs; self.monoNs = monoNs; self.message = message
    }
}
