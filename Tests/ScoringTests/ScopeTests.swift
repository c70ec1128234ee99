import Cassette
import Testing
@testable import Scoring

@Suite struct ScopeTests {
    func eval(_ yaml: String, defaultScope: Scope = .run) throws -> AssertionResult {
        Evaluator.evaluate(try AssertionFixtures.spec(yaml), on: .run(AssertionFixtures.main.view), defaultScope: defaultScope,
                           context: AssertionFixtures.context)
    }

    @Test func scopesNarrowTheSubject() throws {
        // Every turn of both trajectories is checked; the failing ones are listed.
        let r = try eval("type: output_tokens\nmax: 15\nscope: turn")
        #expect(!r.passed)
        #expect(r.message.hasPrefix("failed in 2 of 6 turns"))
        #expect(r.children.map(\.scope) == ["traj-1 turn 2", "traj-2 turn 2"])
        // `match: any` needs one.
        #expect(try eval("type: output_tokens\nmax: 15\nscope: turn\nmatch: any").passed)
        // Selectors pick a trajectory or a turn.
        #expect(try eval("type: output_contains\nvalue: Tokyo\ntrajectory: traj-2").passed)
        #expect(try !eval("type: output_contains\nvalue: Tokyo\ntrajectory: 0").passed)
        #expect(try eval("type: tool_called\ntool: get_forecast\nturn: 1").passed)
        #expect(try eval("type: finish_reason\nvalue: tool_calls\nturn: first").passed)
        #expect(try eval("type: finish_reason\nvalue: stop\nturn: last").passed)
        let none = try eval("type: turns\nmax: 1\ntrajectory: nope")
        #expect(!none.passed && none.message.contains("selector matched none"))
    }

    @Test func testDefaultScopeApplies() throws {
        #expect(try eval("type: turns\nequals: 3", defaultScope: .trajectory).passed)
        #expect(try !eval("type: turns\nequals: 3", defaultScope: .run).passed)
        // An explicit scope wins over the test's default.
        #expect(try eval("type: turns\nequals: 6\nscope: run", defaultScope: .trajectory).passed)
    }

    @Test func combinatorsNest() throws {
        let yaml = """
            allOf:
              - anyOf:
                  - type: tool_called
                    tool: keyboard_control
                  - type: tool_called
                    tool: get_weather
              - not:
                  allOf:
                    - type: output_contains
                      value: error
                    - type: tool_not_called
                      tool: get_forecast
              - type: no_error_messages
            """
        let r = try eval(yaml)
        #expect(r.passed, "\(r.message)")
        #expect(r.children.count == 3 && r.children[0].children.map(\.passed) == [false, true])
        #expect(try !eval("not:\n  type: tool_called\n  tool: get_weather").passed)
        #expect(try eval("not:\n  type: tool_called\n  tool: nope").passed)
        #expect(try !eval("anyOf:\n  - {type: tool_called, tool: a}\n  - {type: tool_called, tool: b}").passed)
    }

    @Test func combinatorAtTurnScopeJudgesEachTurn() throws {
        // Each turn either called get_weather or get_forecast, or answered with text.
        let yaml = """
            scope: turn
            anyOf:
              - {type: tool_called, tool: get_weather}
              - {type: tool_called, tool: get_forecast}
              - {type: output_regex, pattern: "C"}
            """
        #expect(try eval(yaml).passed)
        let strict = "scope: turn\nanyOf:\n  - {type: tool_called, tool: get_weather}\n  - {type: tool_called, tool: get_forecast}\n"
        let r = try eval(strict)
        #expect(!r.passed && r.message.hasPrefix("failed in 2 of 6 turns"))
    }
}
