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
        // The path without its query, compared on bytes (the suffixes are ASCII).
        let p = path.utf8.firstIndex(of: UInt8(ascii: "?")).map { path.utf8[..<$0] } ?? path.utf8[...]
        func ends(_ suffix: StaticString) -> Bool {
            let n = suffix.utf8CodeUnitCount
            return p.count >= n && p.suffix(n).elementsEqual(UnsafeBufferPointer(start: suffix.utf8Start, count: n))
        }
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
        if ends("/chat/completions") { dialect = .openaiChat }
        else if ends("/responses") { dialect = .openaiResponses }
        else if ends("/completions") { dialect = .openaiCompletions }
        else if ends("/embeddings") { dialect = .openaiEmbeddings }
        else if ends("/messages") && method == "POST" { dialect = .anthropicMessages }
        else { dialect = .unknown }
        if let tools = body?["tools"]?.arrayValue {
            toolNames = tools.compactMap { t in
                t["function"]?["name"]?.stringValue ?? t["name"]?.stringValue
            }
        }
    }
}
