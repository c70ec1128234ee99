import Cassette

/// The terminal report: compact, coloured when the caller says the output is a TTY, plain otherwise.
public struct ConsoleReport: Sendable {
    /// Whether to use ANSI colours.
    public var color: Bool
    /// Whether to list passing assertions too (failing ones are always listed).
    public var verbose: Bool

    /// A report style.
    public init(color: Bool, verbose: Bool = true) { self.color = color; self.verbose = verbose }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func mark(_ ok: Bool) -> String { ok ? paint("✓", "32") : paint("✗", "31") }
    func dim(_ s: String) -> String { paint(s, "2") }

    /// Renders a suite result.
    public func render(_ r: SuiteResult) -> String {
        var out: [String] = []
        out.append(paint("tapedeck test: \(r.name)", "1") + dim(" (\(r.file))"))
        if let a = r.agentRun {
            let status = a.exitCode == 0 ? "exit 0" : (a.diverged ? "replay diverged (exit 3)" : "exit \(a.exitCode)")
            out.append("agent  \(a.command)  → \(a.cassette)  \(status), \(Fmt.fixed(a.seconds, 1)) s")
            if a.exitCode != 0, !a.stderrTail.isEmpty {
                for l in a.stderrTail.split(separator: "\n").suffix(5) { out.append(dim("  │ ") + l) }
            }
        }
        out.append("")
        for t in r.tests {
            let s = t.summary
            let facts = t.error == nil ? "  " + dim("\(s.turns) turns, \(s.toolCalls) tool calls, \(s.inputTokens + s.outputTokens) tokens, \(Fmt.ms(s.durationMs))") : ""
            let named = t.name.hasSuffix("]") ? "" : "  " + dim("[\(t.cassette)]")  // several cassettes: the name carries it
            out.append("\(mark(t.passed)) \(paint(t.name, "1"))" + named + facts)
            if let e = t.error { out.append("    " + paint("error: ", "31") + e) }
            for a in t.assertions { lines(a, depth: 1, into: &out) }
        }
        out.append("")
        let rate = Fmt.pct(r.passRate) + (r.requiredRate.map { " (required \(Fmt.pct($0)))" } ?? "")
        let verdict = r.passed ? paint("PASS", "1;32") : paint("FAIL", "1;31")
        out.append("Total: \(r.tests.count) | Passed: \(r.passedCount) | Failed: \(r.failedCount) | Pass rate: \(rate) | \(verdict)")
        return out.joined(separator: "\n") + "\n"
    }

    func lines(_ a: AssertionResult, depth: Int, into out: inout [String]) {
        guard verbose || !a.passed else { return }
        let pad = String(repeating: "  ", count: depth + 1)
        let scope = a.scope == "run" ? "" : dim(" [\(a.scope)]")
        out.append("\(pad)\(mark(a.passed)) \(a.type)\(scope): \(a.message)")
        if !a.passed {
            if let e = a.expected { out.append("\(pad)    expected: \(e)") }
            if let x = a.actual { out.append("\(pad)    actual:   \(x)") }
            if let l = a.location { out.append(dim("\(pad)    at \(l)")) }
        }
        let isCombinator = ["anyOf", "allOf", "not"].contains(a.type)
        if isCombinator {
            for c in a.children { lines(c, depth: depth + 1, into: &out) }
        } else if a.children.count > 1 {
            // A narrowed assertion: one line per failing trajectory or turn (the first is in the message).
            for c in a.children { out.append("\(pad)    \(mark(c.passed)) \(c.scope): \(c.message)") }
        }
    }
}
