import Cassette

/// One `--fail-on` condition: `ttft_p95:+10%`, `output_tokens:+20%`, `speed_p25:-5%`, `tool_sequence:changed`.
public struct Gate: Sendable, Equatable {
    /// What trips it.
    public enum Limit: Sendable, Equatable {
        /// Any change.
        case changed
        /// A relative change beyond the ratio; direction +1 increase, -1 decrease, 0 either.
        case relative(Double, direction: Int)
        /// An absolute change beyond the amount, in `unit` (`ms`, `s`) or else the metric's own unit.
        case absolute(Double, unit: String?, direction: Int)
    }
    /// The metric as written.
    public var metric: String
    /// The limit.
    public var limit: Limit
    /// The gate as written.
    public var text: String

    /// Why a gate list does not parse.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Behaviour gates, which take `changed` only.
    public static let behaviourKeys = ["tool_sequence", "params", "output", "system_prompt", "tools", "trajectories", "behaviour"]

    /// Parses a comma-separated gate list.
    public static func parse(_ spec: String) throws(ParseError) -> [Gate] {
        var out: [Gate] = []
        for raw in spec.split(separator: ",") {
            let text = String(raw).filter { $0 != " " }
            guard !text.isEmpty else { continue }
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ParseError(description: "bad gate '\(text)': write METRIC:LIMIT, e.g. ttft_p95:+10%, output_tokens:+20%, tool_sequence:changed")
            }
            let metric = parts[0], v = parts[1]
            if v == "changed" { out.append(Gate(metric: metric, limit: .changed, text: text)); continue }
            if behaviourKeys.contains(metric) { throw ParseError(description: "bad gate '\(text)': \(metric) takes 'changed'") }
            var body = Substring(v)
            var dir = 0
            if body.hasPrefix("+") { dir = 1; body = body.dropFirst() } else if body.hasPrefix("-") { dir = -1; body = body.dropFirst() }
            let isPct = body.hasSuffix("%")
            if isPct { body = body.dropLast() }
            var unit: String?
            for u in ["ms", "s"] where !isPct && body.hasSuffix(u) && Double(body.dropLast(u.count)) != nil {
                body = body.dropLast(u.count)
                unit = u
                break
            }
            guard let n = Double(body), n >= 0, n.isFinite else {
                throw ParseError(description: "bad gate '\(text)': the limit must be 'changed', a percentage (+10%) or an amount (+200ms)")
            }
            out.append(Gate(metric: metric, limit: isPct ? .relative(n / 100, direction: dir) : .absolute(n, unit: unit, direction: dir), text: text))
        }
        guard !out.isEmpty else { throw ParseError(description: "--fail-on is empty") }
        return out
    }

    /// The limit for people.
    public var limitText: String { text.split(separator: ":", maxSplits: 1).last.map(String.init) ?? text }
}

/// The verdict of one gate.
public struct GateResult: Sendable, Equatable {
    /// The gate.
    public var gate: Gate
    /// Whether it tripped (a regression).
    public var tripped: Bool
    /// What was found.
    public var message: String
}

/// Resolves gate metrics against comparisons and behaviour diffs, and decides.
public enum GateEvaluator {
    static let aliases = ["ttft": "ttft_ms", "speed": "output_speed", "tps": "output_speed", "e2e": "e2e_ms", "gap": "tool_gap_ms",
                          "tool_gap": "tool_gap_ms", "trajectory": "trajectory_ms", "latency": "e2e_ms"]

    /// Names a metric may go by in cassette diffs and load/sweep results.
    static func candidates(_ stem: String) -> [String] {
        var names = [stem]
        if let a = aliases[stem] { names.append(a) }
        if stem == "speed" || stem == "output_speed" { names += ["speed_tok_s", "output_speed"] }
        if stem == "throughput" { names.append("throughput_tok_s") }
        for n in names { for suffix in ["_s", "_ms"] where !n.hasSuffix(suffix) { names.append(n + suffix) } }
        return names
    }

    /// Finds the comparison and statistic a gate names: `ttft_p95` is the p95 of per-turn (or
    /// per-request) TTFT samples, else a summary value such as `phase.metrics.ttft_s.p95`.
    public static func resolve(_ metric: String, in metrics: [MetricComparison]) -> (MetricComparison, String)? {
        func find(_ k: String, total: Bool? = nil) -> MetricComparison? {
            let ok: (MetricComparison) -> Bool = { total == nil || $0.isTotal == total }
            return metrics.first { $0.key == k && ok($0) } ?? metrics.first { $0.key.hasSuffix("." + k) && ok($0) }
        }
        for c in candidates(metric) { if let m = find(c) { return (m, m.isTotal ? "total" : "p50") } }
        guard let us = metric.lastIndex(of: "_") else { return nil }
        let stem = String(metric[..<us]), stat = String(metric[metric.index(after: us)...])
        let isStat = ["mean", "max", "min", "total", "sum"].contains(stat) || (stat.hasPrefix("p") && Double(stat.dropFirst()) != nil)
        guard isStat else { return nil }
        for c in candidates(stem) { if let m = find(c, total: false) { return (m, stat) } }
        for c in candidates(stem) { if let m = find(c + "." + stat, total: true) { return (m, "total") } }
        return nil
    }

    /// Evaluates gates; unknown metrics are returned in `unknown` (an input error for the caller).
    public static func evaluate(_ gates: [Gate], behaviour: BehaviourDiff?, metrics: [MetricComparison], alpha: Double) -> (results: [GateResult], unknown: [String]) {
        var results: [GateResult] = []
        var unknown: [String] = []
        for g in gates {
            if Gate.behaviourKeys.contains(g.metric) {
                guard let b = behaviour else { unknown.append(g.metric); continue }
                let changed: Bool
                switch g.metric {
                case "tool_sequence": changed = b.toolSequenceChanged
                case "params": changed = b.paramsChanged
                case "output": changed = b.outputChanged
                case "system_prompt": changed = b.systemPrompt != nil
                case "tools": changed = b.tools != nil
                case "trajectories": changed = b.trajectoriesChanged
                default: changed = b.changed
                }
                results.append(GateResult(gate: g, tripped: changed, message: "\(g.metric) \(changed ? "changed" : "unchanged")"))
                continue
            }
            guard let (m, stat) = resolve(g.metric, in: metrics), let (a, b) = m.stat(stat) else { unknown.append(g.metric); continue }
            let delta = b - a
            let rel = a != 0 ? delta / abs(a) : (delta == 0 ? 0 : .infinity * (delta > 0 ? 1 : -1))
            let exceeded: Bool
            switch g.limit {
            case .changed: exceeded = delta != 0
            case .relative(let r, let d): exceeded = d > 0 ? rel > r : d < 0 ? rel < -r : abs(rel) > r
            case .absolute(let amount, let unit, let d):
                var x = amount
                if unit == "ms", m.unit == "s" { x /= 1000 } else if unit == "s", m.unit == "ms" { x *= 1000 }
                exceeded = d > 0 ? delta > x : d < 0 ? delta < -x : abs(delta) > x
            }
            let sig = m.significant(alpha: alpha)
            let what = "\(g.metric): \(Fmt.num(a, digits: 2)) → \(Fmt.num(b, digits: 2)) \(m.unit) (\(rel.isFinite ? Fmt.signedPct(rel) : "new"))"
            let test = m.test.map { ", p=\(Fmt.num($0.p, digits: 4))" } ?? ""
            let verdict: String
            if !exceeded { verdict = "within \(g.limitText)" } else if sig { verdict = "beyond \(g.limitText)\(test): REGRESSION" } else {
                verdict = "beyond \(g.limitText) but not significant\(test) at α=\(Fmt.num(alpha)): treated as noise"
            }
            results.append(GateResult(gate: g, tripped: exceeded && sig, message: "\(what), \(verdict)"))
        }
        return (results, unknown)
    }
}
