/// A service tier: a name and the conditions a phase must meet to pass it.
public struct SLOTier: Sendable, Equatable, CustomStringConvertible {
    /// The tier's name, as the user gave it.
    public var name: String
    /// Every condition must hold.
    public var conditions: [SLOCondition]

    /// A tier.
    public init(name: String, conditions: [SLOCondition]) { self.name = name; self.conditions = conditions }

    /// The tier in the grammar's canonical form: `name: cond, cond`.
    public var description: String { name + ": " + conditions.map(\.description).joined(separator: ", ") }

    /// Judges a phase: pass when every condition holds; the reasons list each that did not.
    public func evaluate(_ m: LoadMetrics) -> SLOVerdict {
        var reasons: [String] = []
        for c in conditions {
            guard let v = c.value(in: m) else { reasons.append("\(c.subjectName): no samples"); continue }
            if !c.holds(v) { reasons.append("\(c.subjectName) = \(c.format(v)) (needs \(c.op.rawValue) \(c.format(c.threshold)))") }
        }
        return SLOVerdict(tier: name, pass: reasons.isEmpty, reasons: reasons)
    }
}

/// Whether a phase met a tier, and why not.
public struct SLOVerdict: Sendable, Equatable {
    /// The tier's name.
    public var tier: String
    /// Whether every condition held.
    public var pass: Bool
    /// The conditions that failed, readable.
    public var reasons: [String]
}

/// One condition of a tier, such as `speed_p25 >= 180` or `ttft_p95 <= 3s`.
public struct SLOCondition: Sendable, Equatable, CustomStringConvertible {
    /// What a condition measures.
    public enum Subject: Sendable, Equatable {
        /// A percentile of a per-request metric.
        case percentile(LoadMetric, Double)
        /// Failed ÷ sent requests, a fraction.
        case errorRate
        /// System output throughput, tokens/s.
        case throughput
    }

    /// The comparison.
    public enum Op: String, Sendable, Equatable, CaseIterable {
        /// At least.
        case ge = ">="
        /// At most.
        case le = "<="
        /// More than.
        case gt = ">"
        /// Less than.
        case lt = "<"
    }

    /// What is measured.
    public var subject: Subject
    /// How it compares.
    public var op: Op
    /// The threshold in base units (seconds, tokens/s, or a fraction for error rate).
    public var threshold: Double

    /// A condition.
    public init(_ subject: Subject, _ op: Op, _ threshold: Double) { self.subject = subject; self.op = op; self.threshold = threshold }

    /// The measured value in `m`, base units; `nil` without samples.
    public func value(in m: LoadMetrics) -> Double? {
        switch subject {
        case .percentile(let metric, let p): return m.percentile(metric, p)
        case .errorRate: return m.requests > 0 ? m.errorRate : nil
        case .throughput: return m.throughput
        }
    }

    /// Whether `v` satisfies the condition.
    public func holds(_ v: Double) -> Bool {
        switch op {
        case .ge: return v >= threshold
        case .le: return v <= threshold
        case .gt: return v > threshold
        case .lt: return v < threshold
        }
    }

    /// The subject as written in the grammar (`ttft_p95`, `error_rate`).
    public var subjectName: String {
        switch subject {
        case .percentile(let metric, let p): return "\(metric.rawValue)_p\(Self.number(p))"
        case .errorRate: return "error_rate"
        case .throughput: return "throughput"
        }
    }

    /// A value of this condition's subject with its unit.
    public func format(_ v: Double) -> String {
        switch subject {
        case .percentile(let metric, _) where metric.unit == "s":
            return v < 1 ? Self.number((v * 1e5).rounded() / 100) + "ms" : Self.number((v * 1000).rounded() / 1000) + "s"
        case .errorRate: return Self.number((v * 1e4).rounded() / 100) + "%"
        default: return Self.number((v * 10).rounded() / 10)
        }
    }

    public var description: String { subjectName + op.rawValue + format(threshold) }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
