/// Summary statistics of one metric: count, mean, extremes and the standard percentiles.
public struct Distribution: Sendable, Equatable {
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

    /// The distribution of `values`; `nil` when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        count = s.count
        mean = s.reduce(0, +) / Double(s.count)
        min = s[0]
        max = s[s.count - 1]
        var p: [Double: Double] = [:]
        for q in Percentiles.standard { p[q] = Percentiles.ofSorted(s, q) }
        percentiles = p
    }

    /// The `p`-th percentile if it is one of the standard ones.
    public subscript(p: Double) -> Double? { percentiles[p] }
}
