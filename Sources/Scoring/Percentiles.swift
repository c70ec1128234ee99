/// Percentiles with linear interpolation between closest ranks: NumPy's default method, so
/// figures compare directly with vLLM's `bench serve`, AIPerf and AA-AgentPerf.
public enum Percentiles {
    /// The `p`-th percentile (0…100) of `values`; `nil` for no values or a `p` outside 0…100.
    public static func of(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty, p >= 0, p <= 100, !p.isNaN else { return nil }
        return ofSorted(values.sorted(), p)
    }

    /// The `p`-th percentile of values already sorted ascending.
    public static func ofSorted(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty, p >= 0, p <= 100 else { return nil }
        let rank = p / 100 * Double(sorted.count - 1)
        let lo = Int(rank.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        let frac = rank - Double(lo)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * frac
    }

    /// Several percentiles at once (one sort).
    public static func many(_ values: [Double], _ ps: [Double]) -> [Double: Double] {
        let s = values.sorted()
        var out: [Double: Double] = [:]
        for p in ps { if let v = ofSorted(s, p) { out[p] = v } }
        return out
    }

    /// The percentiles reported everywhere: p1, p5, p10, p25, p50, p75, p90, p95, p99.
    public static let standard: [Double] = [1, 5, 10, 25, 50, 75, 90, 95, 99]
}
