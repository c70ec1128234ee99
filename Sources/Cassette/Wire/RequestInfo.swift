/// What a request says about itself: dialect, model, streaming, tools offered.
public struct RequestInfo: Sendable, Equatable {
    /// The detected dialect.
    public var dialect: Dialect
    /// The requested model.
    public var model: String?
    /// Whether a streamed response was asked for.
    public var stream: Bool
    /// Names of the tools offered.
    public var toolNames: [String]
    /// For MCP: the JSON-RPC method and id.
    public var mcpMethod: String?
    /// The JSON-RPC id, for MCP requests.
    public var mcpId: JSON?

    /// Detects the dialect from the path (route prefix allowed) and body.
    public init(method: String, path: String, body: JSON?) {
        let p = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        model = body?["model"]?.stringValue
        stream = body?["stream"]?.boolValue ?? false
        toolNames = []
        if let body, body["jsonrpc"]?.stringValue == "2.0" || (body.arrayValue?.first?["jsonrpc"]?.stringValue == "2.0") {
            dialect = .mcp
            let first = body.arrayValue?.first ?? body
            mcpMethod = first["method"]?.stringValue
            mcpId = first["id"]
            stream = false
            return
        }
        if p.hasSuffix("/chat/completions") { dialect = .openaiChat }
        else if p.hasSuffix("/responses") { dialect = .openaiResponses }
        else if p.hasSuffix("/completions") { dialect = .openaiCompletions }
        else if p.hasSuffix("/embeddings") { dialect = .openaiEmbeddings }
        else if p.hasSuffix("/messages") && method == "POST" { dialect = .anthropicMessages }
        else { dialect = .unknown }
        if let tools = body?["tools"]?.arrayValue {
            toolNames = tools.compactMap { t in
                t["function"]?["name"]?.stringValue ?? t["name"]?.stringValue
            }
        }
    }
}
