import Cassette

extension Checks {
    static func toolCalled(_ tool: String, _ s: Subject) -> Verdict {
        let names = s.toolCalls.map(\.name)
        let n = names.filter { $0 == tool }.count
        return n > 0 ? Verdict(true, "tool '\(tool)' was called \(n == 1 ? "once" : "\(n) times")", expected: "'\(tool)' called", actual: list(names))
            : Verdict(false, "tool '\(tool)' was NOT called; called: \(list(names))", expected: "'\(tool)' called", actual: list(names))
    }

    static func toolNotCalled(_ tool: String, _ s: Subject) -> Verdict {
        let calls = s.toolCalls.filter { $0.name == tool }
        guard !calls.isEmpty else { return Verdict(true, "tool '\(tool)' was not called", expected: "'\(tool)' not called", actual: "not called") }
        let turns = calls.map(\.place).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return Verdict(false, "tool '\(tool)' was called \(calls.count) time(s) but should not have been (\(list(turns)))",
                       expected: "'\(tool)' not called", actual: "called \(calls.count) time(s)")
    }

    static func toolCallCount(_ tool: String?, _ b: Bound, _ s: Subject) -> Verdict {
        let n = s.toolCalls.filter { tool == nil || $0.name == tool }.count
        let what = tool.map { "tool '\($0)'" } ?? "tools"
        return Verdict(b.check(Double(n)), "\(what) called \(n) time(s) (expected \(b))", expected: b.description, actual: String(n))
    }

    /// Looks a dot path (`config.retry.max_attempts`, `items.0`) up in a JSON value.
    public static func lookup(_ path: String, in value: JSON) -> JSON? {
        var cur = value
        for key in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            if let v = cur[key] { cur = v } else if let i = Int(key), let v = cur[i] { cur = v } else { return nil }
        }
        return cur
    }

    /// Typed comparison: equal JSON values (30 equals 30.0), lists and mappings member-wise; a
    /// quoted string also matches a number or boolean with the same text, as agent-benchmark compares.
    public static func valueMatches(_ expected: JSON, _ actual: JSON) -> Bool {
        if expected == actual { return true }
        switch (expected, actual) {
        case (.string(let s), .number(let n)): return s == n.text || Double(s).map { $0 == n.double } == true
        case (.string(let s), .bool(let b)): return s == String(b)
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy(valueMatches)
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { k, v in b[k].map { valueMatches(v, $0) } ?? false }
        default: return false
        }
    }

    static func matchesRegex(_ pattern: String, _ text: String) -> Bool {
        guard let re = try? Regex(pattern) else { return false }
        return (try? re.firstMatch(in: text)) != nil
    }

    static func toolParams(_ tool: String, _ params: [ParamCheck], regex: Bool, _ s: Subject) -> Verdict {
        let calls = s.toolCalls.filter { $0.name == tool }
        let expected = "'\(tool)' with " + params.map { "\($0.path)\(regex ? " ~ " : " = ")\(Fmt.value($0.value))" }.joined(separator: ", ")
        guard !calls.isEmpty else {
            return Verdict(false, "tool '\(tool)' was not called", expected: expected, actual: "not called; called: \(list(s.toolCalls.map(\.name)))")
        }
        var best: (mismatches: [String], args: String)?
        func consider(_ m: [String], _ a: String) { if best.map({ m.count < $0.mismatches.count }) ?? true { best = (m, a) } }
        for c in calls {
            var mismatches: [String] = []
            guard let args = c.arguments else {
                mismatches.append("arguments are not JSON: \(Fmt.quote(c.argumentsText))")
                consider(mismatches, c.argumentsText)
                continue
            }
            for p in params {
                guard let actual = lookup(p.path, in: args) else { mismatches.append("missing param '\(p.path)'"); continue }
                if regex {
                    let text = actual.stringValue ?? actual.text()
                    if !matchesRegex(p.value.stringValue ?? "", text) {
                        mismatches.append("param '\(p.path)': \(Fmt.quote(text)) does not match /\(p.value.stringValue ?? "")/")
                    }
                } else if !valueMatches(p.value, actual) {
                    mismatches.append("param '\(p.path)': expected \(p.value.text()), got \(actual.text())")
                }
            }
            if mismatches.isEmpty {
                return Verdict(true, "tool '\(tool)' called with \(regex ? "parameters matching" : "the expected parameters")",
                               expected: expected, actual: Fmt.clip(args.text(), 200))
            }
            consider(mismatches, args.text())
        }
        let b = best ?? ([], "")
        return Verdict(false, "no call of '\(tool)' (\(calls.count) made) matched: " + b.mismatches.joined(separator: "; "),
                       expected: expected, actual: Fmt.clip(b.args, 200))
    }

    static func toolResult(_ tool: String, _ path: JSONPath, _ value: JSON?, _ s: Subject) -> Verdict {
        let calls = s.toolCalls.filter { $0.name == tool }
        let expected = value.map { "\(path) = \($0.text())" } ?? "\(path) present"
        guard !calls.isEmpty else { return Verdict(false, "tool '\(tool)' was not called", expected: expected, actual: "not called") }
        var problems: [String] = []
        var lastSeen: String?
        for c in calls {
            let candidates = [c.mcp?.toolResult, c.result].compactMap { $0 }
            if candidates.isEmpty { problems.append("no result recorded"); continue }
            for r in candidates {
                guard let json = r.json else { problems.append("result is not JSON: \(Fmt.quote(r.text, 60))"); continue }
                let found = path.select(json)
                lastSeen = found.isEmpty ? "nothing at \(path)" : (found.count == 1 ? found[0].text() : JSON.array(found).text())
                if found.isEmpty { problems.append("nothing at \(path)"); continue }
                guard let value else {
                    return Verdict(true, "tool '\(tool)' result has \(path)", expected: expected, actual: Fmt.clip(lastSeen ?? "", 200))
                }
                if found.contains(where: { valueMatches(value, $0) }) || valueMatches(value, .array(found)) {
                    return Verdict(true, "tool '\(tool)' result matches \(path) = \(value.text())", expected: expected, actual: Fmt.clip(lastSeen ?? "", 200))
                }
                problems.append("\(path) is \(Fmt.clip(lastSeen ?? "", 60))")
            }
        }
        let uniq = problems.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return Verdict(false, "no result of '\(tool)' (\(calls.count) call(s)) matched \(expected): \(uniq.joined(separator: "; "))",
                       expected: expected, actual: Fmt.clip(lastSeen ?? uniq.first ?? "", 200))
    }

    static func noHallucinated(_ s: Subject) -> Verdict {
        var bad: [String] = []
        for t in s.turns {
            let offered = Set(t.request.toolNames)
            for c in t.toolCalls where !offered.contains(c.name) {
                bad.append("'\(c.name)' in \(c.place) (offered: \(list(t.request.toolNames, max: 8)))")
            }
        }
        return bad.isEmpty ? Verdict(true, "every tool called was offered", expected: "only offered tools", actual: "none hallucinated")
            : Verdict(false, "hallucinated tool " + bad.joined(separator: "; "), expected: "only offered tools", actual: bad.joined(separator: "; "))
    }

    static func noErrors(_ s: Subject) -> Verdict {
        var errors: [String] = []
        for t in s.turns where t.failed {
            let what = t.status.map { $0 >= 400 ? "HTTP \($0)" : t.outcome.rawValue } ?? "no response"
            errors.append("turn \(t.index) (\(t.exchangeId)): \(what)" + (t.error.map { ": \(Fmt.clip($0, 80))" } ?? ""))
        }
        for c in s.mcpCalls where c.failed {
            let msg = c.error?["message"]?.stringValue ?? c.toolResult.map { Fmt.clip($0.text, 80) } ?? "error"
            errors.append("MCP \(c.method ?? "?")\(c.tool.map { " '\($0)'" } ?? ""): \(msg)")
        }
        for t in s.turns {
            for u in t.toolCalls where u.mcp == nil && u.result?.isError == true {
                errors.append("tool '\(u.name)' returned an error: \(Fmt.clip(u.result?.text ?? "", 80))")
            }
        }
        return errors.isEmpty ? Verdict(true, "no errors", expected: "no errors", actual: "0 errors")
            : Verdict(false, "\(errors.count) error(s): " + errors.prefix(5).joined(separator: "; "),
                      expected: "no errors", actual: "\(errors.count): " + errors.prefix(5).joined(separator: "; "))
    }
}
