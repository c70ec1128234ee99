import Cassette

/// Parses the parameters of one leaf assertion type.
struct CheckParser {
    let node: YAMLNode
    let type: String

    func allow(_ keys: [String]) throws(ConfigError) {
        try node.checkKeys(AssertionParser.common + keys, in: "a '\(type)' assertion")
    }

    func required(_ key: String) throws(ConfigError) -> YAMLNode {
        guard let v = node[key] else { throw ConfigError(node.location, "'\(type)' needs '\(key)'") }
        return v
    }

    func string(_ key: String) throws(ConfigError) -> String {
        let s = try required(key).string("'\(key)'")
        guard !s.isEmpty else { throw ConfigError(node[key]!.location, "'\(key)' must not be empty") }  // required() found it.
        return s
    }

    func bound(minKey: String = "min", maxKey: String = "max", equalsKeys: [String] = ["equals"]) throws(ConfigError) -> Bound {
        var b = Bound()
        if let n = node[minKey] { b.min = try n.number("'\(minKey)'") }
        if let n = node[maxKey] { b.max = try n.number("'\(maxKey)'") }
        for k in equalsKeys { if let n = node[k] { b.equals = try n.number("'\(k)'") } }
        guard !b.isEmpty else {
            let names = ([minKey, maxKey] + equalsKeys).map { "'\($0)'" }.joined(separator: ", ")
            throw ConfigError(node.location, "'\(type)' needs at least one of \(names)")
        }
        return b
    }

    func regex(_ pattern: String, at loc: SourceLocation) throws(ConfigError) -> String {
        do { _ = try Regex(pattern) } catch { throw ConfigError(loc, "bad regular expression '\(pattern)': \(error)") }
        return pattern
    }

    func mode(_ key: String = "mode") throws(ConfigError) -> OrderMode {
        guard let n = node[key] else { return .subsequence }
        let s = try n.string("'\(key)'")
        guard let m = OrderMode(rawValue: s) else {
            throw ConfigError(n.location, "'\(key)' must be one of \(OrderMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(s)'")
        }
        return m
    }

    func params(regex isRegex: Bool) throws(ConfigError) -> [ParamCheck] {
        let p = try required("params")
        let pairs = try p.mapping("'params'")
        guard !pairs.isEmpty else { throw ConfigError(p.location, "'params' must name at least one parameter") }
        var out: [ParamCheck] = []
        for (k, v) in pairs {
            let path = try k.string("a parameter name")
            if isRegex {
                let pattern = try v.string("the pattern for '\(path)'")
                out.append(ParamCheck(path: path, value: .string(try regex(pattern, at: v.location))))
            } else {
                out.append(ParamCheck(path: path, value: v.json))
            }
        }
        return out
    }

    func jsonPath(_ n: YAMLNode) throws(ConfigError) -> JSONPath {
        let text = try n.string("'path'")
        do { return try JSONPath(text) } catch { throw ConfigError(n.location, "bad JSONPath '\(text)': \(error)") }
    }

    func parse() throws(ConfigError) -> Check {
        switch type {
        case "tool_called", "tool_not_called":
            try allow(["tool"])
            let t = try string("tool")
            return type == "tool_called" ? .toolCalled(tool: t) : .toolNotCalled(tool: t)
        case "tool_call_count":
            try allow(["tool", "count", "min", "max"])
            let tool = try node["tool"].map { n throws(ConfigError) in try n.string("'tool'") }
            var b = Bound()
            if let c = node["count"] { b.equals = Double(try c.count("'count'")) }
            if let n = node["min"] { b.min = Double(try n.count("'min'")) }
            if let n = node["max"] { b.max = Double(try n.count("'max'")) }
            guard !b.isEmpty else { throw ConfigError(node.location, "'tool_call_count' needs 'count' (or 'min'/'max')") }
            return .toolCallCount(tool: tool, bound: b)
        case "tool_call_order":
            try allow(["sequence", "mode"])
            let seq = try required("sequence").strings("'sequence'")
            guard !seq.isEmpty else { throw ConfigError(node["sequence"]!.location, "'sequence' must not be empty") }  // required() found it.
            return .toolCallOrder(sequence: seq, mode: try mode())
        case "tool_param_equals", "tool_param_matches_regex":
            try allow(["tool", "params"])
            let tool = try string("tool")
            return type == "tool_param_equals" ? .toolParamEquals(tool: tool, params: try params(regex: false))
                : .toolParamMatchesRegex(tool: tool, params: try params(regex: true))
        case "tool_result_matches_json":
            try allow(["tool", "path", "value"])
            let tool = try string("tool")
            return .toolResultMatchesJSON(tool: tool, path: try jsonPath(try required("path")), value: node["value"]?.json)
        case "output_contains", "output_not_contains":
            try allow(["value"])
            let v = try required("value").string("'value'")
            return type == "output_contains" ? .outputContains(v) : .outputNotContains(v)
        case "output_regex":
            try allow(["pattern"])
            let p = try required("pattern")
            return .outputRegex(try regex(try p.string("'pattern'"), at: p.location))
        case "max_tokens", "max_latency_ms":
            try allow(["value"])
            let v = try required("value").number("'value'")
            return type == "max_tokens" ? .maxTokens(v) : .maxLatencyMs(v)
        case "no_error_messages", "no_hallucinated_tools":
            try allow([])
            return type == "no_error_messages" ? .noErrorMessages : .noHallucinatedTools
        case "ttft_ms", "output_speed":
            try allow(["percentile", "min", "max"])
            let p = try node["percentile"].map { n throws(ConfigError) in try AssertionParser.percentile(n) } ?? (type == "ttft_ms" ? 95 : 25)
            let b = try bound(equalsKeys: [])
            return type == "ttft_ms" ? .ttftMs(percentile: p, bound: b) : .outputSpeed(percentile: p, bound: b)
        case "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens":
            try allow(["min", "max", "equals"])
            return .tokens(TokenKind(rawValue: String(type.dropLast(7)))!, bound: try bound())  // type ends in "_tokens" and names a case.
        case "cost_usd":
            try allow(["min", "max"])
            return .costUSD(bound: try bound(equalsKeys: []))
        case "finish_reason":
            try allow(["value", "values"])
            guard let v = node["value"] ?? node["values"] else { throw ConfigError(node.location, "'finish_reason' needs 'value'") }
            return .finishReason(try v.strings("'value'"))
        case "request_param":
            return try requestParam()
        case "system_prompt_unchanged", "tools_unchanged":
            try allow(["baseline"])
            let b = try node["baseline"].map { n throws(ConfigError) in try n.string("'baseline'") }
            return type == "tools_unchanged" ? .toolsUnchanged(baseline: b) : .systemPromptUnchanged(baseline: b)
        case "mcp_method_sequence":
            try allow(["sequence", "mode", "include_notifications"])
            let seq = try required("sequence").strings("'sequence'")
            let inc = node["include_notifications"]?.json.boolValue ?? false
            return .mcpMethodSequence(sequence: seq, mode: try mode(), includeNotifications: inc)
        case "turns":
            try allow(["min", "max", "equals"])
            return .turns(bound: try bound())
        case "tool_gap_ms":
            try allow(["tool", "percentile", "min", "max"])
            let tool = try node["tool"].map { n throws(ConfigError) in try n.string("'tool'") }
            let p = try node["percentile"].map { n throws(ConfigError) in try AssertionParser.percentile(n) }
            return .toolGapMs(tool: tool, percentile: p, bound: try bound(equalsKeys: []))
        default:
            throw ConfigError(node.location, "unknown assertion type '\(type)'")
        }
    }

    func requestParam() throws(ConfigError) -> Check {
        try allow(["param", "path", "equals", "one_of", "matches", "min", "max"])
        let param: RequestParam
        if let pn = node["path"] {
            param = .path(try jsonPath(pn))
        } else {
            let n = try required("param")
            let names: [String: RequestParam] = ["model": .model, "temperature": .temperature, "max_tokens": .maxTokens,
                                                 "tools_count": .toolsCount, "tool_count": .toolsCount, "messages": .messages,
                                                 "context_tokens": .contextTokens, "context_size": .contextTokens]
            let s = try n.string("'param'")
            guard let p = names[s] else {
                throw ConfigError(n.location, "unknown request parameter '\(s)'; known: model, temperature, max_tokens, tools_count, messages, context_tokens (or give 'path:' for any JSONPath into the request body)")
            }
            param = p
        }
        var e = ParamExpectation()
        e.equals = node["equals"]?.json
        if let o = node["one_of"] {
            guard let items = o.items else { throw ConfigError(o.location, "'one_of' must be a list") }
            e.oneOf = items.map(\.json)
        }
        if let m = node["matches"] { e.matches = try regex(try m.string("'matches'"), at: m.location) }
        if let n = node["min"] { e.bound.min = try n.number("'min'") }
        if let n = node["max"] { e.bound.max = try n.number("'max'") }
        guard e.equals != nil || e.oneOf != nil || e.matches != nil || !e.bound.isEmpty else {
            throw ConfigError(node.location, "'request_param' needs one of 'equals', 'one_of', 'matches', 'min', 'max'")
        }
        return .requestParam(param, e)
    }
}
