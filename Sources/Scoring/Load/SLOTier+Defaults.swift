extension SLOTier {
    /// A named set of tiers.
    public struct Set: Sendable {
        /// The set's name (`--tier-set`).
        public var name: String
        /// Where the thresholds come from.
        public var source: String
        /// The tiers, loosest first.
        public var tiers: [SLOTier]
    }

    /// The tier sets built in. The first is the default.
    ///
    /// Source: the AA-AgentPerf methodology's SLO table (Artificial Analysis), which derives
    /// tiers from serverless API benchmarking of each model: P25 output speed and P95 TTFT.
    public static let builtInSets: [Set] = [
        Set(name: "aa-deepseek-v4-pro", source: "AA-AgentPerf SLO tiers for DeepSeek V4 Pro (max)", tiers: [
            tier("slo1", speed: 20, ttft: 10), tier("slo2", speed: 60, ttft: 5), tier("slo3", speed: 180, ttft: 3),
        ]),
        Set(name: "aa-gpt-oss-120b", source: "AA-AgentPerf SLO tiers for gpt-oss-120b (high)", tiers: [
            tier("slo1", speed: 100, ttft: 5), tier("slo2", speed: 250, ttft: 3), tier("slo3", speed: 500, ttft: 2),
            tier("slo4", speed: 2000, ttft: 1),
        ]),
    ]

    /// The default tier set.
    public static var defaultSet: Set { builtInSets[0] }

    /// The built-in set with this name.
    public static func builtInSet(named name: String) -> Set? { builtInSets.first { $0.name == name } }

    static func tier(_ name: String, speed: Double, ttft: Double) -> SLOTier {
        SLOTier(name: name, conditions: [
            SLOCondition(.percentile(.speed, 25), .ge, speed),
            SLOCondition(.percentile(.ttft, 95), .le, ttft),
        ])
    }
}
