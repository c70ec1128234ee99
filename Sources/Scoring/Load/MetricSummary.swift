/// A compact summary of one metric over a phase: count, mean, extremes and the standard
/// percentiles, without the samples (a sweep keeps one per metric per phase).
public struct MetricSummary: Sendable, Equatable {
    /// How many values.
    public var count: Int
    /// Arithmetic mean.
    public var mean: Double
    /// Smallest value.
    public var min: Double
    /// Largest value.
    public var max: Double
    /// Percentile → value, for ``Percentiles/standard`` (p1…p99), NumPy-linear.
    public var percentiles: [Double: Double]

    /// The summary of values sorted ascending; `nil` when there are none.
    public init?(sorted s: [Double]) {
        guard let first = s.first, let last = s.last else { return nil }
        count = s.count
        mean = s.reduce(0, +) / Double(s.count)
        min = first
        max = last
        var p: [Double: Double] = [:]
        for q in Percentiles.standard { p[q] = Percentiles.ofSorted(s, q) }
        percentiles = p
    }

    /// The `p`-th percentile if it is one of the standard ones.
    public subscript(p: Double) -> Double? { percentiles[p] }
}
