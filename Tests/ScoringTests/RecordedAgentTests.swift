import Cassette
import Foundation
import Proxy
import TestSupport
import Testing
@testable import Scoring

/// End to end with real parts: the openai SDK agent in Fixtures/weather_agent.py runs under
/// `tapedeck run --record` against `tapedeck sim` (script mode) on loopback, and the cassette
/// Tapedeck records is judged — by a suite whose `run:` block starts the agent, and by every
/// assertion type directly.
@Suite(.serialized) struct RecordedAgentTests {
    /// Whether this build has `tapedeck run` (the recording proxy) and the interop Python.
    static let canRecord: Bool = {
        guard TestEnv.hasPython, let r = try? tapedeck(["run", "--help"]) else { return false }
        return r.code == 0 && r.stdout.contains("--record")
    }()

    /// Whether `tapedeck run` can also replay (offline replay).
    static let canReplay: Bool = {
        guard canRecord, let r = try? tapedeck(["run", "--help"]) else { return false }
        return r.stdout.contains("--replay")
    }()

    static let agent = TestEnv.path("Tests/ScoringTests/Fixtures/weather_agent.py")
    static let script = TestEnv.path("Tests/ScoringTests/Fixtures/weather-script.yaml")

    /// Starts the simulator on a free port; returns it and its base URL (without /v1).
    func startSim() throws -> (BackgroundProcess, String) {
        let sim = try BackgroundProcess.tapedeck(["sim", "--listen", "127.0.0.1:0", "--script", Self.script, "--seed", "0"])
        #expect(sim.waitFor("listening on http://127.0.0.1:"), "sim did not start: \(sim.stderr)")
        let text = sim.stdout + sim.stderr
        guard let r = text.range(of: "http://127.0.0.1:[0-9]+", options: .regularExpression) else {
            throw CLIFailure(message: "no simulator URL in: \(text)")
        }
        return (sim, String(text[r]))
    }

    struct CLIFailure: Error { let message: String }

    /// Records the agent once into `path`.
    func record(_ path: String, sim: String, question: String = "What is the weather in Paris?", env: [String: String] = [:]) throws {
        let r = try tapedeck(["run", "--record", path, "--upstream", sim, "--", TestEnv.python, Self.agent, question],
                             env: env.merging(["OPENAI_API_KEY": "sk-test-not-a-real-key-0000000000"]) { a, _ in a })
        #expect(r.code == 0, "recording failed: \(r.stderr)")
    }

    @Test(.enabled(if: canRecord)) func suiteRunsTheAgentUnderTapedeckRunRecord() throws {
        let (sim, url) = try startSim()
        defer { sim.stop() }
        let dir = TempDir()
        let suite = """
            name: weather agent, recorded live
            run:
              command: [\(TestEnv.python), \(Self.agent)]
              record: true
              upstream: \(url)
              output: fresh.cassette
              timeout: 120
              env: {OPENAI_API_KEY: sk-test-not-a-real-key-0000000000}
            tests:
              - name: looks up the weather, then the forecast
                assertions:
                  - {type: tool_call_order, sequence: [get_weather, get_forecast], mode: exact}
                  - {type: tool_param_equals, tool: get_weather, params: {city: Paris}}
                  - {type: tool_result_matches_json, tool: get_forecast, path: "$.days[0].hi", value: 20}
                  - {type: output_contains, value: "18 C"}
                  - {type: no_error_messages}
            """
        try suite.write(toFile: dir.file("suite.yaml"), atomically: true, encoding: .utf8)
        let r = try tapedeck(["test", dir.file("suite.yaml"), "--report", dir.file("out"), "--format", "console,junit"])
        #expect(r.code == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("agent  \(TestEnv.python) \(Self.agent)"))
        #expect(r.stdout.contains("Total: 1 | Passed: 1 | Failed: 0"))
        #expect(FileManager.default.fileExists(atPath: dir.file("fresh.cassette")))
        #expect(try String(contentsOfFile: dir.file("out.xml"), encoding: .utf8).contains("agent_exit_code\" value=\"0\""))
    }

    /// Offline: the suite replays the recorded agent with the simulator stopped, judges the fresh
    /// cassette, and exits 3 when the agent's requests depart from the recording.
    @Test(.enabled(if: canReplay)) func suiteReplaysTheAgentOfflineAndExits3OnDivergence() throws {
        let dir = TempDir()
        do {
            let (sim, url) = try startSim()
            defer { sim.stop() }
            try record(dir.file("agent.cassette"), sim: url)
        }
        func suite(_ args: String) -> String {
            """
            name: weather agent, replayed offline
            run:
              command: [\(TestEnv.python), \(Self.agent)\(args)]
              replay: agent.cassette
              mode: none
              output: fresh.cassette
              timeout: 120
              env: {OPENAI_API_KEY: sk-dummy-for-replay-0000000000}
            tests:
              - name: same behaviour as recorded
                assertions:
                  - {type: tool_call_order, sequence: [get_weather, get_forecast], mode: exact}
                  - {type: output_contains, value: "18 C"}
            """
        }
        try suite("").write(toFile: dir.file("suite.yaml"), atomically: true, encoding: .utf8)
        let ok = try tapedeck(["test", dir.file("suite.yaml")])
        #expect(ok.code == 0, "\(ok.stdout)\n\(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.file("fresh.cassette")))
        // A changed system prompt is a replay miss: the suite reports it and exits 3.
        try suite(", \"What is the weather in Paris?\", \"You are a different agent.\"").write(toFile: dir.file("suite.yaml"), atomically: true, encoding: .utf8)
        let diverged = try tapedeck(["test", dir.file("suite.yaml")])
        #expect(diverged.code == 3, "\(diverged.stdout)\n\(diverged.stderr)")
        #expect(diverged.stdout.contains("replay diverged"))
    }

    /// Every assertion type, holding and failing, on the cassette Tapedeck recorded from the SDK agent.
    @Test(.enabled(if: canRecord)) func everyAssertionTypeOnARecordedCassette() throws {
        let (sim, url) = try startSim()
        defer { sim.stop() }
        let dir = TempDir()
        try record(dir.file("run.cassette"), sim: url)
        try record(dir.file("base.cassette"), sim: url)
        // A run with a failed request (the simulator's injected 503, retried) and a tool the request never offered.
        try record(dir.file("faulty.cassette"), sim: url, question: "Show me the radar for Paris", env: ["WEATHER_AGENT_FAULT": "error=503"])
        let faulty = CassetteView(records: try CassetteFile.readAll(path: dir.file("faulty.cassette")).records)
        let (records, report) = try CassetteFile.readAll(path: dir.file("run.cassette"))
        #expect(report.issue == nil)
        let view = CassetteView(records: records)
        let base = CassetteView(records: try CassetteFile.readAll(path: dir.file("base.cassette")).records)
        #expect(view.trajectories.count == 1 && view.turns.count == 3)
        let prices = PriceTable(models: [("tiny", .init(input: 1, output: 2))], source: "test")
        let context = EvaluationContext(baselines: ["base": base, "synthetic": AssertionFixtures.main.view], defaultBaseline: "base", prices: prices)
        for c in Self.cases {
            let spec = try AssertionFixtures.spec(c.yaml)
            let r = Evaluator.evaluate(spec, on: .run(c.fixture == .withErrors ? faulty : view), context: context)
            #expect(r.passed == c.holds, "\(c.yaml.replacingOccurrences(of: "\n", with: " ")) → \(r.message)")
        }
        for type in AssertionParser.knownTypes {
            let mine = Self.cases.filter { $0.yaml.hasPrefix("type: \(type)\n") || $0.yaml == "type: \(type)" }
            #expect(mine.contains { $0.holds } && mine.contains { !$0.holds }, "\(type) lacks a holding or a failing case on the recorded cassette")
        }
    }

    /// Cases for the recorded weather agent: get_weather(Paris, metric) → get_forecast(Paris, 3) → answer;
    /// `fixture: .withErrors` marks the cases judged on the faulty recording instead.
    /// Timing bounds are extreme on purpose (0 or a minute), so that a busy machine cannot flip them.
    static let cases: [Case] = [
        Case(yaml: "type: tool_called\ntool: get_weather", holds: true),
        Case(yaml: "type: tool_called\ntool: get_radar", holds: false),
        Case(yaml: "type: tool_not_called\ntool: get_radar", holds: true),
        Case(yaml: "type: tool_not_called\ntool: get_forecast", holds: false),
        Case(yaml: "type: tool_call_count\ncount: 2", holds: true),
        Case(yaml: "type: tool_call_count\ntool: get_weather\ncount: 2", holds: false),
        Case(yaml: "type: tool_call_order\nsequence: [get_weather, get_forecast]\nmode: exact", holds: true),
        Case(yaml: "type: tool_call_order\nsequence: [get_forecast, get_weather]", holds: false),
        Case(yaml: "type: tool_param_equals\ntool: get_forecast\nparams: {city: Paris, days: 3}", holds: true),
        Case(yaml: "type: tool_param_equals\ntool: get_forecast\nparams: {days: 5}", holds: false),
        Case(yaml: "type: tool_param_matches_regex\ntool: get_weather\nparams: {units: \"^met\"}", holds: true),
        Case(yaml: "type: tool_param_matches_regex\ntool: get_weather\nparams: {city: \"^Lon\"}", holds: false),
        Case(yaml: "type: tool_result_matches_json\ntool: get_weather\npath: $.wind.dir\nvalue: NW", holds: true),
        Case(yaml: "type: tool_result_matches_json\ntool: get_weather\npath: $.temp_c\nvalue: 30", holds: false),
        Case(yaml: "type: output_contains\nvalue: sunny in Paris", holds: true),
        Case(yaml: "type: output_contains\nvalue: raining", holds: false),
        Case(yaml: "type: output_not_contains\nvalue: raining", holds: true),
        Case(yaml: "type: output_not_contains\nvalue: Paris", holds: false),
        Case(yaml: "type: output_regex\npattern: \"[0-9]+ C\"", holds: true),
        Case(yaml: "type: output_regex\npattern: \"^Snow\"", holds: false),
        Case(yaml: "type: max_tokens\nvalue: 100000", holds: true),
        Case(yaml: "type: max_tokens\nvalue: 10", holds: false),
        Case(yaml: "type: max_latency_ms\nvalue: 60000", holds: true),
        Case(yaml: "type: max_latency_ms\nvalue: 0", holds: false),
        Case(yaml: "type: no_error_messages", holds: true),
        Case(yaml: "type: no_error_messages", holds: false, fixture: .withErrors),
        Case(yaml: "type: no_hallucinated_tools", holds: true),
        Case(yaml: "type: no_hallucinated_tools", holds: false, fixture: .withErrors),
        Case(yaml: "type: ttft_ms\npercentile: 95\nmax: 60000", holds: true),
        Case(yaml: "type: ttft_ms\nmax: 0", holds: false),
        Case(yaml: "type: output_speed\nmin: 0.001", holds: true),
        Case(yaml: "type: output_speed\nmin: 100000000", holds: false),
        Case(yaml: "type: input_tokens\nmin: 1", holds: true),
        Case(yaml: "type: input_tokens\nmax: 1", holds: false),
        Case(yaml: "type: output_tokens\nmin: 1\nscope: turn", holds: true),
        Case(yaml: "type: output_tokens\nmax: 1", holds: false),
        Case(yaml: "type: cached_tokens\nmin: 0", holds: true),
        Case(yaml: "type: cached_tokens\nmin: 1000000", holds: false),
        Case(yaml: "type: reasoning_tokens\nequals: 0", holds: true),
        Case(yaml: "type: reasoning_tokens\nmin: 1", holds: false),
        Case(yaml: "type: cost_usd\nmax: 1", holds: true),
        Case(yaml: "type: cost_usd\nmax: 0", holds: false),
        Case(yaml: "type: finish_reason\nvalue: stop", holds: true),
        Case(yaml: "type: finish_reason\nvalue: tool_calls\nturn: last", holds: false),
        Case(yaml: "type: request_param\nparam: model\nequals: tiny", holds: true),
        Case(yaml: "type: request_param\nparam: temperature\nequals: 0.9", holds: false),
        Case(yaml: "type: system_prompt_unchanged", holds: true),
        Case(yaml: "type: system_prompt_unchanged\nbaseline: synthetic", holds: false),
        Case(yaml: "type: tools_unchanged", holds: true),
        Case(yaml: "type: tools_unchanged\nbaseline: synthetic", holds: false),
        Case(yaml: "type: mcp_method_sequence\nsequence: []\nmode: exact", holds: true),
        Case(yaml: "type: mcp_method_sequence\nsequence: [tools/call]", holds: false),
        Case(yaml: "type: turns\nequals: 3", holds: true),
        Case(yaml: "type: turns\nmax: 2", holds: false),
        Case(yaml: "type: tool_gap_ms\nmax: 60000", holds: true),
        Case(yaml: "type: tool_gap_ms\ntool: get_weather\nmax: 0", holds: false),
    ]
}
