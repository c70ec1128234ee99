/// The AgentPerf search: an exponential ramp, then a binary search per tier, over phases
/// that are measured once and shared by every tier.
///
/// A pure state machine: ``next()`` says which agent count to measure, ``record(agents:passes:)``
/// takes the verdicts of that phase (one per tier). A tier's bounds are the smallest failing
/// count `hi` and the largest passing count below it `lo`; the search for a tier ends when
/// `hi − lo` is at most one step: `max(1, ⌊lo × resolution⌋)` agents.
public struct SweepSearch: Sendable {
    /// How the search moves.
    public struct Config: Sendable, Equatable {
        /// The first agent count.
        public var start: Int
        /// The ramp's growth factor.
        public var factor: Int
        /// The most agents ever tried.
        public var maxAgents: Int
        /// The bisection stops within this fraction of the answer (or one agent).
        public var resolution: Double
        /// A configuration; defaults start at 1 agent, double, and stop within 5%.
        public init(start: Int = 1, factor: Int = 2, maxAgents: Int = 4096, resolution: Double = 0.05) {
            self.start = max(1, start); self.factor = max(2, factor); self.maxAgents = max(self.start, maxAgents)
            self.resolution = max(0, resolution)
        }
    }

    /// The answer for one tier.
    public struct Answer: Sendable, Equatable {
        /// The most agents that passed (0 when even the first count failed).
        public var agents: Int
        /// The smallest count that failed, if any (the true limit is below it).
        public var failedAt: Int?
        /// True when the ramp reached ``Config/maxAgents`` and it still passed.
        public var capped: Bool
        /// True when a count above `failedAt` passed: the server is not monotone there (noise).
        public var nonMonotone: Bool
    }

    /// The configuration.
    public let config: Config
    /// The number of tiers.
    public let tierCount: Int
    /// Verdicts by agent count: one pass flag per tier.
    public private(set) var measured: [Int: [Bool]] = [:]
    /// Agent counts in the order they were measured.
    public private(set) var history: [Int] = []

    /// A search over `tiers` tiers.
    public init(tiers: Int, config: Config = Config()) {
        self.tierCount = tiers
        self.config = config
    }

    /// The ramp's counts: start, start×factor, …, capped by the maximum (which is included).
    public var rampPoints: [Int] {
        var out: [Int] = []
        var n = config.start
        while n < config.maxAgents { out.append(n); n *= config.factor }
        out.append(config.maxAgents)
        return out
    }

    /// The next agent count to measure, or `nil` when every tier is settled.
    public func next() -> Int? {
        // Ramp while some tier has not failed yet.
        if (0..<tierCount).contains(where: { failMin($0) == nil }), let n = rampPoints.first(where: { measured[$0] == nil }) {
            return n
        }
        for t in 0..<tierCount {
            let (lo, hi) = bounds(t)
            guard let hi else { continue }
            if hi - lo > step(lo) { return (lo + hi) / 2 }
        }
        return nil
    }

    /// Takes a phase's verdicts (one per tier, in tier order).
    public mutating func record(agents: Int, passes: [Bool]) {
        precondition(passes.count == tierCount, "one verdict per tier")  // A programming error, not an input error.
        measured[agents] = passes
        history.append(agents)
    }

    /// The answer for tier `t` with what has been measured so far.
    public func answer(_ t: Int) -> Answer {
        let (lo, hi) = bounds(t)
        let above = hi.map { h in measured.contains { $0.key > h && $0.value[t] } } ?? false
        return Answer(agents: lo, failedAt: hi, capped: hi == nil && lo == config.maxAgents, nonMonotone: above)
    }

    /// The step within which a bound at `lo` is settled.
    public func step(_ lo: Int) -> Int { max(1, Int((Double(lo) * config.resolution).rounded(.down))) }

    func failMin(_ t: Int) -> Int? { measured.filter { !$0.value[t] }.keys.min() }

    func bounds(_ t: Int) -> (lo: Int, hi: Int?) {
        let hi = failMin(t)
        let lo = measured.filter { $0.value[t] && (hi == nil || $0.key < hi!) }.keys.max() ?? 0  // hi checked non-nil first.
        return (lo, hi)
    }
}
