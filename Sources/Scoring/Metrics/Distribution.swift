import Cassette

/// Summary statistics of a sample: count, mean, min, max and the standard percentiles.
public struct Distribution: Sendable, Equatable {
    /// The values, sorted ascending.
    public let sorted: [Double]

    /// A distribution of `values`.
    public init(_ values: [Double]) { sorted = values.filter(\.isFinite).sorted() }

    /// Number of values.
    public var count: Int { sorted.count }
    /// The arithmetic mean, nil when empty.
    public var mean: Double? { sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count) }
    /// The smallest value.
    public var min: Double? { sorted.first }
    /// The largest value.
    public var max: Double? { sorted.last }
    /// The sum.
    public var sum: Double { sorted.reduce(0, +) }
    /// The `p`-th percentile (NumPy linear).
    public func p(_ p: Double) -> Double? { Percentiles.ofSorted(sorted, p) }
    /// The `p`-th percentile (NumPy linear), as a subscript.
    public subscript(p: Double) -> Double? { Percentiles.ofSorted(sorted, p) }

    /// As JSON: count, mean, min, max and p1…p99, rounded to 3 decimals.
    public func json() -> JSON {
        func r(_ v: Double?) -> JSON { v.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
        var o = JSONObject()
        o["count"] = .int(count)
        o["mean"] = r(mean)
        o["min"] = r(min)
        o["max"] = r(max)
        for q in Percentiles.standard { o["p" + Fmt.num(q)] = r(p(q)) }
        return .object(o)
    }
}
