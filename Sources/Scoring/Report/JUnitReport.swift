import Cassette

/// JUnit XML in the Ant/Jenkins schema that GitLab and GitHub test reporters read: one
/// `testcase` per test, and a `failure` holding each failed assertion's expected and actual values.
public enum JUnitReport {
    /// Escapes text for XML content and attributes, dropping characters XML 1.0 forbids.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || (0xFFFE...0xFFFF).contains(u.value) { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Renders a suite result; `timestamp` is `YYYY-MM-DDTHH:MM:SS` (no zone, as the schema wants), `hostname` the machine.
    public static func render(_ r: SuiteResult, timestamp: String, hostname: String = "localhost") -> String {
        let time = r.tests.reduce(0.0) { $0 + $1.summary.durationMs } / 1000
        let hostname = hostname.filter { !$0.isWhitespace }.isEmpty ? "localhost" : hostname
        let errors = r.tests.filter { $0.error != nil }.count
        var o: [String] = []
        o.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        o.append("<testsuites>")
        o.append("  <testsuite name=\"\(escape(r.name))\" package=\"tapedeck\" id=\"0\" timestamp=\"\(escape(timestamp))\" hostname=\"\(escape(hostname))\" tests=\"\(r.tests.count)\" failures=\"\(r.failedCount - errors)\" errors=\"\(errors)\" skipped=\"0\" time=\"\(Fmt.fixed(time, 3))\">")
        o.append("    <properties>")
        o.append("      <property name=\"suite_file\" value=\"\(escape(r.file))\"/>")
        o.append("      <property name=\"pass_rate\" value=\"\(Fmt.fixed(r.passRate, 4))\"/>")
        if let req = r.requiredRate { o.append("      <property name=\"required_rate\" value=\"\(Fmt.fixed(req, 4))\"/>") }
        if let a = r.agentRun {
            o.append("      <property name=\"agent_command\" value=\"\(escape(a.command))\"/>")
            o.append("      <property name=\"agent_exit_code\" value=\"\(a.exitCode)\"/>")
        }
        o.append("    </properties>")
        for t in r.tests {
            let classname = "tapedeck." + SuiteParser.baseName(t.cassette)
            let open = "    <testcase name=\"\(escape(t.name))\" classname=\"\(escape(classname))\" time=\"\(Fmt.fixed(t.summary.durationMs / 1000, 3))\""
            if let e = t.error {
                o.append(open + ">")
                o.append("      <error message=\"\(escape(Fmt.clip(e, 300)))\" type=\"CassetteError\">\(escape(e))</error>")
                o.append("    </testcase>")
            } else if t.passed {
                o.append(open + "/>")
            } else {
                let failed = t.assertions.filter { !$0.passed }
                let msg = "\(failed.count) of \(t.assertions.count) assertions failed: " + failed.map(\.type).joined(separator: ", ")
                var body: [String] = []
                for a in failed { detail(a, depth: 0, into: &body) }
                o.append(open + ">")
                o.append("      <failure message=\"\(escape(msg))\" type=\"AssertionFailure\">\(escape(body.joined(separator: "\n")))</failure>")
                o.append("    </testcase>")
            }
        }
        var out: [String] = []
        for t in r.tests {
            out.append("\(t.passed ? "PASS" : "FAIL") \(t.name) [\(t.cassette)]")
            for a in t.assertions { out.append("  \(a.passed ? "✓" : "✗") \(a.type) [\(a.scope)]: \(a.message)") }
        }
        o.append("    <system-out>\(escape(out.joined(separator: "\n")))</system-out>")
        o.append("    <system-err>\(escape(r.agentRun?.stderrTail ?? ""))</system-err>")
        o.append("  </testsuite>")
        o.append("</testsuites>")
        return o.joined(separator: "\n") + "\n"
    }

    static func detail(_ a: AssertionResult, depth: Int, into body: inout [String]) {
        let pad = String(repeating: "  ", count: depth)
        body.append("\(pad)\(a.passed ? "✓" : "✗") \(a.type) [\(a.scope)]: \(a.message)")
        if !a.passed {
            if let e = a.expected { body.append("\(pad)  expected: \(e)") }
            if let x = a.actual { body.append("\(pad)  actual:   \(x)") }
            if let l = a.location { body.append("\(pad)  at \(l)") }
        }
        for c in a.children where !c.passed || a.type == "anyOf" || a.type == "not" { detail(c, depth: depth + 1, into: &body) }
    }
}
