import Cassette

extension Checks {
    static func pname(_ p: Double) -> String { "p" + Fmt.num(p) }

    static func ttft(_ p: Double, _ b: Bound, _ s: Subject) -> Verdict {
        let samples = s.turns.compactMap(\.ttftMs)
        guard let v = Percentiles.of(samples, p) else {
            return Verdict(false, "no turn has a first token to time (\(s.turns.count) turn(s))", expected: "\(pname(p)) TTFT \(b) ms", actual: "no samples")
        }
        return Verdict(b.check(v), "\(pname(p)) TTFT \(Fmt.num(v, digits: 1)) ms over \(samples.count) turn(s) (expected \(b) ms)",
                       expected: "\(pname(p)) TTFT \(b) ms", actual: "\(Fmt.num(v, digits: 1)) ms")
    }

    static func speed(_ p: Double, _ b: Bound, _ s: Subject) -> Verdict {
        let samples = s.turns.compactMap(\.outputSpeed)
        guard let v = Percentiles.of(samples, p) else {
            return Verdict(false, "no turn streamed two or more tokens to time (\(s.turns.count) turn(s))",
                           expected: "\(pname(p)) output speed \(b) tok/s", actual: "no samples")
        }
        return Verdict(b.check(v), "\(pname(p)) output speed \(Fmt.num(v, digits: 1)) tok/s over \(samples.count) turn(s) (expected \(b))",
                       expected: "\(pname(p)) output speed \(b) tok/s", actual: "\(Fmt.num(v, digits: 1)) tok/s")
    }

    static func toolGap(_ tool: String?, _ p: Double?, _ b: Bound, _ s: Subject) -> Verdict {
        let gaps = s.turns.filter { t in tool == nil || t.toolCalls.contains { $0.name == tool } }.compactMap(\.gapAfterNs).map { Double($0) / 1e6 }
        let what = tool.map { "tool gap after '\($0)'" } ?? "tool gap"
        guard !gaps.isEmpty else {
            return Verdict(false, "no \(what) to measure (\(s.turns.count) turn(s))", expected: "\(what) \(b) ms", actual: "no gaps")
        }
        if let p, let v = Percentiles.of(gaps, p) {
            return Verdict(b.check(v), "\(pname(p)) \(what) \(Fmt.num(v, digits: 1)) ms over \(gaps.count) gap(s) (expected \(b) ms)",
                           expected: "\(pname(p)) \(what) \(b) ms", actual: "\(Fmt.num(v, digits: 1)) ms")
        }
        let bad = gaps.filter { !b.check($0) }
        let lo = gaps.min() ?? 0, hi = gaps.max() ?? 0
        let range = "\(Fmt.num(lo, digits: 1))…\(Fmt.num(hi, digits: 1)) ms"
        return bad.isEmpty ? Verdict(true, "all \(gaps.count) \(what)s within \(b) ms (\(range))", expected: "every \(what) \(b) ms", actual: range)
            : Verdict(false, "\(bad.count) of \(gaps.count) \(what)s outside \(b) ms (\(range))", expected: "every \(what) \(b) ms", actual: range)
    }

    static func cost(_ b: Bound, _ s: Subject, _ prices: PriceTable?) -> Verdict {
        guard let prices else {
            return Verdict(false, "no price table: set 'prices:' in the suite or keep configs/prices.yaml", expected: "cost \(b) USD", actual: "unknown")
        }
        let c = prices.cost(of: s.turns)
        guard c.unpriced.isEmpty else {
            return Verdict(false, "no price for model(s) \(list(c.unpriced)) in \(prices.source); add them", expected: "cost \(b) USD", actual: "unknown")
        }
        return Verdict(b.check(c.usd), "cost $\(Fmt.fixed(c.usd, 6)) over \(s.turns.count) turn(s) (expected \(b) USD)",
                       expected: "cost \(b) USD", actual: "$" + Fmt.fixed(c.usd, 6))
    }
}
