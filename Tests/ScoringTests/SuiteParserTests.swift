import Cassette
import Testing
@testable import Scoring

@Suite struct SuiteParserTests {
    static let suite = """
        name: weather agent
        cassettes:
          - runs/paris.cassette
        baseline: runs/baseline.cassette
        criteria:
          success_rate: 0.75
        tests:
          - name: uses the weather tool
            assertions:
              - type: tool_called
                tool: get_weather
              - anyOf:
                  - type: tool_called
                    tool: get_forecast
                  - not:
                      type: output_contains
                      value: error
          - name: fast enough
            scope: trajectory
            assertions:
              - type: ttft_ms
                percentile: p95
                max: 2000
              - type: turns
                max: 8
        """

    @Test func parsesAFullSuite() throws {
        let s = try SuiteParser.parse(Self.suite, file: "suite.yaml")
        #expect(s.name == "weather agent")
        #expect(s.cassettes.map(\.path) == ["runs/paris.cassette"])
        #expect(s.cassettes[0].location == SourceLocation(file: "suite.yaml", line: 3, column: 5))
        #expect(s.baseline?.path == "runs/baseline.cassette")
        #expect(s.successRate == 0.75)
        #expect(s.tests.map(\.name) == ["uses the weather tool", "fast enough"])
        #expect(s.tests[1].scope == .trajectory)
        guard case .anyOf(let alts) = s.tests[0].assertions[1].kind else { Issue.record("anyOf not parsed"); return }
        guard case .not(let inner) = alts[1].kind, case .check(.outputContains("error")) = inner.kind else { Issue.record("not not parsed"); return }
        guard case .check(.ttftMs(let p, let b)) = s.tests[1].assertions[0].kind else { Issue.record("ttft not parsed"); return }
        #expect(p == 95 && b.max == 2000)
        #expect(s.tests[0].assertions[0].location.line == 10)
    }

    @Test func agentBenchmarkSessionsAreAccepted() throws {
        let yaml = """
            cassette: run.cassette
            criteria:
              success_rate: "80%"
            sessions:
              - name: File Operations
                tests:
                  - name: Create a file
                    prompt: "Create a file"
                    assertions:
                      - type: tool_called
                        tool: write_file
                      - type: tool_param_equals
                        tool: write_file
                        params:
                          config.retry.max_attempts: "3"
            """
        let s = try SuiteParser.parse(yaml, file: "ab.yaml")
        #expect(s.tests.map(\.name) == ["File Operations / Create a file"])
        #expect(s.successRate == 0.8)
        #expect(s.name == "ab")
    }

    @Test func runBlock() throws {
        let yaml = """
            run:
              command: python agent.py --city Paris
              replay: agent.cassette
              mode: none
              timeout: 60
              env: {CITY: Paris}
            tests:
              - name: t
                assertions: [{type: turns, max: 5}]
            """
        let s = try SuiteParser.parse(yaml, file: "r.yaml")
        let r = try #require(s.run)
        #expect(r.shell && r.command == ["python agent.py --city Paris"])
        #expect(r.mode == .replay(PathRef(path: "agent.cassette", location: SourceLocation(file: "r.yaml", line: 3, column: 11))))
        #expect(r.replayMode == "none" && r.timeoutSeconds == 60 && r.env == ["CITY": "Paris"])
    }

    /// Bad suites: each error is one line, starting `file:line:column:`.
    @Test(arguments: [
        ("tests:\n  - name: a\n    assertions:\n      - type: tool_caled\n        tool: x\ncassette: a.cassette\n", "s.yaml:4:15: unknown assertion type 'tool_caled'; known types: tool_called"),
        ("cassette: a.cassette\ntests:\n  - name: a\n    assertions:\n      - type: tool_result_matches_json\n        tool: t\n        path: \"$.a[\"\n", "s.yaml:7:15: bad JSONPath '$.a['"),
        ("cassette: a.cassette\ntests:\n  - name: a\n    assertions:\n      - type: ttft_ms\n        percentile: 250\n        max: 3\n", "s.yaml:6:21: bad percentile '250'"),
        ("cassette: a.cassette\ntests:\n  - name: a\n    assertions:\n      - type: turns\n        max: [\n", "s.yaml:7:1: invalid YAML"),
        ("cassette: a.cassette\ntests:\n  - name: a\n    assertions: []\n", "s.yaml:4:17: test 'a' needs a non-empty 'assertions:' list"),
        ("cassette: a.cassette\ntest:\n  - name: a\n", "s.yaml:2:1: unknown key 'test' in the suite; allowed:"),
        ("tests:\n  - name: a\n    assertions: [{type: turns, max: 1}]\n", "s.yaml:1:1: nothing to judge"),
        ("cassette: a.cassette\ncriteria: {success_rate: 1.5}\ntests:\n  - name: a\n    assertions: [{type: turns, max: 1}]\n", "s.yaml:2:26: 'success_rate' must be a ratio"),
        ("cassette: a.cassette\ntests:\n  - name: a\n    assertions: [{type: turns, max: 1}]\n  - name: a\n    assertions: [{type: turns, max: 1}]\n", "s.yaml:5:5: duplicate test name 'a'"),
        ("cassette: a.cassette\ntests:\n  - name: a\n    scope: turn\n    assertions:\n      - anyOf:\n          - type: turns\n            max: 1\n            scope: run\n", "s.yaml:7:13: scope 'run' inside a 'turn'-scoped combinator"),
        ("run:\n  command: x\ntests:\n  - name: a\n    assertions: [{type: turns, max: 1}]\n", "s.yaml:2:3: 'run' needs 'replay: CASSETTE'"),
        ("", "s.yaml:1:1: the file is empty"),
    ])
    func badSuitesNameFileLineAndColumn(_ yaml: String, _ expected: String) {
        do {
            _ = try SuiteParser.parse(yaml, file: "s.yaml")
            Issue.record("accepted a bad suite")
        } catch {
            #expect(error.description.hasPrefix(expected), "got: \(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func jsonPathSyntax() throws {
        let doc: JSON = ["data": ["users": [["name": "a", "tags": ["x"]], ["name": "b"]], "n": 3]]
        #expect(try JSONPath("$.data.users[1].name").select(doc) == ["b"])
        #expect(try JSONPath("$.data.users[-1].name").select(doc) == ["b"])
        #expect(try JSONPath("$['data']['n']").select(doc) == [3])
        #expect(try JSONPath("$.data.users[*].name").select(doc) == ["a", "b"])
        #expect(try JSONPath("$..name").select(doc) == ["a", "b"])
        #expect(try JSONPath("data.n").select(doc) == [3])
        #expect(try JSONPath("$").select(doc) == [doc])
        for bad in ["", "$.", "$..", "$.a[", "$.a[x]", "$.a['b", "$a", ".a"] {
            #expect(throws: JSONPath.ParseError.self, "\(bad)") { try JSONPath(bad) }
        }
    }

    @Test func priceTable() throws {
        let t = try PriceTable.parse("models:\n  gpt-4o-mini: {input: 0.15, cached_input: 0.075, output: 0.6}\n  claude-*: {input: 3, output: 15}\n", file: "p.yaml")
        #expect(t.price(for: "gpt-4o-mini-2024-07-18")?.output == 0.6)
        #expect(t.price(for: "claude-sonnet-4")?.cachedInput == 3)
        #expect(t.price(for: "llama") == nil)
        #expect(throws: ConfigError.self) { try PriceTable.parse("models:\n  m: {input: cheap, output: 1}\n", file: "p.yaml") }
    }
}
