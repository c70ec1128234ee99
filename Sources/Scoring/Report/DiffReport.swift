import Cassette

/// Renders `tapedeck diff` results for the terminal, as Markdown and as JSON.
public enum DiffReport {
    /// The terminal diff: behaviour first, then the performance table, then the gates.
    public static func console(base: String, new: String, behaviour: BehaviourDiff?, metrics: [MetricComparison],
                               gates: [GateResult], alpha: Double) -> String {
        var o: [String] = ["diff \(base) → \(new)"]
        if let b = behaviour {
            o.append("")
            o.append("behaviour" + (b.changed ? "" : ": unchanged"))
            if let s = b.systemPrompt { o.append("  ! \(s)") }
            if let t = b.tools { o.append("  ! \(t)") }
            for t in b.trajectories where t.changed {
                let name = t.base == t.new ? (t.base ?? "?") : "\(t.base ?? "(none)") → \(t.new ?? "(none)")"
                if t.base == nil { o.append("  + trajectory \(name) added (\(t.turnsAfter) turns)"); continue }
                if t.new == nil { o.append("  - trajectory \(name) removed (\(t.turnsBefore) turns)"); continue }
                o.append("  trajectory \(name): \(t.turnsBefore) → \(t.turnsAfter) turns")
                if t.sequenceChanged {
                    o.append("    tool sequence:")
                    for l in t.sequence { o.append("      \(l.op) \(l.name)") }
                }
                for c in t.paramChanges.prefix(10) { o.append("    param \(c)") }
                if t.outputChanged {
                    o.append("    output: - \(Fmt.quote(t.outputBefore ?? "", 100))")
                    o.append("            + \(Fmt.quote(t.outputAfter ?? "", 100))")
                }
            }
            let same = b.trajectories.filter { !$0.changed }.count
            if same > 0 && b.changed { o.append("  (\(same) trajectories unchanged)") }
        }
        o.append("")
        o.append("performance (samples: Mann–Whitney U, two-sided; * marks p < \(Fmt.num(alpha)))")
        var rows = [["metric", "n base/new", "base", "new", "change", "p95 base → new", "p"]]
        let shown = shownMetrics(metrics)
        for m in shown {
            let stat = m.isTotal ? "total" : "p50"
            guard let (a, b) = m.stat(stat) else { continue }
            let rel = a != 0 ? Fmt.signedPct((b - a) / abs(a)) : (a == b ? "0.0%" : "new")
            let p = m.test.map { Fmt.num($0.p, digits: 4) + ($0.p < alpha ? "*" : "") } ?? (m.isTotal ? "exact" : "-")
            let label = m.isTotal ? m.key : "\(m.key) p50"
            let p95 = m.isTotal ? "" : m.stat("p95").map { "\(Fmt.num($0.base, digits: 1)) → \(Fmt.num($0.new, digits: 1))" } ?? ""
            rows.append([label, m.isTotal ? "-" : "\(m.base.count)/\(m.new.count)", Fmt.num(a, digits: 2), Fmt.num(b, digits: 2), rel, p95, p])
        }
        o += ProfileReport.columns(rows).map { "  " + $0 }
        if shown.count < metrics.count { o.append("  (\(metrics.count - shown.count) more metrics changed less than 1%; --json lists all)") }
        if !gates.isEmpty {
            o.append("")
            o.append("gates")
            for g in gates { o.append("  \(g.tripped ? "✗" : "✓") \(g.message)") }
            let n = gates.filter(\.tripped).count
            o.append(n == 0 ? "PASS: no gate tripped" : "FAIL: \(n) gate(s) tripped")
        }
        return o.joined(separator: "\n") + "\n"
    }

    /// Metrics worth a row: all of them when few; else the samples and the values that moved ≥ 1%, largest change first (40 at most).
    static func shownMetrics(_ metrics: [MetricComparison]) -> [MetricComparison] {
        guard metrics.count > 40 else { return metrics }
        func change(_ m: MetricComparison) -> Double {
            guard let (a, b) = m.stat(m.isTotal ? "total" : "p50") else { return 0 }
            return a != 0 ? abs(b - a) / abs(a) : (a == b ? 0 : .infinity)
        }
        let samples = metrics.filter { !$0.isTotal }
        let moved = metrics.filter { $0.isTotal && change($0) >= 0.01 }.sorted { change($0) > change($1) }
        return samples + moved.prefix(max(0, 40 - samples.count))
    }

    /// The diff as Markdown, for a pull-request comment.
    public static func markdown(base: String, new: String, behaviour: BehaviourDiff?, metrics: [MetricComparison],
                                gates: [GateResult], alpha: Double) -> String {
        let tripped = gates.filter(\.tripped).count
        var o = ["## \(gates.isEmpty ? "" : tripped == 0 ? "✅ " : "❌ ")tapedeck diff", "", "`\(base)` → `\(new)`", ""]
        if !gates.isEmpty {
            o += ["| | Gate | Result |", "|---|---|---|"]
            for g in gates { o.append("| \(g.tripped ? "❌" : "✅") | `\(g.gate.text)` | \(MarkdownReport.cell(g.message)) |") }
            o.append("")
        }
        if let b = behaviour {
            o.append("### Behaviour" + (b.changed ? "" : ": unchanged"))
            if let s = b.systemPrompt { o.append("- \(MarkdownReport.cell(s))") }
            if let t = b.tools { o.append("- \(MarkdownReport.cell(t))") }
            for t in b.trajectories where t.changed {
                o.append("")
                o.append("**\(t.base ?? "(added)") → \(t.new ?? "(removed)")**: \(t.turnsBefore) → \(t.turnsAfter) turns")
                if t.sequenceChanged {
                    o += ["", "```diff"] + t.sequence.map { "\($0.op == " " ? " " : String($0.op)) \($0.name)" } + ["```"]
                }
                for c in t.paramChanges.prefix(10) { o.append("- param \(MarkdownReport.cell(c))") }
                if t.outputChanged { o.append("- output changed: \(MarkdownReport.cell(Fmt.quote(t.outputAfter ?? "", 120)))") }
            }
            o.append("")
        }
        o += ["### Performance", "", "| Metric | Base | New | Change | p (Mann–Whitney) |", "|---|---|---|---|---|"]
        for m in shownMetrics(metrics) {
            guard let (a, b) = m.stat(m.isTotal ? "total" : "p50") else { continue }
            let rel = a != 0 ? Fmt.signedPct((b - a) / abs(a)) : (a == b ? "0.0%" : "new")
            let p = m.test.map { Fmt.num($0.p, digits: 4) + ($0.p < alpha ? " *" : "") } ?? (m.isTotal ? "exact" : "-")
            o.append("| \(m.isTotal ? m.key : m.key + " p50") | \(Fmt.num(a, digits: 2)) | \(Fmt.num(b, digits: 2)) | \(rel) | \(p) |")
        }
        return o.joined(separator: "\n") + "\n"
    }

    /// The diff as JSON.
    public static func json(base: String, new: String, behaviour: BehaviourDiff?, metrics: [MetricComparison], gates: [GateResult]) -> JSON {
        var o = JSONObject()
        o["base"] = .string(base)
        o["new"] = .string(new)
        if let b = behaviour {
            o["behaviour"] = .obj([
                ("changed", .bool(b.changed)), ("system_prompt", b.systemPrompt.map(JSON.string) ?? .null), ("tools", b.tools.map(JSON.string) ?? .null),
                ("trajectories", .array(b.trajectories.map { t in
                    .obj([("base", t.base.map(JSON.string) ?? .null), ("new", t.new.map(JSON.string) ?? .null), ("changed", .bool(t.changed)),
                          ("turns", .array([.int(t.turnsBefore), .int(t.turnsAfter)])),
                          ("tool_sequence", .array(t.sequence.map { .string("\($0.op)\($0.name)") })),
                          ("param_changes", .array(t.paramChanges.map(JSON.string))),
                          ("output_changed", .bool(t.outputChanged))])
                })),
            ])
        }
        o["metrics"] = .array(metrics.map { m in
            var x = JSONObject()
            x["key"] = .string(m.key)
            x["unit"] = .string(m.unit)
            x["higher_is_worse"] = .bool(m.higherIsWorse)
            if m.isTotal {
                x["base"] = m.base.sorted.first.map(JSON.double) ?? .null
                x["new"] = m.new.sorted.first.map(JSON.double) ?? .null
            } else {
                x["base"] = m.base.json()
                x["new"] = m.new.json()
                if let t = m.test { x["mann_whitney"] = .obj([("u", .double(t.u)), ("p", .double(t.p)), ("exact", .bool(t.exact))]) }
            }
            return .object(x)
        })
        o["gates"] = .array(gates.map { .obj([("gate", .string($0.gate.text)), ("tripped", .bool($0.tripped)), ("message", .string($0.message))]) })
        o["passed"] = .bool(!gates.contains(where: \.tripped))
        return .object(o)
    }
}
