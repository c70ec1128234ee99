import Cassette
import Foundation

/// The Markdown report, sized for a pull-request comment: a summary table, then the failures.
public enum MarkdownReport {
    /// Escapes table-cell text: pipes, newlines and backticks.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "`", with: "'")
    }

    /// Renders a suite result.
    public static func render(_ r: SuiteResult) -> String {
        var o: [String] = []
        let icon = r.passed ? "✅" : "❌"
        let rate = Fmt.pct(r.passRate) + (r.requiredRate.map { ", required \(Fmt.pct($0))" } ?? "")
        o.append("## \(icon) tapedeck test: \(r.name)")
        o.append("")
        o.append("**\(r.passedCount) of \(r.tests.count) tests passed** (\(rate)); \(r.assertionCount - r.failedAssertions) of \(r.assertionCount) assertions held. Suite: `\(r.file)`.")
        if let a = r.agentRun {
            o.append("")
            o.append("Agent: `\(cell(a.command))` → `\(a.cassette)`, exit \(a.exitCode)\(a.diverged ? " (replay diverged)" : ""), \(Fmt.fixed(a.seconds, 1)) s.")
        }
        o.append("")
        o.append("| | Test | Cassette | Assertions | Turns | Tool calls | Tokens in / out | Duration |")
        o.append("|---|---|---|---|---|---|---|---|")
        for t in r.tests {
            let held = t.assertions.filter(\.passed).count
            let s = t.summary
            o.append("| \(t.passed ? "✅" : "❌") | \(cell(t.name)) | `\(cell(t.cassette))` | \(held)/\(t.assertions.count) | \(s.turns) | \(s.toolCalls) | \(s.inputTokens) / \(s.outputTokens) | \(Fmt.ms(s.durationMs)) |")
        }
        let failed = r.tests.filter { !$0.passed }
        if !failed.isEmpty {
            o.append("")
            o.append("### Failures")
            for t in failed {
                o.append("")
                o.append("#### ❌ \(t.name)")
                if let e = t.error { o.append(""); o.append("Error: \(e)"); continue }
                o.append("")
                o.append("| Assertion | Scope | Expected | Actual | Message |")
                o.append("|---|---|---|---|---|")
                for a in t.assertions where !a.passed { rows(a, prefix: "", into: &o) }
            }
        }
        o.append("")
        o.append("<details><summary>All assertions</summary>")
        o.append("")
        for t in r.tests {
            o.append("- \(t.passed ? "✅" : "❌") **\(cell(t.name))**")
            for a in t.assertions { o.append("  - \(a.passed ? "✅" : "❌") `\(a.type)` \(cell(a.message))") }
        }
        o.append("")
        o.append("</details>")
        return o.joined(separator: "\n") + "\n"
    }

    static func rows(_ a: AssertionResult, prefix: String, into o: inout [String]) {
        let loc = a.location.map { " (line \($0.line))" } ?? ""
        o.append("| \(prefix)`\(a.type)`\(loc) | \(cell(a.scope)) | \(cell(a.expected ?? "")) | \(cell(a.actual ?? "")) | \(cell(a.message)) |")
        let isCombinator = ["anyOf", "allOf", "not"].contains(a.type)
        guard isCombinator else { return }
        for c in a.children where !c.passed || a.type == "not" { rows(c, prefix: prefix + "↳ ", into: &o) }
    }
}
