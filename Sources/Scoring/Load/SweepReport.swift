import Cassette

/// The result of a sweep: the tiers, every phase, and the most agents per tier.
public struct SweepReport: Sendable {
    /// The run descriptor: when, what, where, with which options (free-form, written as given).
    public var manifest: JSONObject
    /// The tiers, in order.
    public var tiers: [SLOTier]
    /// Where the tiers came from (a built-in set's source, or "command line").
    public var tierSource: String
    /// Every phase, in the order measured.
    public var phases: [PhaseReport]
    /// One answer per tier.
    public var answers: [TierAnswer]
    /// Accelerators serving the target, for per-accelerator figures.
    public var accelerators: Int?
    /// Power draw in kW, for per-kW figures.
    public var powerKW: Double?

    /// A report.
    public init(manifest: JSONObject, tiers: [SLOTier], tierSource: String, phases: [PhaseReport], answers: [TierAnswer],
                accelerators: Int?, powerKW: Double?) {
        self.manifest = manifest; self.tiers = tiers; self.tierSource = tierSource; self.phases = phases
        self.answers = answers; self.accelerators = accelerators; self.powerKW = powerKW
    }

    /// The phase that measured `agents`, if any.
    public func phase(agents: Int) -> PhaseReport? { phases.last { $0.agents == agents } }

    /// Phases sorted by agents.
    public var byAgents: [PhaseReport] { phases.sorted { $0.agents < $1.agents } }

    /// The sweep as JSON (schema in docs/load-and-sweep.md).
    public func toJSON() -> JSON {
        var o = JSONObject()
        o["kind"] = "tapedeck.sweep"
        o["schema_version"] = 1
        o["manifest"] = .object(manifest)
        o["tier_source"] = .string(tierSource)
        o["tiers"] = .array(tiers.map { t in
            .obj([("name", .string(t.name)), ("spec", .string(t.description)),
                  ("conditions", .array(t.conditions.map { c in
                      .obj([("metric", .string(c.subjectName)), ("op", .string(c.op.rawValue)), ("threshold", .double(c.threshold))])
                  }))])
        })
        o["results"] = .array(answers.map { a in
            let p = a.agents > 0 ? phase(agents: a.agents) : nil
            var r = JSONObject()
            r["tier"] = .string(a.tier)
            r["max_agents"] = .int(a.agents)
            r["failed_at"] = a.failedAt.map { .int($0) } ?? .null
            r["capped"] = .bool(a.capped)
            r["non_monotone"] = .bool(a.nonMonotone)
            r["phase"] = p.map { .int($0.phase) } ?? .null
            r["valid"] = p.map { .bool($0.valid) } ?? .null
            r["throughput_tok_s"] = p.map { PhaseReport.num($0.metrics.throughput, 2) } ?? .null
            r["speed_p25_tok_s"] = p.flatMap { $0.metrics.summaries[.speed]?[25] }.map { PhaseReport.num($0, 3) } ?? .null
            r["ttft_p95_s"] = p.flatMap { $0.metrics.summaries[.ttft]?[95] }.map { PhaseReport.num($0, 4) } ?? .null
            if let n = accelerators, n > 0 {
                r["agents_per_accelerator"] = PhaseReport.num(Double(a.agents) / Double(n), 3)
                r["throughput_per_accelerator_tok_s"] = p.map { PhaseReport.num($0.metrics.throughput / Double(n), 2) } ?? .null
            }
            if let kw = powerKW, kw > 0 {
                r["agents_per_kw"] = PhaseReport.num(Double(a.agents) / kw, 3)
                r["throughput_per_kw_tok_s"] = p.map { PhaseReport.num($0.metrics.throughput / kw, 2) } ?? .null
            }
            return .object(r)
        })
        o["phases"] = .array(phases.map { $0.toJSON(tiers: tiers) })
        return .object(o)
    }
}

/// The most agents a tier supports, as the search found it.
public struct TierAnswer: Sendable, Equatable {
    /// The tier's name.
    public var tier: String
    /// The most agents that passed (0 when none did).
    public var agents: Int
    /// The smallest count that failed.
    public var failedAt: Int?
    /// True when the largest count tried still passed.
    public var capped: Bool
    /// True when a count above `failedAt` passed.
    public var nonMonotone: Bool
    /// An answer.
    public init(tier: String, agents: Int, failedAt: Int?, capped: Bool, nonMonotone: Bool) {
        self.tier = tier; self.agents = agents; self.failedAt = failedAt; self.capped = capped; self.nonMonotone = nonMonotone
    }
}
