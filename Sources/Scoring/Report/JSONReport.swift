import Cassette

/// The machine-readable report.
public enum JSONReport {
    /// A suite result as JSON.
    public static func json(_ r: SuiteResult, toolVersion: String) -> JSON {
        var o = JSONObject()
        o["tool"] = "tapedeck"
        o["version"] = .string(toolVersion)
        if let g = r.generatedAt { o["generated_at"] = .string(g) }
        o["suite"] = .obj([("name", .string(r.name)), ("file", .string(r.file))])
        var s = JSONObject()
        s["total"] = .int(r.tests.count)
        s["passed"] = .int(r.passedCount)
        s["failed"] = .int(r.failedCount)
        s["pass_rate"] = .double(round4(r.passRate))
        s["required_rate"] = r.requiredRate.map { .double($0) } ?? .null
        s["assertions"] = .int(r.assertionCount)
        s["failed_assertions"] = .int(r.failedAssertions)
        s["passed_suite"] = .bool(r.passed)
        o["summary"] = .object(s)
        if let a = r.agentRun {
            o["agent_run"] = .obj([("command", .string(a.command)), ("exit_code", .int(Int(a.exitCode))), ("cassette", .string(a.cassette)),
                                   ("seconds", .double(round4(a.seconds))), ("diverged", .bool(a.diverged))])
        }
        o["tests"] = .array(r.tests.map(test))
        return .object(o)
    }

    static func round4(_ v: Double) -> Double { (v * 10000).rounded() / 10000 }

    static func test(_ t: TestResult) -> JSON {
        var o = JSONObject()
        o["name"] = .string(t.name)
        if let d = t.description { o["description"] = .string(d) }
        o["cassette"] = .string(t.cassette)
        o["passed"] = .bool(t.passed)
        if let e = t.error { o["error"] = .string(e) }
        let s = t.summary
        o["summary"] = .obj([("trajectories", .int(s.trajectories)), ("turns", .int(s.turns)), ("tool_calls", .int(s.toolCalls)),
                             ("mcp_calls", .int(s.mcpCalls)), ("input_tokens", .int(s.inputTokens)), ("output_tokens", .int(s.outputTokens)),
                             ("duration_ms", .double(round4(s.durationMs))), ("errors", .int(s.errors))])
        o["assertions"] = .array(t.assertions.map(assertion))
        return .object(o)
    }

    /// One assertion verdict as JSON (children included).
    public static func assertion(_ a: AssertionResult) -> JSON {
        var o = JSONObject()
        o["type"] = .string(a.type)
        o["passed"] = .bool(a.passed)
        o["message"] = .string(a.message)
        if let e = a.expected { o["expected"] = .string(e) }
        if let x = a.actual { o["actual"] = .string(x) }
        o["scope"] = .string(a.scope)
        if let l = a.location { o["location"] = .string(l.description) }
        if !a.children.isEmpty { o["children"] = .array(a.children.map(assertion)) }
        return .object(o)
    }
}
