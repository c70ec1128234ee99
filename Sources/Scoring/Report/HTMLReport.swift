import Cassette

/// The self-contained HTML report of a suite: summary cards, each test's assertions with
/// expected against actual, and a waterfall of every trajectory of every cassette judged.
public enum HTMLReport {
    /// Most trajectories drawn per cassette.
    public static let maxTrajectories = 40

    /// Renders a suite result; `views` are the judged cassettes by path.
    public static func render(_ r: SuiteResult, views: [String: CassetteView]) -> String {
        var b = ""
        b += "<h1>\(r.passed ? "<span class=\"badge ok\">PASS</span>" : "<span class=\"badge bad\">FAIL</span>") \(HTML.escape(r.name))</h1>"
        b += "<div class=\"sub\">tapedeck test · <code>\(HTML.escape(r.file))</code>" + (r.generatedAt.map { " · \(HTML.escape($0))" } ?? "") + "</div>"
        var perCassette: [String: RunSummary] = [:]
        for t in r.tests { perCassette[t.cassette] = t.summary }
        let turns = perCassette.values.reduce(0) { $0 + $1.turns }
        let tokens = perCassette.values.reduce(0) { $0 + $1.inputTokens + $1.outputTokens }
        b += "<div class=\"cards\">"
        b += HTML.card("Verdict", r.passed ? "PASS" : "FAIL", r.passed ? "ok" : "bad")
        b += HTML.card("Tests", String(r.tests.count))
        b += HTML.card("Passed", String(r.passedCount), r.passedCount > 0 ? "ok" : "")
        b += HTML.card("Failed", String(r.failedCount), r.failedCount > 0 ? "bad" : "")
        b += HTML.card("Pass rate", Fmt.pct(r.passRate) + (r.requiredRate.map { " / \(Fmt.pct($0))" } ?? ""))
        b += HTML.card("Assertions held", "\(r.assertionCount - r.failedAssertions)/\(r.assertionCount)")
        b += HTML.card("Cassettes", String(perCassette.count))
        b += HTML.card("LLM turns", String(turns))
        b += HTML.card("Tokens", String(tokens))
        b += "</div>"
        if let a = r.agentRun {
            b += "<p>Agent run: <code>\(HTML.escape(a.command))</code> → <code>\(HTML.escape(a.cassette))</code>, exit \(a.exitCode)"
            b += a.diverged ? " <span class=\"fail\">(replay diverged)</span>" : ""
            b += ", \(Fmt.fixed(a.seconds, 1)) s.</p>"
        }
        var cassetteOrder: [String] = []
        for t in r.tests where !cassetteOrder.contains(t.cassette) { cassetteOrder.append(t.cassette) }
        b += "<h2>Tests</h2>"
        b += HTML.table(["", "Test", "Cassette", "Assertions", "Turns", "Tool calls", "Tokens in / out", "Duration"], r.tests.map { t in
            let anchor = cassetteOrder.firstIndex(of: t.cassette) ?? 0
            return [t.passed ? "<span class=\"pass\">✓</span>" : "<span class=\"fail\">✗</span>",
                    "<a href=\"#test-\(slug(t.name))\">\(HTML.escape(t.name))</a>",
                    "<a href=\"#cassette-\(anchor)\"><code>\(HTML.escape(t.cassette))</code></a>",
                    "\(t.assertions.filter(\.passed).count)/\(t.assertions.count)", String(t.summary.turns), String(t.summary.toolCalls),
                    "\(t.summary.inputTokens) / \(t.summary.outputTokens)", Fmt.ms(t.summary.durationMs)]
        })
        b += "<h2>Test details</h2>"
        for t in r.tests { b += detail(t) }
        b += "<h2>Trajectories</h2>"
        for (i, path) in cassetteOrder.enumerated() {
            b += "<h3 id=\"cassette-\(i)\">Cassette <code>\(HTML.escape(path))</code></h3>"
            guard let v = views[path] else { b += "<p class=\"fail\">Not loaded.</p>"; continue }
            b += trajectories(v)
        }
        return HTML.page(title: "tapedeck test: \(r.name)", body: b)
    }

    /// Waterfalls for a cassette's trajectories (shared with the profile report).
    public static func trajectories(_ v: CassetteView) -> String {
        var b = ""
        if v.trajectories.isEmpty { b += "<p>No LLM turns.</p>" }
        for t in v.trajectories.prefix(maxTrajectories) {
            let out = t.turns.reduce(0) { $0 + $1.usage.output }
            b += "<p><b>\(HTML.escape(t.id))</b>: \(t.turns.count) turns, \(t.toolCalls.count) tool calls, \(t.mcpCalls.count) MCP calls, \(out) output tokens, \(Fmt.ms(t.durationMs))</p>"
            b += "<div class=\"svgwrap\">" + Waterfall.svg(t) + "</div>"
        }
        if v.trajectories.count > maxTrajectories { b += "<p>… \(v.trajectories.count - maxTrajectories) more trajectories not drawn.</p>" }
        return b
    }

    static func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    static func detail(_ t: TestResult) -> String {
        let badge = t.passed ? "<span class=\"badge ok\">PASS</span>" : "<span class=\"badge bad\">FAIL</span>"
        var b = "<details id=\"test-\(slug(t.name))\"\(t.passed ? "" : " open")><summary>\(badge) \(HTML.escape(t.name)) <code>\(HTML.escape(t.cassette))</code></summary>"
        if let d = t.description { b += "<p>\(HTML.escape(d))</p>" }
        if let e = t.error { return b + "<p class=\"fail\">Error: \(HTML.escape(e))</p></details>" }
        var rows: [[String]] = []
        for a in t.assertions { rowsFor(a, depth: 0, into: &rows) }
        b += HTML.table(["", "Assertion", "Scope", "Expected", "Actual", "Message"], rows)
        return b + "</details>"
    }

    static func rowsFor(_ a: AssertionResult, depth: Int, into rows: inout [[String]]) {
        let indent = String(repeating: "↳ ", count: depth)
        let loc = a.location.map { " <span class=\"sub\">line \($0.line)</span>" } ?? ""
        rows.append([a.passed ? "<span class=\"pass\">✓</span>" : "<span class=\"fail\">✗</span>",
                     "\(indent)<code>\(HTML.escape(a.type))</code>\(loc)", HTML.escape(a.scope),
                     "<span class=\"exp\">\(HTML.escape(a.expected ?? ""))</span>", "<span class=\"act\">\(HTML.escape(a.actual ?? ""))</span>",
                     HTML.escape(a.message)])
        for c in a.children.prefix(12) { rowsFor(c, depth: depth + 1, into: &rows) }
    }
}
