import Cassette
import Foundation

/// A script for the `script` content mode: rules matched in order against the conversation;
/// the first match says what the model answers (text, tool calls, or both).
///
/// ```yaml
/// rules:
///   - when: {last: user, contains: weather}
///     tool_calls:
///       - name: get_weather
///         arguments: {city: Paris}
///   - when: {last: tool, tool: get_weather}
///     text: "It is {{tool_result}} in Paris."
///   - text: "Ask me about the weather."
/// ```
/// Conditions (all must hold): `last` (role of the last message: user, tool, assistant,
/// system), `contains` (case-insensitive text of the last user message), `tool` (the tool
/// whose result is the last message), `tool_results` (number of tool results so far), `turn`
/// (number of assistant messages so far), `has_tool` (the request declares this tool).
/// Placeholders in `text`: `{{tool_result}}`, `{{user}}`, `{{model}}`.
/// When no rule matches, the answer is lorem text.
public struct SimScript: Sendable, Equatable {
    /// The rules, in order.
    public var rules: [Rule]

    /// One rule.
    public struct Rule: Sendable, Equatable {
        /// Role of the last message.
        public var last: SimMessage.Role?
        /// Text the last user message contains (case-insensitive).
        public var contains: String?
        /// The tool whose result is the last message.
        public var tool: String?
        /// Exact number of tool results in the conversation.
        public var toolResults: Int?
        /// Exact number of assistant messages so far.
        public var turn: Int?
        /// A tool the request must declare.
        public var hasTool: String?
        /// The answer text (may be empty when there are tool calls).
        public var text: String
        /// Tool calls to make: name and arguments as JSON text.
        public var toolCalls: [(name: String, arguments: String)]

        public static func == (a: Rule, b: Rule) -> Bool {
            a.last == b.last && a.contains == b.contains && a.tool == b.tool && a.toolResults == b.toolResults
                && a.turn == b.turn && a.hasTool == b.hasTool && a.text == b.text
                && a.toolCalls.map(\.name) == b.toolCalls.map(\.name) && a.toolCalls.map(\.arguments) == b.toolCalls.map(\.arguments)
        }

        /// Whether the rule applies to `c`.
        public func matches(_ c: SimConversation) -> Bool {
            if let last, c.lastRole != last { return false }
            if let contains, !c.lastUserText.lowercased().contains(contains.lowercased()) { return false }
            if let tool {
                guard let m = c.messages.last, m.role == .tool, m.toolName == tool else { return false }
            }
            if let toolResults, c.toolResultCount != toolResults { return false }
            if let turn, c.assistantTurns != turn { return false }
            if let hasTool, !c.toolNames.contains(hasTool) { return false }
            return true
        }
    }

    /// A script from rules.
    public init(rules: [Rule]) { self.rules = rules }

    /// The first rule that matches, if any.
    public func match(_ c: SimConversation) -> Rule? { rules.first { $0.matches(c) } }

    /// Reads a script file.
    public static func load(path: String) throws -> SimScript {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SimConfigError("cannot read simulator script '\(path)'")
        }
        return try parse(json: try SimYAML.parse(text, source: path), source: path)
    }

    /// Parses a script from YAML text.
    public static func parse(yaml: String, source: String = "script") throws -> SimScript {
        try parse(json: try SimYAML.parse(yaml, source: source), source: source)
    }

    /// Parses a script from its YAML document read as JSON.
    public static func parse(json: JSON, source: String) throws -> SimScript {
        var top = try SimConfigReader(json, path: "", source: source)
        _ = try top.string("name", "")
        _ = try top.string("description", "")
        guard let list = top.raw("rules")?.arrayValue, !list.isEmpty else {
            throw SimConfigError("\(source): a script needs a non-empty 'rules' list")
        }
        try top.finish()
        var rules: [Rule] = []
        for (i, item) in list.enumerated() {
            var r = try SimConfigReader(item, path: "rules[\(i)]", source: source)
            var w = try r.child("when")
            var rule = Rule(text: "", toolCalls: [])
            let last = try w.string("last", "")
            if !last.isEmpty {
                guard let role = SimMessage.Role(rawValue: last) else { throw w.error("last", "must be user, tool, assistant or system") }
                rule.last = role
            }
            let contains = try w.string("contains", ""); rule.contains = contains.isEmpty ? nil : contains
            let tool = try w.string("tool", ""); rule.tool = tool.isEmpty ? nil : tool
            let hasTool = try w.string("has_tool", ""); rule.hasTool = hasTool.isEmpty ? nil : hasTool
            let tr = try w.int("tool_results", -1); rule.toolResults = tr >= 0 ? tr : nil
            let turn = try w.int("turn", -1); rule.turn = turn >= 0 ? turn : nil
            try w.finish()
            rule.text = try r.string("text", "")
            if let calls = r.raw("tool_calls") {
                guard let arr = calls.arrayValue else { throw r.error("tool_calls", "must be a list") }
                for (k, c) in arr.enumerated() {
                    var cr = try SimConfigReader(c, path: "rules[\(i)].tool_calls[\(k)]", source: source)
                    let name = try cr.string("name", "")
                    guard !name.isEmpty else { throw cr.error("name", "is required") }
                    let args: String
                    switch cr.raw("arguments") {
                    case nil: args = "{}"
                    case .string(let s)?: args = s
                    case let v?: args = v.text()
                    }
                    try cr.finish()
                    rule.toolCalls.append((name, args))
                }
            }
            try r.finish()
            if rule.text.isEmpty && rule.toolCalls.isEmpty { throw SimConfigError("\(source): rules[\(i)] needs 'text' or 'tool_calls'") }
            rules.append(rule)
        }
        return SimScript(rules: rules)
    }
}
