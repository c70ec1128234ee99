/// A per-request latency or speed metric that has a distribution.
public enum LoadMetric: String, Sendable, CaseIterable, Comparable {
    /// Time to first token, seconds.
    case ttft
    /// Time to first output (non-reasoning) token, seconds.
    case ttfo
    /// End to end (last token − sent), seconds.
    case e2e
    /// Scheduled end to end (last token − scheduled send), seconds.
    case scheduledE2E = "scheduled_e2e"
    /// Output speed after the first token, tokens/s.
    case speed
    /// Time per output token, seconds.
    case tpot
    /// Inter-token latency: every gap between token events, seconds.
    case itl
    /// How late requests left against their schedule, seconds.
    case dispatchLag = "dispatch_lag"

    /// The unit values are kept in.
    public var unit: String { self == .speed ? "tok/s" : "s" }

    /// Whether larger is better (only speed).
    public var higherIsBetter: Bool { self == .speed }

    public static func < (a: LoadMetric, b: LoadMetric) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!  // Both are cases of the enum.
    }
}
