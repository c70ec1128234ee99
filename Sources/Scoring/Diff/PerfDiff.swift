import Cassette

/// One performance metric compared between a base and a new run.
public struct MetricComparison: Sendable, Equatable {
    /// The metric's key (`ttft_ms`, `output_tokens`…).
    public var key: String
    /// Its unit, for people.
    public var unit: String
    /// Whether a larger value is worse (latency, tokens) rather than better (speed).
    public var higherIsWorse: Bool
    /// Per-sample values in the base run (one value for totals).
    public var base: Distribution
    /// Per-sample values in the new run.
    public var new: Distribution
    /// Whether this is a single total rather than a sample distribution.
    public var isTotal: Bool
    /// Mann–Whitney U on the samples (nil for totals or empty sides).
    public var test: Significance.MannWhitney?

    /// A comparison of samples.
    public init(key: String, unit: String, higherIsWorse: Bool, base: [Double], new: [Double], isTotal: Bool = false) {
        self.key = key; self.unit = unit; self.higherIsWorse = higherIsWorse; self.isTotal = isTotal
        self.base = Distribution(base); self.new = Distribution(new)
        test = isTotal ? nil : Significance.mannWhitney(base, new)
    }

    /// The value of a statistic (`p50`, `p95`, `mean`, `max`, `min`, `total`) on each side.
    public func stat(_ s: String) -> (base: Double, new: Double)? {
        func v(_ d: Distribution) -> Double? {
            if isTotal { return d.sorted.first }
            switch s {
            case "mean": return d.mean
            case "max": return d.max
            case "min": return d.min
            case "total", "sum": return d.sum
            default:
                guard s.hasPrefix("p"), let p = Double(s.dropFirst()), p >= 0, p <= 100 else { return nil }
                return d.p(p)
            }
        }
        guard let a = v(base), let b = v(new) else { return nil }
        return (a, b)
    }

    /// Whether the sample distributions differ at level `alpha`; totals count as exact (always significant).
    public func significant(alpha: Double) -> Bool {
        if isTotal { return true }
        guard let t = test else { return false }
        return t.p < alpha
    }
}

/// Performance deltas between two cassettes.
public enum PerfDiff {
    /// The per-sample metrics and totals of two cassettes, side by side.
    public static func compare(base: CassetteView, new: CassetteView, prices: PriceTable? = nil) -> [MetricComparison] {
        let a = base.turns, b = new.turns
        func per(_ f: (Turn) -> Double?) -> ([Double], [Double]) { (a.compactMap(f), b.compactMap(f)) }
        var out: [MetricComparison] = []
        func add(_ key: String, _ unit: String, _ worse: Bool, _ s: ([Double], [Double])) {
            guard !s.0.isEmpty || !s.1.isEmpty else { return }
            out.append(MetricComparison(key: key, unit: unit, higherIsWorse: worse, base: s.0, new: s.1))
        }
        add("ttft_ms", "ms", true, per(\.ttftMs))
        add("output_speed", "tok/s", false, per(\.outputSpeed))
        add("e2e_ms", "ms", true, per { $0.durationMs })
        add("tool_gap_ms", "ms", true, per { $0.gapAfterNs.map { Double($0) / 1e6 } })
        add("isl", "tokens", true, per { Double($0.usage.input) })
        add("osl", "tokens", true, per { Double($0.usage.output) })
        add("turns_per_trajectory", "turns", true, (base.trajectories.map { Double($0.turns.count) }, new.trajectories.map { Double($0.turns.count) }))
        add("trajectory_ms", "ms", true, (base.trajectories.map(\.durationMs), new.trajectories.map(\.durationMs)))
        func total(_ key: String, _ unit: String, _ f: (CassetteView) -> Double) {
            out.append(MetricComparison(key: key, unit: unit, higherIsWorse: true, base: [f(base)], new: [f(new)], isTotal: true))
        }
        total("input_tokens", "tokens") { Double($0.turns.reduce(0) { $0 + $1.usage.input }) }
        total("output_tokens", "tokens") { Double($0.turns.reduce(0) { $0 + $1.usage.output }) }
        total("cached_tokens", "tokens") { Double($0.turns.reduce(0) { $0 + $1.usage.cached }) }
        total("reasoning_tokens", "tokens") { Double($0.turns.reduce(0) { $0 + $1.usage.reasoning }) }
        total("turns", "turns") { Double($0.turns.count) }
        total("tool_calls", "calls") { Double(Subject.run($0).toolCalls.count) }
        total("errors", "errors") { Double($0.turns.filter(\.failed).count + $0.mcpCalls.filter(\.failed).count) }
        if let prices {
            let ca = prices.cost(of: a), cb = prices.cost(of: b)
            if ca.unpriced.isEmpty && cb.unpriced.isEmpty {
                out.append(MetricComparison(key: "cost_usd", unit: "USD", higherIsWorse: true, base: [ca.usd], new: [cb.usd], isTotal: true))
            }
        }
        return out
    }
}
