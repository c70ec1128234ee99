import Cassette

/// Where an assertion looks: the whole run, each trajectory, or each LLM turn.
public enum Scope: Int, Sendable, Equatable, Comparable, CaseIterable {
    /// Everything in the cassette together.
    case run = 0
    /// One trajectory (agent session) at a time.
    case trajectory = 1
    /// One LLM turn at a time.
    case turn = 2

    /// The YAML name.
    public var name: String { ["run", "trajectory", "turn"][rawValue] }
    public static func < (a: Scope, b: Scope) -> Bool { a.rawValue < b.rawValue }
}

/// How per-trajectory or per-turn verdicts combine: every one must pass, or at least one.
public enum Quantifier: String, Sendable, Equatable {
    /// All must pass (the default).
    case all
    /// At least one must pass.
    case any
}

/// Picks which trajectories or turns a narrowed assertion looks at.
public enum Selector: Sendable, Equatable {
    /// By position, from 0; negative counts from the end (-1 is the last).
    case index(Int)
    /// By trajectory id.
    case id(String)
}

/// A numeric bound: `min`, `max` and/or `equals`.
public struct Bound: Sendable, Equatable, CustomStringConvertible {
    /// Lower limit, inclusive.
    public var min: Double?
    /// Upper limit, inclusive.
    public var max: Double?
    /// Exact value.
    public var equals: Double?
    /// A bound.
    public init(min: Double? = nil, max: Double? = nil, equals: Double? = nil) { self.min = min; self.max = max; self.equals = equals }

    /// Whether `v` satisfies every limit.
    public func check(_ v: Double) -> Bool {
        if let e = equals, v != e { return false }
        if let m = min, v < m { return false }
        if let m = max, v > m { return false }
        return true
    }

    /// Whether no limit is set.
    public var isEmpty: Bool { min == nil && max == nil && equals == nil }

    public var description: String {
        var parts: [String] = []
        if let e = equals { parts.append("= \(Fmt.num(e))") }
        if let m = min { parts.append("≥ \(Fmt.num(m))") }
        if let m = max { parts.append("≤ \(Fmt.num(m))") }
        return parts.joined(separator: " and ")
    }
}

/// How a tool or MCP method sequence must appear.
public enum OrderMode: String, Sendable, Equatable, CaseIterable {
    /// The names appear in this order, other calls allowed between them (agent-benchmark's behaviour).
    case subsequence
    /// Calls to the named tools, ignoring all others, are exactly this sequence.
    case inOrder = "in_order"
    /// The whole call sequence is exactly this.
    case exact
}

/// Which usage count a token assertion limits.
public enum TokenKind: String, Sendable, Equatable, CaseIterable {
    /// `input_tokens`.
    case input
    /// `output_tokens`.
    case output
    /// `cached_tokens`.
    case cached
    /// `reasoning_tokens`.
    case reasoning
}

/// A request parameter `request_param` looks at.
public enum RequestParam: Sendable, Equatable {
    /// The model name.
    case model
    /// `temperature`.
    case temperature
    /// The output cap.
    case maxTokens
    /// The number of tools offered.
    case toolsCount
    /// The number of conversation items sent.
    case messages
    /// Input tokens the server counted (the context size).
    case contextTokens
    /// Any value in the body, by JSONPath.
    case path(JSONPath)

    /// The name shown in reports.
    public var name: String {
        switch self {
        case .model: return "model"
        case .temperature: return "temperature"
        case .maxTokens: return "max_tokens"
        case .toolsCount: return "tools_count"
        case .messages: return "messages"
        case .contextTokens: return "context_tokens"
        case .path(let p): return p.description
        }
    }
}

/// What a request parameter must be.
public struct ParamExpectation: Sendable, Equatable {
    /// An exact (typed) value.
    public var equals: JSON?
    /// One of several values.
    public var oneOf: [JSON]?
    /// A regular expression over the value's text.
    public var matches: String?
    /// Numeric limits.
    public var bound: Bound
    /// An expectation.
    public init(equals: JSON? = nil, oneOf: [JSON]? = nil, matches: String? = nil, bound: Bound = Bound()) {
        self.equals = equals; self.oneOf = oneOf; self.matches = matches; self.bound = bound
    }
}

/// One parameter check of `tool_param_equals` / `tool_param_matches_regex`: a dot path and a value or pattern.
public struct ParamCheck: Sendable, Equatable {
    /// The dot path as written.
    public var path: String
    /// The expected value (typed) or the pattern (a string).
    public var value: JSON
    /// A check.
    public init(path: String, value: JSON) { self.path = path; self.value = value }
}

/// A leaf assertion with its validated parameters.
public enum Check: Sendable, Equatable {
    /// `tool_called`: the tool was called at least once.
    case toolCalled(tool: String)
    /// `tool_not_called`: the tool was never called.
    case toolNotCalled(tool: String)
    /// `tool_call_count`: how many calls (of one tool, or of all).
    case toolCallCount(tool: String?, bound: Bound)
    /// `tool_call_order`: tools called in a sequence.
    case toolCallOrder(sequence: [String], mode: OrderMode)
    /// `tool_param_equals`: some call of the tool has these parameter values.
    case toolParamEquals(tool: String, params: [ParamCheck])
    /// `tool_param_matches_regex`: some call of the tool has parameters matching these patterns.
    case toolParamMatchesRegex(tool: String, params: [ParamCheck])
    /// `tool_result_matches_json`: some result of the tool has this value at a JSONPath.
    case toolResultMatchesJSON(tool: String, path: JSONPath, value: JSON?)
    /// `output_contains`: the output contains the text.
    case outputContains(String)
    /// `output_not_contains`: the output does not contain the text.
    case outputNotContains(String)
    /// `output_regex`: the output matches the pattern.
    case outputRegex(String)
    /// `max_tokens`: input plus output tokens at most this.
    case maxTokens(Double)
    /// `max_latency_ms`: from the first request to the last response, at most this.
    case maxLatencyMs(Double)
    /// `no_error_messages`: no failed exchange, MCP error or tool error.
    case noErrorMessages
    /// `no_hallucinated_tools`: every tool called was offered by its request.
    case noHallucinatedTools
    /// `ttft_ms`: a TTFT percentile within bounds.
    case ttftMs(percentile: Double, bound: Bound)
    /// `output_speed`: an output-speed percentile (tokens/s) within bounds.
    case outputSpeed(percentile: Double, bound: Bound)
    /// `input_tokens`, `output_tokens`, `cached_tokens`, `reasoning_tokens`: totals within bounds.
    case tokens(TokenKind, bound: Bound)
    /// `cost_usd`: the priced cost within bounds.
    case costUSD(bound: Bound)
    /// `finish_reason`: the final (or each) turn stopped for one of these reasons.
    case finishReason([String])
    /// `request_param`: what the agent sent.
    case requestParam(RequestParam, ParamExpectation)
    /// `system_prompt_unchanged`: system prompts equal the baseline's.
    case systemPromptUnchanged(baseline: String?)
    /// `tools_unchanged`: tools offered equal the baseline's.
    case toolsUnchanged(baseline: String?)
    /// `mcp_method_sequence`: MCP methods called in a sequence.
    case mcpMethodSequence(sequence: [String], mode: OrderMode, includeNotifications: Bool)
    /// `turns`: the number of LLM turns.
    case turns(bound: Bound)
    /// `tool_gap_ms`: tool/think gaps between turns.
    case toolGapMs(tool: String?, percentile: Double?, bound: Bound)
}

/// One assertion of a suite: a check or a combinator, with its scope and where it was written.
public struct AssertionSpec: Sendable, Equatable {
    /// What it is.
    public indirect enum Kind: Sendable, Equatable {
        /// A leaf check.
        case check(Check)
        /// Passes if any child passes.
        case anyOf([AssertionSpec])
        /// Passes if every child passes.
        case allOf([AssertionSpec])
        /// Passes if the child fails.
        case not(AssertionSpec)
    }
    /// The type name as written (`tool_called`, `anyOf`…).
    public var type: String
    /// What it is.
    public var kind: Kind
    /// The scope it narrows to, if it sets one.
    public var scope: Scope?
    /// How narrowed verdicts combine.
    public var match: Quantifier
    /// Which trajectory, when narrowing (nil: every one).
    public var trajectory: Selector?
    /// Which turn, when narrowing (nil: every one).
    public var turn: Selector?
    /// Where it was written.
    public var location: SourceLocation

    /// An assertion.
    public init(type: String, kind: Kind, scope: Scope? = nil, match: Quantifier = .all, trajectory: Selector? = nil,
                turn: Selector? = nil, location: SourceLocation) {
        self.type = type; self.kind = kind; self.scope = scope; self.match = match
        self.trajectory = trajectory; self.turn = turn; self.location = location
    }

    /// Every baseline path the assertion (or a child) names; nil stands for the suite's default baseline.
    public var baselines: [String?] {
        switch kind {
        case .check(.systemPromptUnchanged(let b)), .check(.toolsUnchanged(let b)): return [b]
        case .check: return []
        case .anyOf(let c), .allOf(let c): return c.flatMap(\.baselines)
        case .not(let c): return c.baselines
        }
    }

    /// Whether the assertion (or a child) needs a price table.
    public var needsPrices: Bool {
        switch kind {
        case .check(.costUSD): return true
        case .check: return false
        case .anyOf(let c), .allOf(let c): return c.contains(where: \.needsPrices)
        case .not(let c): return c.needsPrices
        }
    }
}
