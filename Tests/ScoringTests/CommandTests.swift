import Cassette
import Foundation
import TestSupport
import Testing
@testable import Scoring

/// Writes exchanges as a cassette file, the way the recorder frames them.
func writeCassette(_ path: String, _ exchanges: [Exchange]) throws {
    let enc = CassetteEncoder(redactor: Redactor())
    var bytes: [UInt8] = []
    enc.append(.header(CassetteHeader(tool: "tapedeck test", createdUnixNs: 1_795_000_000_000_000_000)))
    for e in exchanges { enc.append(.exchange(e)) }
    bytes += enc.flush(endFrame: true)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// `tapedeck test`, `profile` and `diff` as users run them: the built binary, exit codes, files written.
@Suite(.serialized) struct CommandTests {
    func expectOneLineError(_ r: ProcessResult, code: Int32 = 2, contains: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(r.code == code, "exit \(r.code): \(r.stderr)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("tapedeck: error:") }
        #expect(lines.count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(contains), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
    }

    @Test func exampleSuitePassesAndWritesEveryReport() throws {
        let dir = TempDir()
        let r = try tapedeck(["test", TestEnv.path("configs/suites/example.yaml"), "--report", dir.file("agent")])
        #expect(r.code == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Total: 9 | Passed: 9 | Failed: 0"), "\(r.stdout)")
        for ext in ["json", "md", "html", "xml"] {
            #expect(FileManager.default.fileExists(atPath: dir.file("agent.\(ext)")), "agent.\(ext) not written")
        }
        let json = try JSON.parse(String(contentsOfFile: dir.file("agent.json"), encoding: .utf8))
        #expect(json["summary"]?["passed_suite"] == true)
        if TestEnv.hasPython {
            let v = try runProcess(TestEnv.python, ["-c", "import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
                                                    TestEnv.path("Tests/ScoringTests/Fixtures/JUnit.xsd"), dir.file("agent.xml")])
            #expect(v.code == 0, "the JUnit report does not validate: \(v.stderr)")
        }
    }

    @Test func failingSuiteExitsOne() throws {
        let dir = TempDir()
        try writeCassette(dir.file("run.cassette"), AgentScript.weatherAgent().build())
        try "cassette: run.cassette\ntests:\n  - name: strict\n    assertions:\n      - {type: turns, max: 1}\n      - {type: tool_called, tool: get_weather}\n"
            .write(toFile: dir.file("s.yaml"), atomically: true, encoding: .utf8)
        let r = try tapedeck(["test", dir.file("s.yaml"), "--format", "console,junit", "--report", dir.file("out")])
        expectOneLineError(r, code: 1, contains: "suite failed: 0 of 1 tests passed")
        #expect(r.stdout.contains("✗ turns: 3 LLM turns (expected ≤ 1)"))
        #expect(try String(contentsOfFile: dir.file("out.xml"), encoding: .utf8).contains("<failure"))
    }

    @Test func successRateDecidesTheExitCode() throws {
        let dir = TempDir()
        try writeCassette(dir.file("run.cassette"), AgentScript.weatherAgent().build())
        let yaml = """
            cassette: run.cassette
            criteria: {success_rate: 0.5}
            tests:
              - name: passes
                assertions: [{type: tool_called, tool: get_weather}]
              - name: fails
                assertions: [{type: tool_called, tool: get_radar}]
            """
        try yaml.write(toFile: dir.file("s.yaml"), atomically: true, encoding: .utf8)
        let r = try tapedeck(["test", dir.file("s.yaml")])
        #expect(r.code == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Pass rate: 50.0% (required 50.0%) | PASS"))
        try yaml.replacingOccurrences(of: "0.5", with: "0.75").write(toFile: dir.file("s.yaml"), atomically: true, encoding: .utf8)
        #expect(try tapedeck(["test", dir.file("s.yaml")]).code == 1)
    }

    /// Bad input: one line naming file, line and column, exit 2.
    @Test(arguments: [
        ("cassette: run.cassette\ntests:\n  - name: a\n    assertions:\n      - type: tool_caled\n        tool: x\n",
         "s.yaml:5:15: unknown assertion type 'tool_caled'; known types: tool_called, tool_not_called, tool_call_count"),
        ("cassette: nowhere.cassette\ntests:\n  - name: a\n    assertions: [{type: turns, max: 1}]\n", "s.yaml:1:11: cassette 'nowhere.cassette' not found"),
        ("cassette: run.cassette\ntests:\n  - name: a\n    cassette: gone.cassette\n    assertions: [{type: turns, max: 1}]\n", "s.yaml:4:15: cassette 'gone.cassette' not found"),
        ("cassette: run.cassette\ntests:\n  - name: a\n    assertions:\n      - type: tool_result_matches_json\n        tool: t\n        path: \"$.x[\"\n        value: 1\n",
         "s.yaml:7:15: bad JSONPath '$.x['"),
        ("cassette: run.cassette\ntests:\n  - name: a\n    assertions:\n      - type: ttft_ms\n        percentile: 100.5\n        max: 3\n", "s.yaml:6:21: bad percentile '100.5'"),
        ("cassette: run.cassette\ntests:\n  - name: a\n    assertions:\n      - type: turns\n        max: 3\n     bad: indent\n", "s.yaml:7:"),
        ("cassette: run.cassette\nbaseline: old.cassette\ntests:\n  - name: a\n    assertions: [{type: system_prompt_unchanged}]\n", "s.yaml:2:11: cassette 'old.cassette' not found"),
    ])
    func badSuiteIsOneLineExit2(_ yaml: String, _ message: String) throws {
        let dir = TempDir()
        try writeCassette(dir.file("run.cassette"), AgentScript.weatherAgent().build())
        try yaml.write(toFile: dir.file("s.yaml"), atomically: true, encoding: .utf8)
        let r = try tapedeck(["test", "s.yaml"], cwd: dir.path)
        expectOneLineError(r, contains: message)
    }

    @Test func badCommandLine() throws {
        expectOneLineError(try tapedeck(["test", "/nonexistent/suite.yaml"]), contains: "suite file '/nonexistent/suite.yaml' not found")
        expectOneLineError(try tapedeck(["test", TestEnv.path("configs/suites/example.yaml"), "--format", "pdf", "--report", "/tmp/x"]),
                           contains: "unknown report format 'pdf'")
        expectOneLineError(try tapedeck(["test", TestEnv.path("configs/suites/example.yaml"), "--format", "html"]), contains: "give --report PATH")
        let dir = TempDir()
        try "not a cassette at all".write(toFile: dir.file("junk.cassette"), atomically: true, encoding: .utf8)
        try "cassette: junk.cassette\ntests:\n  - name: a\n    assertions: [{type: turns, max: 1}]\n".write(toFile: dir.file("s.yaml"), atomically: true, encoding: .utf8)
        expectOneLineError(try tapedeck(["test", dir.file("s.yaml")]), contains: "cassette 'junk.cassette': not a tapedeck cassette")
    }

    @Test func aFailingAgentIsATestOfItsOwn() throws {
        let r = SuiteRunner.run(try SuiteParser.parse("run:\n  command: exit 7\n  record: true\ntests:\n  - name: t\n    assertions: [{type: turns, min: 0}]\n", file: "s.yaml"),
                                views: [:], unreadable: ["fresh run": "no cassette"], fresh: "fresh run", context: EvaluationContext(),
                                agentRun: AgentRunOutcome(command: "exit 7", exitCode: 7, cassette: "/tmp/x", seconds: 0.1, diverged: false, stderrTail: "boom"))
        #expect(r.tests.map(\.name) == ["agent run", "t"])
        #expect(r.tests[0].error == "exit 7: the agent exited with code 7; last output: boom")
        #expect(!r.passed)
    }

    @Test func profileCommand() throws {
        let dir = TempDir()
        try writeCassette(dir.file("run.cassette"), AgentScript.weatherAgent().build() + AgentScript.weatherAgent(trajectory: "traj-2", startMs: 9000, idPrefix: "y").build())
        let r = try tapedeck(["profile", dir.file("run.cassette"), "--html", dir.file("p.html")], cwd: TestEnv.repoRoot)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("trajectories 2, LLM turns 6"))
        #expect(r.stdout.contains("get_forecast"))
        #expect(try String(contentsOfFile: dir.file("p.html"), encoding: .utf8).contains("<svg"))
        let j = try tapedeck(["profile", dir.file("run.cassette"), "--json"], cwd: TestEnv.repoRoot)
        let doc = try JSON.parse(j.stdout)
        #expect(doc["turns"] == 6 && doc["tools"]?[0]?["mcp_calls"] == 2)
        #expect(doc["cost_usd"]?.doubleValue ?? 0 > 0, "priced from configs/prices.yaml")
        expectOneLineError(try tapedeck(["profile", dir.file("none.cassette")]), contains: "not found")
    }

    @Test func diffCommandGatesBehaviourAndCost() throws {
        let dir = TempDir()
        try writeCassette(dir.file("base.cassette"), AgentScript.weatherAgent().build())
        var changed = AgentScript.weatherAgent(answer: "Paris: 18 C, sunny.")
        changed.steps[1].calls[0].args = .obj([("city", "Paris"), ("days", 5)])
        changed.steps.insert(AgentScript.Step(calls: [AgentScript.Call(name: "get_weather", args: .obj([("city", "Lyon")]), result: AgentScript.weather("Lyon", 17))]), at: 1)
        try writeCassette(dir.file("new.cassette"), changed.build())
        let same = try tapedeck(["diff", dir.file("base.cassette"), dir.file("base.cassette"), "--fail-on", "tool_sequence:changed,ttft_p95:+10%"])
        #expect(same.code == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("behaviour: unchanged"))
        let r = try tapedeck(["diff", dir.file("base.cassette"), dir.file("new.cassette"), "--fail-on", "tool_sequence:changed,output_tokens:+500%",
                              "--markdown", dir.file("diff.md")])
        let md = try String(contentsOfFile: dir.file("diff.md"), encoding: .utf8)
        #expect(md.hasPrefix("## ❌ tapedeck diff") && md.contains("```diff\n  get_weather\n+ get_weather"), "\(md)")
        expectOneLineError(r, code: 1, contains: "1 gate(s) tripped: tool_sequence:changed")
        #expect(r.stdout.contains("+ get_weather"))
        #expect(r.stdout.contains("param get_forecast #1: days: 3 → 5"))
        #expect(r.stdout.contains("output: - 'It is 18 C"))
        #expect(r.stdout.contains("✓ output_tokens:"))
        expectOneLineError(try tapedeck(["diff", dir.file("base.cassette"), dir.file("new.cassette"), "--fail-on", "ttft_p95"]), contains: "bad gate 'ttft_p95'")
        expectOneLineError(try tapedeck(["diff", dir.file("base.cassette"), dir.file("new.cassette"), "--fail-on", "vibes_p95:+1%"]), contains: "unknown metric 'vibes_p95'")
        expectOneLineError(try tapedeck(["diff", dir.file("base.cassette"), dir.file("missing.cassette")]), contains: "not found")
    }
}
