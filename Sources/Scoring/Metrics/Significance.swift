import Cassette

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Significance tests that keep noise from being called a regression.
public enum Significance {
    /// A Mann–Whitney U test result.
    public struct MannWhitney: Sendable, Equatable {
        /// U for the first sample.
        public var u: Double
        /// Two-sided p-value.
        public var p: Double
        /// Whether the p-value is exact (small samples without ties) or from the normal approximation.
        public var exact: Bool
    }

    /// The two-sided Mann–Whitney U test of `a` against `b`; nil when either sample is empty.
    ///
    /// Exact (by the recurrence over U's null distribution) when both samples have at most 20
    /// values and there are no ties; otherwise the normal approximation with tie correction and
    /// continuity correction, as SciPy's `mannwhitneyu(method="asymptotic")` computes it.
    public static func mannWhitney(_ a: [Double], _ b: [Double]) -> MannWhitney? {
        let n1 = a.count, n2 = b.count
        guard n1 > 0, n2 > 0 else { return nil }
        let all = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var ranks = [Double](repeating: 0, count: all.count)
        var tieTerm = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
            let r = Double(i + j) / 2 + 1
            for k in i...j { ranks[k] = r }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        var r1 = 0.0
        for (k, item) in all.enumerated() where item.1 == 0 { r1 += ranks[k] }
        let u1 = r1 - Double(n1 * (n1 + 1)) / 2
        let u2 = Double(n1 * n2) - u1
        if tieTerm == 0, n1 <= 20, n2 <= 20 {
            let dist = exactDistribution(n1, n2)
            let total = dist.reduce(0, +)
            let uMin = Int(min(u1, u2).rounded())
            let tail = dist[0...uMin].reduce(0, +) / total
            return MannWhitney(u: u1, p: min(1, 2 * tail), exact: true)
        }
        let n = Double(n1 + n2)
        let mu = Double(n1 * n2) / 2
        let sigma2 = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard sigma2 > 0 else { return MannWhitney(u: u1, p: 1, exact: false) }
        let z = (abs(u1 - mu) - 0.5) / sigma2.squareRoot()
        let p = min(1, max(0, erfc(max(z, 0) / 2.0.squareRoot())))
        return MannWhitney(u: u1, p: p, exact: false)
    }

    /// Counts of each U value (0…n1·n2) under the null hypothesis, for samples without ties.
    static func exactDistribution(_ n1: Int, _ n2: Int) -> [Double] {
        // f(m, n, u) = f(m−1, n, u−n) + f(m, n−1, u): the largest value is either from the first
        // sample (beating all n of the second) or from the second (beating none).
        let maxU = n1 * n2
        var table = [[Double]](repeating: [Double](repeating: 0, count: maxU + 1), count: n2 + 1)
        for n in 0...n2 { table[n][0] = 1 }
        guard n1 > 0 else { return table[n2] }
        for _ in 1...n1 {
            var next = [[Double]](repeating: [Double](repeating: 0, count: maxU + 1), count: n2 + 1)
            next[0][0] = 1
            if n2 > 0 {
                for n in 1...n2 {
                    for u in 0...maxU { next[n][u] = next[n - 1][u] + (u >= n ? table[n][u - n] : 0) }
                }
            }
            table = next
        }
        return table[n2]
    }

    /// A percentile-bootstrap confidence interval for the relative change of a statistic from `a` to `b`.
    ///
    /// Resamples both sides `resamples` times with a seeded generator (deterministic for a seed) and
    /// returns the `level` interval of (stat(b*) − stat(a*)) / stat(a*); nil when either side is
    /// empty or the base statistic is zero.
    public static func bootstrapRelativeCI(_ a: [Double], _ b: [Double], statistic: ([Double]) -> Double?,
                                           resamples: Int = 2000, level: Double = 0.95, seed: UInt64 = 0x7A9E_DEC4) -> (low: Double, high: Double)? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        var rng = SplitMix64(seed: seed)
        var deltas: [Double] = []
        deltas.reserveCapacity(resamples)
        var sa = [Double](repeating: 0, count: a.count), sb = [Double](repeating: 0, count: b.count)
        for _ in 0..<resamples {
            for i in sa.indices { sa[i] = a[Int(rng.next() % UInt64(a.count))] }
            for i in sb.indices { sb[i] = b[Int(rng.next() % UInt64(b.count))] }
            guard let x = statistic(sa), let y = statistic(sb), x != 0 else { continue }
            deltas.append((y - x) / abs(x))
        }
        guard deltas.count >= resamples / 2 else { return nil }
        let tail = (1 - level) / 2 * 100
        guard let lo = Percentiles.of(deltas, tail), let hi = Percentiles.of(deltas, 100 - tail) else { return nil }
        return (lo, hi)
    }
}
