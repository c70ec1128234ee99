import Cassette

/// An inline-SVG waterfall of one trajectory: each LLM turn's wait for the first token and its
/// streaming, the tool/think gaps between turns, and the MCP calls made in them, on one time axis.
public enum Waterfall {
    static let width = 1100.0
    static let labelWidth = 150.0
    static let rowHeight = 22.0
    static let top = 26.0
    /// Most turns drawn per trajectory.
    public static let maxRows = 300

    /// A "nice" tick step (1, 2 or 5 × 10^n) for a span in seconds.
    public static func tickStep(_ span: Double) -> Double {
        guard span > 0 else { return 1 }
        let raw = span / 8
        var p = 1.0
        while p * 10 <= raw { p *= 10 }
        while p > raw { p /= 10 }
        for m in [1.0, 2, 5, 10] where p * m >= raw { return p * m }
        return p * 10
    }

    /// The SVG for a trajectory.
    public static func svg(_ t: Trajectory) -> String {
        let turns = Array(t.turns.prefix(maxRows))
        let t0 = t.startMonoNs
        let span = max(Double(t.endMonoNs - t0) / 1e9, 0.001)
        let plotW = width - labelWidth - 20
        func x(_ ns: Int64) -> Double { labelWidth + Double(ns - t0) / 1e9 / span * plotW }
        let height = top + Double(turns.count) * rowHeight + 34
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"waterfall\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Waterfall of trajectory \(HTML.escape(t.id))\">"
        // Axis and grid.
        let step = tickStep(span)
        var tick = 0.0
        while tick <= span + 1e-9 {
            let tx = labelWidth + tick / span * plotW
            s += "<line x1=\"\(f(tx))\" y1=\"\(f(top - 6))\" x2=\"\(f(tx))\" y2=\"\(f(height - 30))\" class=\"grid\"/>"
            s += "<text x=\"\(f(tx))\" y=\"\(f(top - 10))\" class=\"tick\" text-anchor=\"middle\">\(Fmt.num(tick, digits: 2))s</text>"
            tick += step
        }
        for (row, turn) in turns.enumerated() {
            let y = top + Double(row) * rowHeight
            let label = "#\(turn.index) \(turn.model ?? turn.dialect.rawValue)"
            s += "<text x=\"4\" y=\"\(f(y + 14))\" class=\"label\">\(HTML.escape(Fmt.clip(label, 22)))</text>"
            let start = turn.startMonoNs
            let end = turn.endMonoNs
            let first = turn.ttftNs.map { start + $0 } ?? end
            let last = turn.tokenNs.last.map { start + $0 } ?? first
            let tip = turnTip(turn)
            if turn.tokenNs.isEmpty {  // not streamed (or no tokens): one bar for the whole exchange
                s += bar(x(start), x(end), y + 4, 14, "whole", tip + " · not streamed")
            } else {
                s += bar(x(start), x(first), y + 4, 14, "wait", tip)
            }
            if !turn.tokenNs.isEmpty, last > first { s += bar(x(first), x(last), y + 4, 14, "stream", tip) }
            if !turn.tokenNs.isEmpty, end > last { s += bar(x(last), x(end), y + 4, 14, "tail", tip) }
            if let gap = turn.gapAfterNs, gap > 0 {
                let names = turn.toolCalls.map(\.name)
                let gtip = "gap after turn \(turn.index): \(Fmt.ms(Double(gap) / 1e6))" + (names.isEmpty ? " (think)" : " running " + names.joined(separator: ", "))
                let gx0 = x(end), gx1 = x(end + gap)
                s += bar(gx0, gx1, y + 8, 6, names.isEmpty ? "think" : "gap", gtip)
                if gx1 - gx0 > 70, let n = names.first {
                    s += "<text x=\"\(f(gx0 + 4))\" y=\"\(f(y + 7))\" class=\"gaplabel\">\(HTML.escape(Fmt.clip(n + (names.count > 1 ? " +\(names.count - 1)" : ""), 24)))</text>"
                }
            }
            for c in turn.toolCalls.compactMap(\.mcp) {
                let mtip = "MCP \(c.method ?? "?") \(c.tool ?? ""): \(c.durationNs.map { Fmt.ms(Double($0) / 1e6) } ?? "no answer")"
                s += bar(x(c.startMonoNs), max(x(c.endMonoNs), x(c.startMonoNs) + 2), y + 15, 4, c.failed ? "mcperr" : "mcp", mtip)
            }
        }
        if t.turns.count > maxRows {
            s += "<text x=\"4\" y=\"\(f(height - 18))\" class=\"tick\">… \(t.turns.count - maxRows) more turns not drawn</text>"
        }
        let ly = height - 12
        var lx = labelWidth
        for (cls, name) in [("wait", "waiting for first token (TTFT)"), ("stream", "streaming"), ("tail", "after last token"), ("whole", "not streamed"),
                            ("gap", "tool gap"), ("think", "think gap"), ("mcp", "MCP call")] {
            s += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 9))\" width=\"12\" height=\"10\" class=\"\(cls)\"/><text x=\"\(f(lx + 16))\" y=\"\(f(ly))\" class=\"tick\">\(name)</text>"
            lx += 40 + Double(name.count) * 6
        }
        return s + "</svg>"
    }

    static func f(_ v: Double) -> String { Fmt.fixed(v, 1) }

    static func bar(_ x0: Double, _ x1: Double, _ y: Double, _ h: Double, _ cls: String, _ tip: String) -> String {
        let w = max(x1 - x0, 1)
        return "<rect x=\"\(f(x0))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" class=\"\(cls)\"><title>\(HTML.escape(tip))</title></rect>"
    }

    static func turnTip(_ t: Turn) -> String {
        var parts = ["turn \(t.index) (\(t.exchangeId))", "\(t.model ?? "?")"]
        if let v = t.ttftMs { parts.append("TTFT \(Fmt.ms(v))") }
        if let v = t.outputSpeed { parts.append("\(Fmt.num(v, digits: 1)) tok/s") }
        parts.append("\(t.usage.input) in / \(t.usage.output) out tokens")
        parts.append("total \(Fmt.ms(t.durationMs))")
        if !t.toolCalls.isEmpty { parts.append("calls " + t.toolCalls.map(\.name).joined(separator: ", ")) }
        if let f = t.finishReason { parts.append("finish \(f)") }
        return parts.joined(separator: " · ")
    }
}
