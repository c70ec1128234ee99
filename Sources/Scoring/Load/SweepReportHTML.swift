import Cassette

/// Renders a sweep as one self-contained HTML page: tier table, charts (inline SVG), phase table.
public enum SweepReportHTML {
    static let palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"]

    /// The page.
    public static func render(_ r: SweepReport) -> String {
        var h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tapedeck sweep</title><style>\(css)</style></head><body>"
        h += "<h1>Tapedeck AgentPerf sweep</h1>"
        h += "<p class=\"meta\">" + [("target", "target"), ("cassettes", "cassettes"), ("started", "started"), ("simulator profile", "sim_profile"),
                                      ("model", "model"), ("seed", "seed")].compactMap { label, key -> String? in
            guard let v = r.manifest[key], !v.isNull else { return nil }
            let text = v.arrayValue.map { $0.compactMap(\.stringValue).joined(separator: ", ") } ?? (v.stringValue ?? v.text())
            return "<b>\(label)</b> \(HTML.escape(text))"
        }.joined(separator: " · ") + "</p>"
        h += tierTable(r)
        let ordered = r.byAgents
        h += "<div class=\"charts\">"
        h += chart(r, ordered, metric: .speed, p: 25, title: "P25 output speed vs agents", y: "tokens/s per request")
        h += chart(r, ordered, metric: .ttft, p: 95, title: "P95 time to first token vs agents", y: "seconds")
        h += SVGChart(title: "System output throughput vs agents", xLabel: "concurrent agents", yLabel: "output tokens/s", xLog: true,
                      series: [.init(name: "throughput", color: palette[2], points: ordered.map { (Double($0.agents), $0.metrics.throughput) })]).render()
        h += SVGChart(title: "TTFT distribution per phase (CDF)", xLabel: "TTFT, seconds", yLabel: "% of requests", series:
            cdfPhases(r, ordered).enumerated().map { i, p in
                .init(name: "\(p.agents) agents", color: palette[i % palette.count],
                      points: p.ttftQuantiles.enumerated().map { (k, v) in (v, Double(k) * 100 / Double(max(1, p.ttftQuantiles.count - 1))) },
                      markers: false)
            }).render()
        h += "</div>"
        h += phaseTable(r)
        h += "<p class=\"foot\">Tiers: \(HTML.escape(r.tierSource)). Metrics over each phase's steady-state window; speed = (N_out − 1) / (t_last − t_first); "
        h += "percentiles NumPy-linear. A phase is invalid when the client's dispatch lag p99 exceeds 5 ms or its CPU saturated.</p>"
        return h + "</body></html>\n"
    }

    /// At most eight phases for the CDF chart: those that answer a tier, then others spread over the agent range.
    static func cdfPhases(_ r: SweepReport, _ ordered: [PhaseReport]) -> [PhaseReport] {
        let withData = ordered.filter { !$0.ttftQuantiles.isEmpty }
        guard withData.count > 8 else { return withData }
        var pick = Set(r.answers.map(\.agents).filter { $0 > 0 })
        var k = 0.0
        while pick.count < 8 && k < 8 {
            pick.insert(withData[Int(k / 7 * Double(withData.count - 1))].agents)
            k += 1
        }
        return withData.filter { pick.contains($0.agents) }.prefix(8).map { $0 }
    }

    static func chart(_ r: SweepReport, _ ordered: [PhaseReport], metric: LoadMetric, p: Double, title: String, y: String) -> String {
        let pts = ordered.compactMap { ph in ph.metrics.summaries[metric]?[p].map { (Double(ph.agents), $0) } }
        var rules: [SVGChart.Rule] = []
        for (i, t) in r.tiers.enumerated() {
            for c in t.conditions { if case .percentile(metric, p) = c.subject { rules.append(.init(y: c.threshold, label: t.name, color: palette[(i + 3) % palette.count])) } }
        }
        return SVGChart(title: title, xLabel: "concurrent agents", yLabel: y, xLog: true,
                        series: [.init(name: "\(metric.rawValue) p\(Int(p))", color: palette[0], points: pts)], rules: rules).render()
    }

    static func tierTable(_ r: SweepReport) -> String {
        var h = "<h2>Most agents per tier</h2><table><tr><th>tier</th><th>conditions</th><th>max agents</th><th>failed at</th>"
        h += "<th>throughput tok/s</th><th>P25 speed</th><th>P95 TTFT</th>"
        if r.accelerators != nil { h += "<th>agents / accel.</th>" }
        if r.powerKW != nil { h += "<th>agents / kW</th>" }
        h += "</tr>"
        for (i, a) in r.answers.enumerated() {
            let p = a.agents > 0 ? r.phase(agents: a.agents) : nil
            h += "<tr><td><b>\(HTML.escape(a.tier))</b></td><td>\(HTML.escape(r.tiers[i].conditions.map(\.description).joined(separator: ", ")))</td>"
            h += "<td class=\"num\">\(a.agents)\(a.capped ? "+" : "")\(a.nonMonotone ? " *" : "")</td><td class=\"num\">\(a.failedAt.map(String.init) ?? "–")</td>"
            h += "<td class=\"num\">\(p.map { fmt($0.metrics.throughput, 1) } ?? "–")</td>"
            h += "<td class=\"num\">\(p.flatMap { $0.metrics.summaries[.speed]?[25] }.map { fmt($0, 1) } ?? "–")</td>"
            h += "<td class=\"num\">\(p.flatMap { $0.metrics.summaries[.ttft]?[95] }.map { fmt($0, 3) + " s" } ?? "–")</td>"
            if let n = r.accelerators { h += "<td class=\"num\">\(fmt(Double(a.agents) / Double(max(1, n)), 2))</td>" }
            if let kw = r.powerKW { h += "<td class=\"num\">\(fmt(Double(a.agents) / max(kw, 1e-9), 2))</td>" }
            h += "</tr>"
        }
        return h + "</table><p class=\"note\">+ the largest count tried still passed · * a larger count passed too (noise)</p>"
    }

    static func phaseTable(_ r: SweepReport) -> String {
        var h = "<h2>Phases</h2><table><tr><th>#</th><th>agents</th><th>requests</th><th>errors</th><th>P25 speed</th><th>P50 speed</th>"
        h += "<th>P50 TTFT</th><th>P95 TTFT</th><th>throughput</th><th>window</th><th>lag p99</th><th>valid</th>"
        for t in r.tiers { h += "<th>\(HTML.escape(t.name))</th>" }
        h += "</tr>"
        for p in r.phases {
            let d = p.metrics.summaries
            h += "<tr><td>\(p.phase)</td><td class=\"num\">\(p.agents)</td><td class=\"num\">\(p.metrics.requests)</td>"
            h += "<td class=\"num\">\(p.metrics.failed)</td><td class=\"num\">\(d[.speed]?[25].map { fmt($0, 1) } ?? "–")</td>"
            h += "<td class=\"num\">\(d[.speed]?[50].map { fmt($0, 1) } ?? "–")</td><td class=\"num\">\(d[.ttft]?[50].map { fmt($0, 3) } ?? "–")</td>"
            h += "<td class=\"num\">\(d[.ttft]?[95].map { fmt($0, 3) } ?? "–")</td><td class=\"num\">\(fmt(p.metrics.throughput, 1))</td>"
            h += "<td class=\"num\">\(fmt(p.metrics.window.seconds, 1)) s</td>"
            h += "<td class=\"num\">\(d[.dispatchLag]?[99].map { fmt($0 * 1000, 2) + " ms" } ?? "–")</td>"
            h += "<td title=\"\(HTML.escape(p.invalidReasons.joined(separator: "; ")))\">\(p.valid ? "yes" : "<b class=\"bad\">no</b>")</td>"
            for i in r.tiers.indices { h += p.passes(i) ? "<td class=\"pass\">pass</td>" : "<td class=\"fail\">fail</td>" }
            h += "</tr>"
        }
        return h + "</table>"
    }

    static func fmt(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "–" }
        var f = 1.0
        for _ in 0..<digits { f *= 10 }
        let r = (v * f).rounded() / f
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        } else if digits > 0 { s += "." + String(repeating: "0", count: digits) }
        return s
    }

    static let css = """
        body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px 32px;color:#111827;background:#fff}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}
        .meta{color:#4b5563;margin:0 0 8px}.note,.foot{color:#6b7280;font-size:12px}
        table{border-collapse:collapse;margin:4px 0}th,td{border:1px solid #e5e7eb;padding:4px 9px;text-align:left}
        th{background:#f3f4f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
        td.pass{color:#15803d;font-weight:600}td.fail{color:#b91c1c}.bad{color:#b91c1c}
        .charts{display:grid;grid-template-columns:repeat(2,620px);gap:18px;margin:16px 0}
        .chart{border:1px solid #e5e7eb;border-radius:6px;background:#fff}
        .chart .title{font-weight:600;font-size:14px;fill:#111827}.chart .axis{font-size:11px;fill:#4b5563}
        .chart .legend{font-size:11px;fill:#374151}.chart .grid{stroke:#eef0f3}.chart .tick,.chart .axisline{stroke:#9ca3af}
        .chart .rule{stroke-width:1.5;stroke-dasharray:6 4}.chart .rulelabel{font-size:11px;font-weight:600}
        """
}
