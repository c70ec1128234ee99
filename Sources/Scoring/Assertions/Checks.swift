import Cassette

/// The leaf checks: each reads a subject and returns a verdict.
public enum Checks {
    /// Evaluates one check on a subject.
    public static func evaluate(_ check: Check, on s: Subject, context: EvaluationContext) -> Verdict {
        switch check {
        case .toolCalled(let tool): return toolCalled(tool, s)
        case .toolNotCalled(let tool): return toolNotCalled(tool, s)
        case .toolCallCount(let tool, let bound): return toolCallCount(tool, bound, s)
        case .toolCallOrder(let seq, let mode): return order(seq, mode, s.toolCalls.map(\.name), what: "tools")
        case .toolParamEquals(let tool, let params): return toolParams(tool, params, regex: false, s)
        case .toolParamMatchesRegex(let tool, let params): return toolParams(tool, params, regex: true, s)
        case .toolResultMatchesJSON(let tool, let path, let value): return toolResult(tool, path, value, s)
        case .outputContains(let v): return outputContains(v, s, negate: false)
        case .outputNotContains(let v): return outputContains(v, s, negate: true)
        case .outputRegex(let p): return outputRegex(p, s)
        case .maxTokens(let v): return maxTokens(v, s)
        case .maxLatencyMs(let v): return maxLatency(v, s)
        case .noErrorMessages: return noErrors(s)
        case .noHallucinatedTools: return noHallucinated(s)
        case .ttftMs(let p, let b): return ttft(p, b, s)
        case .outputSpeed(let p, let b): return speed(p, b, s)
        case .tokens(let kind, let b): return tokens(kind, b, s)
        case .costUSD(let b): return cost(b, s, context.prices)
        case .finishReason(let values): return finishReason(values, s)
        case .requestParam(let p, let e): return requestParam(p, e, s)
        case .systemPromptUnchanged(let b): return systemPrompt(baseline(b, context), s)
        case .toolsUnchanged(let b): return tools(baseline(b, context), s)
        case .mcpMethodSequence(let seq, let mode, let inc):
            let methods = s.mcpCalls.filter { inc || !$0.isNotification }.compactMap(\.method)
            return order(seq, mode, methods, what: "MCP methods")
        case .turns(let b): return turns(b, s)
        case .toolGapMs(let tool, let p, let b): return toolGap(tool, p, b, s)
        }
    }

    static func baseline(_ path: String?, _ c: EvaluationContext) -> (String, CassetteView?)? {
        guard let p = path ?? c.defaultBaseline else { return nil }
        return (p, c.baselines[p])
    }

    /// Names in order, or `none`.
    static func list(_ names: [String], max: Int = 12) -> String {
        guard !names.isEmpty else { return "none" }
        let shown = names.prefix(max).joined(separator: ", ")
        return names.count > max ? shown + ", … (\(names.count) in all)" : shown
    }

    /// Whether a sequence appears in `actual` under `mode`, and how many of its items matched.
    public static func sequenceMatch(_ seq: [String], _ actual: [String], _ mode: OrderMode) -> (ok: Bool, matched: Int) {
        switch mode {
        case .subsequence:
            var k = 0
            for a in actual where k < seq.count && a == seq[k] { k += 1 }
            return (k == seq.count, k)
        case .inOrder:
            let names = Set(seq)
            let filtered = actual.filter(names.contains)
            return (filtered == seq, zip(filtered, seq).prefix { $0 == $1 }.count)
        case .exact:
            return (actual == seq, zip(actual, seq).prefix { $0 == $1 }.count)
        }
    }

    static func order(_ seq: [String], _ mode: OrderMode, _ actual: [String], what: String) -> Verdict {
        let (ok, k) = sequenceMatch(seq, actual, mode)
        let exp = seq.joined(separator: " → ") + " (\(mode.rawValue))"
        let act = actual.isEmpty ? "none" : actual.joined(separator: " → ")
        return ok ? Verdict(true, "\(what) called in order: \(seq.joined(separator: " → "))", expected: exp, actual: act)
            : Verdict(false, "\(what) order mismatch: expected \(exp), matched \(k) of \(seq.count); called: \(list(actual))",
                      expected: exp, actual: act)
    }

    static func turns(_ b: Bound, _ s: Subject) -> Verdict {
        let n = s.turns.count
        return Verdict(b.check(Double(n)), "\(n) LLM turns (expected \(b))", expected: b.description, actual: String(n))
    }
}
