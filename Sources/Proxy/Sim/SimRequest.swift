import Cassette

/// A parsed inference request, in dialect-neutral form.
public struct SimRequest: Sendable {
    /// The wire dialect.
    public var dialect: SimDialect
    /// The requested model.
    public var model: String
    /// Whether the response is streamed (SSE).
    public var stream: Bool
    /// OpenAI `stream_options.include_usage`.
    public var includeUsage: Bool = false
    /// The output limit (`max_tokens`, `max_completion_tokens`, `max_output_tokens`).
    public var maxTokens: Int?
    /// vLLM's `ignore_eos`: generate exactly `maxTokens`.
    public var ignoreEOS: Bool = false
    /// Whether the model may call tools (false for `tool_choice: none`).
    public var toolsAllowed: Bool = true
    /// The conversation.
    public var conversation = SimConversation()
    /// Responses API: the request's `tools` and `instructions`, echoed in the response object.
    public var echoTools: JSON = .array([])
    /// Responses API `instructions`.
    public var instructions: String?

    /// A request.
    public init(dialect: SimDialect, model: String, stream: Bool) {
        self.dialect = dialect
        self.model = model
        self.stream = stream
    }

    /// Parses a request body for `dialect`; errors come back in that dialect's shape.
    public static func parse(_ body: [UInt8], dialect: SimDialect) -> Result<SimRequest, SimAPIError> {
        let json: JSON
        do { json = try JSON.parse(body) } catch {
            return .failure(.invalid("We could not parse the JSON body of your request (\(error.description)). Send valid JSON."))
        }
        guard let o = json.objectValue else { return .failure(.invalid("The request body must be a JSON object.")) }
        do {
            var r: SimRequest
            switch dialect {
            case .chat: r = try parseChat(o)
            case .completions: r = try parseCompletions(o)
            case .responses: r = try parseResponses(o)
            case .anthropic: r = try parseAnthropic(o)
            }
            r.conversation.resolveToolNames()
            return .success(r)
        } catch let e as SimAPIError {
            return .failure(e)
        } catch {
            return .failure(.invalid("\(error)"))
        }
    }

    // MARK: Field helpers

    static func model(_ o: JSONObject) throws -> String {
        guard let v = o["model"], !v.isNull else { throw SimAPIError.invalid("Missing required parameter: 'model'.", param: "model") }
        guard let s = v.stringValue, !s.isEmpty else { throw SimAPIError.invalid("'model' must be a non-empty string.", param: "model") }
        return s
    }

    static func bool(_ o: JSONObject, _ k: String) throws -> Bool? {
        guard let v = o[k], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw SimAPIError.invalid("'\(k)' must be a boolean, not a \(v.kindName).", param: k) }
        return b
    }

    static func positiveInt(_ o: JSONObject, _ k: String) throws -> Int? {
        guard let v = o[k], !v.isNull else { return nil }
        guard let i = v.intValue else { throw SimAPIError.invalid("'\(k)' must be an integer.", param: k) }
        guard i >= 1 else { throw SimAPIError.invalid("'\(k)' must be at least 1, got \(i).", param: k) }
        return i
    }

    static func array(_ o: JSONObject, _ k: String, required: Bool) throws -> [JSON]? {
        guard let v = o[k], !v.isNull else {
            if required { throw SimAPIError.invalid("Missing required parameter: '\(k)'.", param: k) }
            return nil
        }
        guard let a = v.arrayValue else { throw SimAPIError.invalid("'\(k)' must be an array, not a \(v.kindName).", param: k) }
        return a
    }

    /// Text of a content value: a string, or an array of parts with `text` (other parts are skipped).
    static func text(_ v: JSON?, param: String) throws -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .array(let parts)?:
            var out: [String] = []
            for p in parts {
                if let s = p.stringValue { out.append(s); continue }
                guard p.objectValue != nil else { throw SimAPIError.invalid("'\(param)' parts must be objects.", param: param) }
                if let t = p["text"]?.stringValue { out.append(t) }
                else if let c = p["content"], p["type"]?.stringValue == "tool_result" { out.append(try text(c, param: param)) }
            }
            return out.joined(separator: "\n")
        case let x?:
            throw SimAPIError.invalid("'\(param)' must be a string or an array of content parts, not a \(x.kindName).", param: param)
        }
    }
}
