import Cassette

extension Checks {
    static func outputContains(_ v: String, _ s: Subject, negate: Bool) -> Verdict {
        let out = s.output
        let has = out.contains(v)
        let exp = (negate ? "does not contain " : "contains ") + Fmt.quote(v)
        let act = out.isEmpty ? "(no output)" : Fmt.clip(out, 200)
        if negate {
            return has ? Verdict(false, "output contains \(Fmt.quote(v)) but should not", expected: exp, actual: act)
                : Verdict(true, "output does not contain \(Fmt.quote(v))", expected: exp, actual: act)
        }
        return has ? Verdict(true, "output contains \(Fmt.quote(v))", expected: exp, actual: act)
            : Verdict(false, "output does not contain \(Fmt.quote(v))", expected: exp, actual: act)
    }

    static func outputRegex(_ p: String, _ s: Subject) -> Verdict {
        let out = s.output
        let ok = matchesRegex(p, out)
        return Verdict(ok, "output \(ok ? "matches" : "does not match") /\(p)/", expected: "matches /\(p)/",
                       actual: out.isEmpty ? "(no output)" : Fmt.clip(out, 200))
    }

    static func finishReason(_ values: [String], _ s: Subject) -> Verdict {
        let turns: [(String, Turn)] = s.scope == .turn ? s.turns.map { ("", $0) }
            : s.trajectories.compactMap { t in t.turns.last.map { (s.trajectories.count > 1 ? "\(t.id) " : "", $0) } }
        let exp = values.joined(separator: " or ")
        guard !turns.isEmpty else { return Verdict(false, "no turns", expected: exp, actual: "no turns") }
        var bad: [String] = []
        for (label, t) in turns where !values.contains(t.finishReason ?? "") {
            bad.append("\(label)turn \(t.index) stopped with '\(t.finishReason ?? "none")'")
        }
        let act = turns.map { $0.1.finishReason ?? "none" }.joined(separator: ", ")
        let what = s.scope == .turn ? "turn" : "final turn"
        return bad.isEmpty ? Verdict(true, "\(what) stopped with \(act)", expected: exp, actual: act)
            : Verdict(false, bad.joined(separator: "; ") + " (expected \(exp))", expected: exp, actual: act)
    }

    static func maxTokens(_ v: Double, _ s: Subject) -> Verdict {
        let n = s.turns.reduce(0) { $0 + $1.usage.input + $1.usage.output }
        return Verdict(Double(n) <= v, "tokens used: \(n) (max: \(Fmt.num(v)))", expected: "≤ \(Fmt.num(v))", actual: String(n))
    }

    static func maxLatency(_ v: Double, _ s: Subject) -> Verdict {
        let ms = s.latencyMs
        return Verdict(ms <= v, "latency: \(Fmt.num(ms, digits: 1)) ms (max: \(Fmt.num(v)) ms)", expected: "≤ \(Fmt.num(v)) ms",
                       actual: "\(Fmt.num(ms, digits: 1)) ms")
    }

    static func tokens(_ kind: TokenKind, _ b: Bound, _ s: Subject) -> Verdict {
        let n = s.turns.reduce(0) { acc, t in
            switch kind {
            case .input: return acc + t.usage.input
            case .output: return acc + t.usage.output
            case .cached: return acc + t.usage.cached
            case .reasoning: return acc + t.usage.reasoning
            }
        }
        let counted = s.turns.contains(where: \.usageCounted) ? " (some usage counted from events)" : ""
        return Verdict(b.check(Double(n)), "\(kind.rawValue) tokens: \(n) over \(s.turns.count) turn(s)\(counted) (expected \(b))",
                       expected: b.description, actual: String(n))
    }

    static func requestParam(_ p: RequestParam, _ e: ParamExpectation, _ s: Subject) -> Verdict {
        var exp: [String] = []
        if let v = e.equals { exp.append("= \(Fmt.value(v))") }
        if let o = e.oneOf { exp.append("one of " + o.map(Fmt.value).joined(separator: ", ")) }
        if let m = e.matches { exp.append("~ /\(m)/") }
        if !e.bound.isEmpty { exp.append(e.bound.description) }
        let expected = "\(p.name) " + exp.joined(separator: " and ")
        guard !s.turns.isEmpty else { return Verdict(false, "no LLM requests", expected: expected, actual: "no requests") }
        var bad: [String] = []
        var seen: [String] = []
        for t in s.turns {
            let v = value(p, t)
            let shown = v.map(Fmt.value) ?? "(not sent)"
            if !seen.contains(shown) { seen.append(shown) }
            if let problem = check(v, e) { bad.append("turn \(t.index): \(p.name) \(problem)") }
        }
        return bad.isEmpty ? Verdict(true, "\(p.name) is \(list(seen, max: 4)) in all \(s.turns.count) request(s)", expected: expected, actual: list(seen, max: 6))
            : Verdict(false, bad.prefix(3).joined(separator: "; ") + (bad.count > 3 ? "; … (\(bad.count) requests)" : ""),
                      expected: expected, actual: list(seen, max: 6))
    }

    static func value(_ p: RequestParam, _ t: Turn) -> JSON? {
        switch p {
        case .model: return (t.request.model ?? t.model).map(JSON.string)
        case .temperature: return t.request.temperature.map(JSON.double)
        case .maxTokens: return t.request.maxTokens.map(JSON.int)
        case .toolsCount: return .int(t.request.toolNames.count)
        case .messages: return .int(t.request.messages.count)
        case .contextTokens: return .int(t.usage.input)
        case .path(let path): return t.request.body.flatMap { path.select($0).first }
        }
    }

    /// Nil when `v` meets the expectation, else what is wrong.
    static func check(_ v: JSON?, _ e: ParamExpectation) -> String? {
        // A value that was not sent counts as null when null is what the expectation allows.
        let allowsNull = e.equals?.isNull == true || e.oneOf?.contains(.null) == true
        let absent: JSON? = allowsNull ? JSON.null : Optional<JSON>.none  // (JSON is nil-literal expressible: spell .none out)
        guard let v = v ?? absent else { return "was not sent" }
        if let x = e.equals, !valueMatches(x, v) { return "is \(Fmt.value(v)), expected \(Fmt.value(x))" }
        if let o = e.oneOf, !o.contains(where: { valueMatches($0, v) }) { return "is \(Fmt.value(v)), expected one of \(o.map(Fmt.value).joined(separator: ", "))" }
        if let m = e.matches, !matchesRegex(m, Fmt.value(v)) { return "is \(Fmt.quote(Fmt.value(v))), which does not match /\(m)/" }
        if !e.bound.isEmpty {
            guard let d = v.doubleValue else { return "is \(Fmt.value(v)), not a number" }
            if !e.bound.check(d) { return "is \(Fmt.num(d)), expected \(e.bound)" }
        }
        return nil
    }
}
