/// Counts over a cassette's records, for `tapedeck cassette stats`.
public struct CassetteSummary: Sendable {
    /// Logical records (header, exchanges, messages).
    public var records = 0
    /// Exchanges.
    public var exchanges = 0
    /// Stdio messages.
    public var messages = 0
    /// Exchanges per dialect.
    public var byDialect: [String: Int] = [:]
    /// Exchanges per model.
    public var byModel: [String: Int] = [:]
    /// Exchanges per outcome.
    public var byOutcome: [String: Int] = [:]
    /// Distinct trajectory ids.
    public var trajectories: Set<String> = []
    /// Earliest start, Unix ns.
    public var firstUnixNs: Int64?
    /// Latest end, Unix ns.
    public var lastUnixNs: Int64?
    /// Sum of input and output tokens reported.
    public var inputTokens = 0
    /// Output tokens reported.
    public var outputTokens = 0

    /// An empty summary.
    public init() {}

    /// Adds one record.
    public mutating func add(_ r: Record) {
        records += 1
        switch r {
        case .exchange(let e):
            exchanges += 1
            byDialect[e.facts.dialect.rawValue, default: 0] += 1
            if let m = e.facts.model { byModel[m, default: 0] += 1 }
            byOutcome[e.outcome.rawValue, default: 0] += 1
            if let t = e.trajectory { trajectories.insert(t) }
            span(e.startUnixNs, e.startUnixNs + (e.timing.endNs ?? 0))
            inputTokens += e.facts.usage?.input ?? 0
            outputTokens += e.facts.usage?.output ?? 0
        case .message(let m):
            messages += 1
            span(m.unixNs, m.unixNs)
        default: break
        }
    }

    mutating func span(_ a: Int64, _ b: Int64) {
        firstUnixNs = min(firstUnixNs ?? a, a)
        lastUnixNs = max(lastUnixNs ?? b, b)
    }

    /// Seconds between the first start and the last end.
    public var spanSeconds: Double {
        guard let a = firstUnixNs, let b = lastUnixNs else { return 0 }
        return Double(b - a) / 1e9
    }
}
