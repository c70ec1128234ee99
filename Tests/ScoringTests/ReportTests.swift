import Cassette
import Foundation
import TestSupport
import Testing
@testable import Scoring

/// Golden tests for the console (plain), Markdown and JUnit reports; the JUnit file is also
/// validated against the common JUnit XSD, and the HTML checked for being self-contained.
/// Set TAPEDECK_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
@Suite struct ReportTests {
    static let suiteYAML = """
        name: weather agent
        cassettes: [runs/weather.cassette]
        criteria:
          success_rate: 0.5
        tests:
          - name: calls the weather tools in order
            description: The agent looks the weather up before the forecast.
            assertions:
              - type: tool_call_order
                sequence: [get_weather, get_forecast]
              - type: tool_param_equals
                tool: get_weather
                params: {city: Paris, units: metric}
              - anyOf:
                  - {type: tool_called, tool: get_radar}
                  - {type: output_contains, value: "18 C"}
          - name: fast and cheap
            scope: trajectory
            assertions:
              - type: ttft_ms
                percentile: 95
                max: 300
              - type: output_tokens
                scope: turn
                max: 12
              - type: cost_usd
                max: 1
          - name: answers about <Tokyo> & "Paris"
            assertions:
              - type: output_contains
                value: Tokyo
              - not:
                  type: tool_called
                  tool: get_weather
          - name: missing cassette
            cassette: runs/missing.cassette
            assertions:
              - type: turns
                max: 3
        """

    static func result() throws -> SuiteResult {
        let suite = try SuiteParser.parse(suiteYAML, file: "configs/suites/weather.yaml")
        return SuiteRunner.run(suite, views: ["runs/weather.cassette": AssertionFixtures.main.view],
                               unreadable: ["runs/missing.cassette": "cassette 'runs/missing.cassette' not found"],
                               context: AssertionFixtures.context, generatedAt: "2026-01-02T03:04:05Z")
    }

    func golden(_ name: String, _ actual: String) throws {
        let path = TestEnv.path("Tests/ScoringTests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["TAPEDECK_UPDATE_GOLDEN"] != nil {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(name) differs from its golden file; run with TAPEDECK_UPDATE_GOLDEN=1 if the change is intended")
    }

    @Test func suiteOutcome() throws {
        let r = try Self.result()
        #expect(r.tests.map(\.passed) == [true, false, false, false])
        #expect(r.passRate == 0.25 && !r.passed)
        #expect(r.tests[3].error != nil)
    }

    @Test func consoleGolden() throws {
        let text = ConsoleReport(color: false).render(try Self.result())
        #expect(!text.contains("\u{1B}["), "plain output has no colour codes")
        try golden("console.txt", text)
        #expect(ConsoleReport(color: true).render(try Self.result()).contains("\u{1B}[32m✓"))
    }

    @Test func markdownGolden() throws {
        try golden("report.md", MarkdownReport.render(try Self.result()))
    }

    @Test func junitGoldenAndSchema() throws {
        let xml = JUnitReport.render(try Self.result(), timestamp: "2026-01-02T03:04:05", hostname: "ci-runner")
        try golden("junit.xml", xml)
        #expect(xml.contains("<failure message=\"2 of 3 assertions failed: ttft_ms, output_tokens\""))
        #expect(xml.contains("expected: p95 TTFT ≤ 300 ms"))
        #expect(xml.contains("answers about &lt;Tokyo&gt; &amp; &quot;Paris&quot;"))
        guard TestEnv.hasPython else {
            Issue.record("no interop Python (.venv): run `make pydeps` so that the JUnit schema check can run")
            return
        }
        let dir = TempDir()
        try xml.write(toFile: dir.file("junit.xml"), atomically: true, encoding: .utf8)
        let script = "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2]); print('valid')"
        let r = try runProcess(TestEnv.python, ["-c", script, TestEnv.path("Tests/ScoringTests/Fixtures/JUnit.xsd"), dir.file("junit.xml")])
        #expect(r.code == 0 && r.stdout.contains("valid"), "JUnit XSD validation failed: \(r.stderr)")
        // A document that breaks the schema is rejected, so the check is real.
        try xml.replacingOccurrences(of: " classname=", with: " klass=").write(toFile: dir.file("bad.xml"), atomically: true, encoding: .utf8)
        let bad = try runProcess(TestEnv.python, ["-c", script, TestEnv.path("Tests/ScoringTests/Fixtures/JUnit.xsd"), dir.file("bad.xml")])
        #expect(bad.code != 0 && bad.stderr.contains("XMLSchemaValidationError"), "\(bad.stderr)")
    }

    @Test func jsonReport() throws {
        let j = JSONReport.json(try Self.result(), toolVersion: "0.1.0")
        #expect(j["summary"]?["total"] == 4 && j["summary"]?["passed_suite"] == false)
        #expect(j["tests"]?[1]?["assertions"]?[0]?["expected"] == "p95 TTFT ≤ 300 ms")
        #expect(j["tests"]?[0]?["assertions"]?[0]?["location"] == "configs/suites/weather.yaml:9:9")
        // Round-trips through the JSON parser.
        #expect(try JSON.parse(j.prettyText()) == j)
    }

    @Test func htmlIsSelfContainedWithWaterfalls() throws {
        let r = try Self.result()
        let html = HTMLReport.render(r, views: ["runs/weather.cassette": AssertionFixtures.main.view])
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2, "one waterfall per trajectory")
        #expect(html.contains("class=\"wait\"") && html.contains("class=\"stream\"") && html.contains("class=\"gap\"") && html.contains("class=\"mcp\""))
        #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"))
        #expect(html.contains("answers about &lt;Tokyo&gt; &amp; &quot;Paris&quot;"))
        if let out = ProcessInfo.processInfo.environment["TAPEDECK_HTML_OUT"] { try html.write(toFile: out, atomically: true, encoding: .utf8) }
    }
}
