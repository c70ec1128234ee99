import Cassette

/// One MCP JSON-RPC request and its answer, over streamable HTTP or stdio.
public struct MCPCall: Sendable, Equatable {
    /// How the call travelled.
    public enum Transport: String, Sendable, Equatable {
        /// Streamable HTTP through the proxy.
        case http
        /// Stdio through `tapedeck mcp-stdio`.
        case stdio
    }
    /// The exchange id (HTTP) or `stdio:<seq>` of the request message.
    public var id: String
    /// The transport.
    public var transport: Transport
    /// The JSON-RPC method; nil for a bare response or an unparsed message.
    public var method: String?
    /// For `tools/call`, the tool name.
    public var tool: String?
    /// For `tools/call`, the arguments.
    public var arguments: JSON?
    /// The result, when the call succeeded.
    public var result: JSON?
    /// The JSON-RPC error, when it failed.
    public var error: JSON?
    /// Monotonic start, ns.
    public var startMonoNs: Int64
    /// Duration until the answer, ns; nil when none came.
    public var durationNs: Int64?
    /// The trajectory it belongs to, when known.
    public var trajectory: String?
    /// The LLM exchange that asked for it, when linked.
    public var linkedExchange: String?
    /// The tool call id within that exchange, when linked.
    public var toolCallId: String?
    /// Whether it is a notification (no id, no answer expected).
    public var isNotification: Bool

    /// An MCP call.
    public init(id: String, transport: Transport, method: String?, startMonoNs: Int64) {
        self.id = id; self.transport = transport; self.method = method; self.startMonoNs = startMonoNs
        isNotification = false
    }

    /// Whether the call failed: a JSON-RPC error or a tool result flagged `isError`.
    public var failed: Bool { error != nil || result?["isError"]?.boolValue == true }

    /// The result as a tool result: structured content when present, else the joined text content.
    public var toolResult: ToolResult? {
        if let e = error { return ToolResult(text: e.text(), value: e, isError: true, source: .mcp) }
        guard let r = result else { return nil }
        let text = (r["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        var value: JSON? = nil
        if let s = r["structuredContent"], !s.isNull { value = s } else { value = try? JSON.parse(text) }
        return ToolResult(text: text, value: value, isError: r["isError"]?.boolValue ?? false, source: .mcp)
    }

    /// The end on the monotonic clock.
    public var endMonoNs: Int64 { startMonoNs + (durationNs ?? 0) }
}
