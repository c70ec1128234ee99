import Cassette

/// Renders an ``AgentProfile`` for the terminal, for machines and as HTML.
public enum ProfileReport {
    static func n(_ v: Double?, _ d: Int = 1) -> String { v.map { Fmt.num($0, digits: d) } ?? "-" }

    static func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
        let c = s.count
        guard c < w else { return s }
        let sp = String(repeating: " ", count: w - c)
        return right ? sp + s : s + sp
    }

    /// Rows as aligned text columns (first column left-aligned, others right-aligned).
    static func columns(_ rows: [[String]]) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { i in rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        return rows.map { r in r.enumerated().map { i, c in pad(c, widths[i], right: i > 0) }.joined(separator: "  ") }
    }

    /// The terminal profile.
    public static func console(_ p: AgentProfile, file: String) -> String {
        var o: [String] = []
        o.append("profile of \(file)")
        o.append("trajectories \(p.trajectories), LLM turns \(p.turns) (per trajectory: median \(n(p.turnsPerTrajectory.p(50))), max \(n(p.turnsPerTrajectory.max, 0))), duration median \(Fmt.ms(p.trajectoryMs.p(50) ?? 0))")
        o.append("tokens: \(p.totals.input) in (\(Fmt.pct(p.cachedRatio)) cached), \(p.totals.output) out (\(p.totals.reasoning) reasoning)"
                 + (p.usageCounted > 0 ? "; \(p.usageCounted) turn(s) without reported usage (counted from events)" : ""))
        if let c = p.costUSD { o.append("cost: $\(Fmt.fixed(c, 6))") } else if !p.unpricedModels.isEmpty {
            o.append("cost: unknown (no price for \(p.unpricedModels.joined(separator: ", ")))")
        }
        if p.errors > 0 { o.append("errors: \(p.errors) failed exchange(s) or MCP call(s)") }
        o.append("")
        o.append("ISL/OSL (tokens per turn)")
        o += columns([["", "p5", "p25", "p50", "p75", "p95", "max", "mean"],
                      ["ISL"] + [5, 25, 50, 75, 95].map { n(p.isl.p($0), 0) } + [n(p.isl.max, 0), n(p.isl.mean, 0)],
                      ["OSL"] + [5, 25, 50, 75, 95].map { n(p.osl.p($0), 0) } + [n(p.osl.max, 0), n(p.osl.mean, 0)]]).map { "  " + $0 }
        o.append("")
        o.append("per model")
        var rows = [["model", "turns", "TTFT p50 ms", "TTFT p95 ms", "speed p25 tok/s", "speed p50 tok/s", "E2E p50 ms", "cost $"]]
        for m in p.models {
            rows.append([m.model, String(m.turns), n(m.ttftMs.p(50)), n(m.ttftMs.p(95)), n(m.outputSpeed.p(25)), n(m.outputSpeed.p(50)),
                         n(m.e2eMs.p(50)), m.costUSD.map { Fmt.fixed($0, 6) } ?? "-"])
        }
        o += columns(rows).map { "  " + $0 }
        o.append("")
        o.append("tool and think gaps (gap after the turn that asked for the tool, until the next request)")
        rows = [["tool", "calls", "gap p50 ms", "gap p90 ms", "MCP calls", "MCP p50 ms", "MCP p90 ms", "MCP errors"]]
        for t in p.tools {
            rows.append([t.tool, String(t.calls), n(t.gapMs.p(50)), n(t.gapMs.p(90)), String(t.mcpCalls), n(t.mcpMs.p(50)), n(t.mcpMs.p(90)), String(t.mcpErrors)])
        }
        o += (p.tools.isEmpty ? ["(no tool calls)"] : columns(rows)).map { "  " + $0 }
        if !p.mcpMethods.isEmpty {
            o.append("")
            o.append("MCP methods: " + p.mcpMethods.map { "\($0.method)=\($0.count)" }.joined(separator: ", "))
        }
        return o.joined(separator: "\n") + "\n"
    }

    /// The profile as JSON.
    public static func json(_ p: AgentProfile, file: String) -> JSON {
        var o = JSONObject()
        o["file"] = .string(file)
        o["trajectories"] = .int(p.trajectories)
        o["turns"] = .int(p.turns)
        o["turns_per_trajectory"] = p.turnsPerTrajectory.json()
        o["trajectory_ms"] = p.trajectoryMs.json()
        o["isl"] = p.isl.json()
        o["osl"] = p.osl.json()
        o["tokens"] = .obj([("input", .int(p.totals.input)), ("output", .int(p.totals.output)), ("cached", .int(p.totals.cached)),
                            ("reasoning", .int(p.totals.reasoning)), ("cached_ratio", .double((p.cachedRatio * 10000).rounded() / 10000)),
                            ("usage_counted_turns", .int(p.usageCounted))])
        o["models"] = .array(p.models.map { m in
            .obj([("model", .string(m.model)), ("turns", .int(m.turns)), ("ttft_ms", m.ttftMs.json()), ("output_speed", m.outputSpeed.json()),
                  ("e2e_ms", m.e2eMs.json()), ("input_tokens", m.inputTokens.json()), ("output_tokens", m.outputTokens.json()),
                  ("cost_usd", m.costUSD.map { .double($0) } ?? .null)])
        })
        o["tools"] = .array(p.tools.map { t in
            .obj([("tool", .string(t.tool)), ("calls", .int(t.calls)), ("gap_ms", t.gapMs.json()), ("mcp_calls", .int(t.mcpCalls)),
                  ("mcp_ms", t.mcpMs.json()), ("mcp_errors", .int(t.mcpErrors))])
        })
        o["mcp_methods"] = .object(JSONObject(p.mcpMethods.map { ($0.method, .int($0.count)) }))
        o["errors"] = .int(p.errors)
        o["cost_usd"] = p.costUSD.map { .double($0) } ?? .null
        if !p.unpricedModels.isEmpty { o["unpriced_models"] = .array(p.unpricedModels.map(JSON.string)) }
        return .object(o)
    }

    /// The self-contained HTML profile with histograms and waterfalls.
    public static func html(_ p: AgentProfile, view: CassetteView, file: String) -> String {
        var b = "<h1>Agent profile</h1><div class=\"sub\"><code>\(HTML.escape(file))</code></div><div class=\"cards\">"
        b += HTML.card("Trajectories", String(p.trajectories)) + HTML.card("LLM turns", String(p.turns))
        b += HTML.card("Input tokens", String(p.totals.input)) + HTML.card("Cached", Fmt.pct(p.cachedRatio))
        b += HTML.card("Output tokens", String(p.totals.output)) + HTML.card("Errors", String(p.errors), p.errors > 0 ? "bad" : "")
        b += HTML.card("Cost", p.costUSD.map { "$" + Fmt.fixed($0, 4) } ?? "-")
        b += "</div><h2>Input and output lengths per turn</h2><div style=\"display:flex;gap:16px;flex-wrap:wrap\">"
        b += "<div><h3>ISL (input tokens)</h3>" + Histogram.svg(p.isl.sorted) + "</div>"
        b += "<div><h3>OSL (output tokens)</h3>" + Histogram.svg(p.osl.sorted) + "</div></div>"
        b += "<h2>Per model</h2>" + HTML.table(["Model", "Turns", "TTFT p50 ms", "TTFT p95 ms", "Speed p25 tok/s", "Speed p50 tok/s", "E2E p50 ms", "Cost $"],
                                               p.models.map { m in
            [HTML.escape(m.model), String(m.turns), n(m.ttftMs.p(50)), n(m.ttftMs.p(95)), n(m.outputSpeed.p(25)), n(m.outputSpeed.p(50)),
             n(m.e2eMs.p(50)), m.costUSD.map { Fmt.fixed($0, 6) } ?? "-"]
        })
        b += "<h2>Tool and think gaps</h2>" + HTML.table(["Tool", "Calls", "Gap p50 ms", "Gap p90 ms", "MCP calls", "MCP p50 ms", "MCP p90 ms", "MCP errors"],
                                                         p.tools.map { t in
            [HTML.escape(t.tool), String(t.calls), n(t.gapMs.p(50)), n(t.gapMs.p(90)), String(t.mcpCalls), n(t.mcpMs.p(50)), n(t.mcpMs.p(90)), String(t.mcpErrors)]
        })
        b += "<h2>Trajectories</h2>" + HTMLReport.trajectories(view)
        return HTML.page(title: "tapedeck profile: \(file)", body: b)
    }
}

/// A small inline-SVG histogram.
public enum Histogram {
    /// Bars of `values` in up to `bins` equal-width bins.
    public static func svg(_ values: [Double], bins: Int = 20, width: Double = 520, height: Double = 160) -> String {
        guard let lo = values.min(), let hi = values.max() else { return "<p>No data.</p>" }
        let k = hi > lo ? bins : 1
        var counts = [Int](repeating: 0, count: k)
        for v in values { counts[hi > lo ? min(k - 1, Int((v - lo) / (hi - lo) * Double(k))) : 0] += 1 }
        let maxC = Double(counts.max() ?? 1)
        let plotH = height - 30, bw = (width - 50) / Double(k)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        for (i, c) in counts.enumerated() where c > 0 {
            let h = Double(c) / maxC * (plotH - 10)
            let x0 = lo + (hi - lo) * Double(i) / Double(k), x1 = lo + (hi - lo) * Double(i + 1) / Double(k)
            s += "<rect class=\"barv\" x=\"\(Fmt.fixed(40 + Double(i) * bw, 1))\" y=\"\(Fmt.fixed(plotH - h, 1))\" width=\"\(Fmt.fixed(max(bw - 1, 1), 1))\" height=\"\(Fmt.fixed(h, 1))\"><title>\(Fmt.num(x0, digits: 0))–\(Fmt.num(x1, digits: 0)): \(c)</title></rect>"
        }
        s += "<text x=\"40\" y=\"\(Int(height - 10))\">\(Fmt.num(lo, digits: 0))</text><text x=\"\(Int(width - 10))\" y=\"\(Int(height - 10))\" text-anchor=\"end\">\(Fmt.num(hi, digits: 0))</text>"
        s += "<text x=\"4\" y=\"14\">\(Int(maxC))</text>"
        return s + "</svg>"
    }
}
