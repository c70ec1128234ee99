import Cassette

/// Reads assertions from YAML, validating every parameter so that mistakes surface before
/// any cassette is judged, each with its file, line and column.
public enum AssertionParser {
    /// Every assertion type, in documentation order.
    public static let knownTypes: [String] = [
        "tool_called", "tool_not_called", "tool_call_count", "tool_call_order", "tool_param_equals",
        "tool_param_matches_regex", "tool_result_matches_json", "output_contains", "output_not_contains",
        "output_regex", "max_tokens", "max_latency_ms", "no_error_messages", "no_hallucinated_tools",
        "ttft_ms", "output_speed", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens",
        "cost_usd", "finish_reason", "request_param", "system_prompt_unchanged", "tools_unchanged",
        "mcp_method_sequence", "turns", "tool_gap_ms",
    ]
    /// The boolean combinators.
    public static let combinators = ["anyOf", "allOf", "not"]
    static let common = ["type", "scope", "match", "trajectory", "turn", "description"]

    /// Parses one assertion (a check or a combinator).
    public static func parse(_ node: YAMLNode) throws(ConfigError) -> AssertionSpec {
        let pairs = try node.mapping("an assertion")
        let keys = pairs.compactMap { $0.key.scalar }
        let combinator = combinators.first(where: keys.contains)
        var spec: AssertionSpec
        if let c = combinator {
            if keys.contains("type") {
                throw ConfigError(node.location, "an assertion has either 'type' or '\(c)', not both")
            }
            try node.checkKeys([c] + common.filter { $0 != "type" }, in: "a '\(c)' assertion")
            let body = node[c]! // c was found among the keys.
            switch c {
            case "not":
                spec = AssertionSpec(type: c, kind: .not(try parse(body)), location: node.location)
            default:
                guard let items = body.items, !items.isEmpty else {
                    throw ConfigError(body.location, "'\(c)' needs a non-empty list of assertions")
                }
                var children: [AssertionSpec] = []
                for i in items { children.append(try parse(i)) }
                spec = AssertionSpec(type: c, kind: c == "anyOf" ? .anyOf(children) : .allOf(children), location: node.location)
            }
        } else {
            guard let typeNode = node["type"] else {
                throw ConfigError(node.location, "an assertion needs 'type' (or anyOf/allOf/not); known types: \(knownTypes.joined(separator: ", "))")
            }
            let type = try typeNode.string("'type'")
            guard knownTypes.contains(type) else {
                throw ConfigError(typeNode.location, "unknown assertion type '\(type)'; known types: \(knownTypes.joined(separator: ", ")); combinators: anyOf, allOf, not")
            }
            let check = try CheckParser(node: node, type: type).parse()
            spec = AssertionSpec(type: type, kind: .check(check), location: node.location)
        }
        try readScope(node, into: &spec)
        return spec
    }

    static func readScope(_ node: YAMLNode, into spec: inout AssertionSpec) throws(ConfigError) {
        if let s = node["scope"] { spec.scope = try scope(s) }
        if let m = node["match"] {
            guard let q = Quantifier(rawValue: try m.string("'match'")) else {
                throw ConfigError(m.location, "'match' must be 'all' or 'any', not '\(m.scalar ?? "")'")
            }
            spec.match = q
        }
        if let t = node["trajectory"] {
            let s = try t.string("'trajectory'")
            spec.trajectory = Int(s).map { .index($0) } ?? (s == "last" ? .index(-1) : s == "first" ? .index(0) : .id(s))
            if spec.scope == nil { spec.scope = .trajectory }
        }
        if let t = node["turn"] {
            let s = try t.string("'turn'")
            guard let n = Int(s) ?? (s == "last" ? -1 : s == "first" ? 0 : nil) else {
                throw ConfigError(t.location, "'turn' must be an index (0, 1, -1…), 'first' or 'last', not '\(s)'")
            }
            spec.turn = .index(n)
            spec.scope = .turn
        }
    }

    /// Parses a scope name.
    public static func scope(_ node: YAMLNode) throws(ConfigError) -> Scope {
        let s = try node.string("'scope'")
        guard let v = Scope.allCases.first(where: { $0.name == s }) else {
            throw ConfigError(node.location, "'scope' must be run, trajectory or turn, not '\(s)'")
        }
        return v
    }

    /// Parses a percentile: a number in 0…100 or `pNN`.
    public static func percentile(_ node: YAMLNode) throws(ConfigError) -> Double {
        let raw = node.scalar ?? ""
        let text = raw.hasPrefix("p") || raw.hasPrefix("P") ? String(raw.dropFirst()) : raw
        guard node.scalar != nil, let p = Double(text), p.isFinite, p >= 0, p <= 100 else {
            throw ConfigError(node.location, "bad percentile '\(raw)': use a number from 0 to 100, or p50, p95, p99.9")
        }
        return p
    }
}
