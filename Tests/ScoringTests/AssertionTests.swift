import Cassette
import Foundation
import Testing
@testable import Scoring

/// One assertion written as YAML, the fixture it is judged on, and whether it must hold.
struct Case: Sendable, CustomTestStringConvertible {
    let yaml: String
    let holds: Bool
    var fixture: AssertionFixtures = .main
    var testDescription: String { "\(holds ? "holds" : "fails"): \(yaml.replacingOccurrences(of: "\n", with: " "))" }
}

/// A malformed assertion and a piece of the error it must raise.
struct Malformed: Sendable, CustomTestStringConvertible {
    let yaml: String
    let error: String
    var testDescription: String { "\(error) ← \(yaml.replacingOccurrences(of: "\n", with: " "))" }
}

@Suite struct AssertionTests {
    /// A passing and a failing case for every assertion type (more where modes differ).
    static let cases: [Case] = [
        Case(yaml: "type: tool_called\ntool: get_weather", holds: true),
        Case(yaml: "type: tool_called\ntool: delete_city", holds: false),
        Case(yaml: "type: tool_not_called\ntool: delete_city", holds: true),
        Case(yaml: "type: tool_not_called\ntool: get_forecast", holds: false),
        Case(yaml: "type: tool_call_count\ntool: get_weather\ncount: 2", holds: true),
        Case(yaml: "type: tool_call_count\ncount: 4", holds: true),
        Case(yaml: "type: tool_call_count\ntool: get_weather\ncount: 3", holds: false),
        Case(yaml: "type: tool_call_count\nmax: 1\nscope: trajectory\ntool: get_forecast", holds: true),
        Case(yaml: "type: tool_call_order\nsequence: [get_weather, get_forecast]", holds: true),
        Case(yaml: "type: tool_call_order\nsequence: [get_weather, get_forecast]\nmode: exact\nscope: trajectory", holds: true),
        Case(yaml: "type: tool_call_order\nsequence: [get_forecast, get_weather]\nscope: trajectory", holds: false),
        Case(yaml: "type: tool_call_order\nsequence: [get_weather]\nmode: in_order", holds: false),
        Case(yaml: "type: tool_call_order\nsequence: [get_weather, get_weather]\nmode: in_order", holds: true),
        Case(yaml: "type: tool_call_order\nsequence: [get_weather]\nmode: exact", holds: false),
        Case(yaml: "type: tool_param_equals\ntool: get_weather\nparams:\n  city: Paris\n  opts.detail: 2", holds: true),
        Case(yaml: "type: tool_param_equals\ntool: get_weather\nparams:\n  opts.detail: \"2\"", holds: true),
        Case(yaml: "type: tool_param_equals\ntool: get_forecast\nparams:\n  days: 3.0", holds: true),
        Case(yaml: "type: tool_param_equals\ntool: get_weather\nparams:\n  city: Paris\n  units: imperial", holds: false),
        Case(yaml: "type: tool_param_equals\ntool: get_weather\nparams:\n  opts.detail: true", holds: false),
        Case(yaml: "type: tool_param_matches_regex\ntool: get_weather\nparams:\n  city: \"^P.*s$\"", holds: true),
        Case(yaml: "type: tool_param_matches_regex\ntool: get_weather\nparams:\n  units: \"^imp\"", holds: false),
        Case(yaml: "type: tool_result_matches_json\ntool: get_weather\npath: $.wind.kmh\nvalue: 12", holds: true),
        Case(yaml: "type: tool_result_matches_json\ntool: get_forecast\npath: $.days[1].hi\nvalue: 22", holds: true),
        Case(yaml: "type: tool_result_matches_json\ntool: get_forecast\npath: $..hi\nvalue: 19", holds: true),
        Case(yaml: "type: tool_result_matches_json\ntool: get_weather\npath: $.temp_c\nvalue: 40", holds: false),
        Case(yaml: "type: tool_result_matches_json\ntool: get_weather\npath: $.humidity", holds: false),
        Case(yaml: "type: output_contains\nvalue: \"18 C\"", holds: true),
        Case(yaml: "type: output_contains\nvalue: snow", holds: false),
        Case(yaml: "type: output_not_contains\nvalue: snow", holds: true),
        Case(yaml: "type: output_not_contains\nvalue: sunny", holds: false),
        Case(yaml: "type: output_regex\npattern: \"[0-9]+ C\"", holds: true),
        Case(yaml: "type: output_regex\npattern: \"^Snow\"", holds: false),
        Case(yaml: "type: max_tokens\nvalue: 1000000", holds: true),
        Case(yaml: "type: max_tokens\nvalue: 10", holds: false),
        Case(yaml: "type: max_latency_ms\nvalue: 10000000", holds: true),
        Case(yaml: "type: max_latency_ms\nvalue: 100", holds: false),
        Case(yaml: "type: no_error_messages", holds: true),
        Case(yaml: "type: no_error_messages", holds: false, fixture: .withErrors),
        Case(yaml: "type: no_hallucinated_tools", holds: true),
        Case(yaml: "type: no_hallucinated_tools", holds: false, fixture: .hallucinated),
        Case(yaml: "type: ttft_ms\npercentile: 95\nmax: 1000", holds: true),
        Case(yaml: "type: ttft_ms\npercentile: p50\nmax: 100", holds: false),
        Case(yaml: "type: output_speed\npercentile: 50\nmin: 10", holds: true),
        Case(yaml: "type: output_speed\nmin: 1000", holds: false),
        Case(yaml: "type: input_tokens\nmax: 1000000", holds: true),
        Case(yaml: "type: input_tokens\nmax: 10", holds: false),
        Case(yaml: "type: output_tokens\nmin: 1", holds: true),
        Case(yaml: "type: output_tokens\nmax: 2\nscope: turn", holds: false),
        Case(yaml: "type: cached_tokens\nmin: 1", holds: true),
        Case(yaml: "type: cached_tokens\nequals: 0", holds: false),
        Case(yaml: "type: reasoning_tokens\nequals: 6", holds: true),
        Case(yaml: "type: reasoning_tokens\nmax: 0", holds: false),
        Case(yaml: "type: cost_usd\nmax: 1", holds: true),
        Case(yaml: "type: cost_usd\nmax: 0.0000001", holds: false),
        Case(yaml: "type: finish_reason\nvalue: stop", holds: true),
        Case(yaml: "type: finish_reason\nvalue: [tool_calls, stop]\nscope: turn", holds: true),
        Case(yaml: "type: finish_reason\nvalue: length", holds: false),
        Case(yaml: "type: request_param\nparam: model\nequals: gpt-4o-mini", holds: true),
        Case(yaml: "type: request_param\nparam: tools_count\nequals: 2", holds: true),
        Case(yaml: "type: request_param\nparam: temperature\nmax: 0.5", holds: true),
        Case(yaml: "type: request_param\nparam: context_tokens\nmax: 100000", holds: true),
        Case(yaml: "type: request_param\npath: $.stream_options.include_usage\nequals: true", holds: true),
        Case(yaml: "type: request_param\nparam: model\nmatches: \"^claude\"", holds: false),
        Case(yaml: "type: request_param\npath: $.max_tokens\none_of: [null, 100]", holds: true),
        Case(yaml: "type: request_param\npath: $.max_tokens\nequals: 100", holds: false),
        Case(yaml: "type: request_param\nparam: temperature\nequals: 0", holds: false),
        Case(yaml: "type: request_param\nparam: max_tokens\nmax: 100", holds: false),
        Case(yaml: "type: system_prompt_unchanged", holds: true),
        Case(yaml: "type: system_prompt_unchanged\nbaseline: old.cassette", holds: false),
        Case(yaml: "type: tools_unchanged\nbaseline: same.cassette", holds: true),
        Case(yaml: "type: tools_unchanged\nbaseline: old.cassette", holds: false),
        Case(yaml: "type: mcp_method_sequence\nsequence: [tools/call, tools/call]\nscope: trajectory\nmode: exact", holds: true),
        Case(yaml: "type: mcp_method_sequence\nsequence: [initialize]", holds: false),
        Case(yaml: "type: turns\nequals: 6", holds: true),
        Case(yaml: "type: turns\nequals: 3\nscope: trajectory", holds: true),
        Case(yaml: "type: turns\nmax: 2\nscope: trajectory", holds: false),
        Case(yaml: "type: tool_gap_ms\nmax: 10000", holds: true),
        Case(yaml: "type: tool_gap_ms\ntool: get_forecast\npercentile: 50\nmin: 100", holds: true),
        Case(yaml: "type: tool_gap_ms\nmax: 10", holds: false),
    ]

    @Test(arguments: cases) func assertionVerdict(_ c: Case) throws {
        let r = try AssertionFixtures.evaluate(c.yaml, on: c.fixture)
        if ProcessInfo.processInfo.environment["SCORING_VERBOSE"] != nil { print("VERDICT \(r.passed) \(c.yaml.replacingOccurrences(of: "\n", with: " ")) => \(r.message)") }
        #expect(r.passed == c.holds, "\(r.message)")
        #expect(!r.message.isEmpty)
        if !r.passed { #expect(r.expected != nil || !r.children.isEmpty, "a failure shows what was expected") }
    }

    @Test func everyTypeHasAPassingAndAFailingCase() {
        for type in AssertionParser.knownTypes {
            let mine = Self.cases.filter { $0.yaml.hasPrefix("type: \(type)\n") || $0.yaml == "type: \(type)" }
            #expect(mine.contains { $0.holds }, "no passing case for \(type)")
            #expect(mine.contains { !$0.holds }, "no failing case for \(type)")
        }
    }

    static let malformed: [Malformed] = [
        Malformed(yaml: "type: tool_caled\ntool: x", error: "unknown assertion type 'tool_caled'; known types: tool_called, tool_not_called"),
        Malformed(yaml: "tool: x", error: "an assertion needs 'type'"),
        Malformed(yaml: "type: tool_called", error: "'tool_called' needs 'tool'"),
        Malformed(yaml: "type: tool_not_called\ntool: [a, b]", error: "'tool' must be a string"),
        Malformed(yaml: "type: tool_call_count\ntool: x", error: "needs 'count'"),
        Malformed(yaml: "type: tool_call_count\ncount: -1", error: "whole number"),
        Malformed(yaml: "type: tool_call_order\nsequence: [a]\nmode: sorted", error: "'mode' must be one of subsequence, in_order, exact"),
        Malformed(yaml: "type: tool_call_order\nsequence: []", error: "'sequence' must not be empty"),
        Malformed(yaml: "type: tool_param_equals\ntool: x\nparams: [a]", error: "'params' must be a mapping"),
        Malformed(yaml: "type: tool_param_matches_regex\ntool: x\nparams:\n  a: \"([\"", error: "bad regular expression"),
        Malformed(yaml: "type: tool_result_matches_json\ntool: x\npath: \"$.data[\"\nvalue: 1", error: "bad JSONPath '$.data['"),
        Malformed(yaml: "type: tool_result_matches_json\ntool: x\npath: \"$.a[x]\"", error: "bad JSONPath"),
        Malformed(yaml: "type: tool_result_matches_json\ntool: x\npath: \"$..\"", error: "bad JSONPath"),
        Malformed(yaml: "type: output_contains", error: "'output_contains' needs 'value'"),
        Malformed(yaml: "type: output_not_contains\nvalue: {a: 1}", error: "'value' must be a string"),
        Malformed(yaml: "type: output_regex\npattern: \"(a\"", error: "bad regular expression"),
        Malformed(yaml: "type: max_tokens\nvalue: lots", error: "'value' must be a number"),
        Malformed(yaml: "type: max_latency_ms", error: "needs 'value'"),
        Malformed(yaml: "type: no_error_messages\ntool: x", error: "unknown key 'tool'"),
        Malformed(yaml: "type: no_hallucinated_tools\nvalue: 1", error: "unknown key 'value'"),
        Malformed(yaml: "type: ttft_ms\npercentile: 101\nmax: 1", error: "bad percentile '101'"),
        Malformed(yaml: "type: output_speed\npercentile: pX\nmin: 1", error: "bad percentile 'pX'"),
        Malformed(yaml: "type: output_speed\npercentile: 25", error: "needs at least one of 'min', 'max'"),
        Malformed(yaml: "type: input_tokens", error: "needs at least one of"),
        Malformed(yaml: "type: output_tokens\nmax: many", error: "'max' must be a number"),
        Malformed(yaml: "type: cached_tokens\nmax: 1\nratio: 0.5", error: "unknown key 'ratio'"),
        Malformed(yaml: "type: reasoning_tokens\nvalue: 3", error: "unknown key 'value'"),
        Malformed(yaml: "type: cost_usd", error: "needs at least one of"),
        Malformed(yaml: "type: finish_reason", error: "'finish_reason' needs 'value'"),
        Malformed(yaml: "type: request_param\nparam: colour\nequals: red", error: "unknown request parameter 'colour'"),
        Malformed(yaml: "type: request_param\nparam: model", error: "needs one of 'equals'"),
        Malformed(yaml: "type: request_param\npath: \"$.a[\"\nequals: 1", error: "bad JSONPath"),
        Malformed(yaml: "type: system_prompt_unchanged\nbaseline: [a, b]", error: "'baseline' must be a string"),
        Malformed(yaml: "type: tools_unchanged\nagainst: x", error: "unknown key 'against'"),
        Malformed(yaml: "type: mcp_method_sequence", error: "needs 'sequence'"),
        Malformed(yaml: "type: turns", error: "needs at least one of"),
        Malformed(yaml: "type: tool_gap_ms\npercentile: -5\nmax: 1", error: "bad percentile '-5'"),
        Malformed(yaml: "anyOf: []", error: "'anyOf' needs a non-empty list"),
        Malformed(yaml: "allOf: {type: turns}", error: "'allOf' needs a non-empty list"),
        Malformed(yaml: "type: turns\nmax: 1\nnot: {type: turns, max: 1}", error: "either 'type' or 'not'"),
        Malformed(yaml: "type: turns\nmax: 1\nscope: galaxy", error: "'scope' must be run, trajectory or turn"),
        Malformed(yaml: "type: turns\nmax: 1\nturn: middle", error: "'turn' must be an index"),
        Malformed(yaml: "type: turns\nmax: 1\nmatch: most", error: "'match' must be 'all' or 'any'"),
    ]

    @Test(arguments: malformed) func malformedAssertionIsRejected(_ m: Malformed) {
        do {
            _ = try AssertionFixtures.spec(m.yaml)
            Issue.record("accepted: \(m.yaml)")
        } catch {
            #expect(error.description.contains(m.error), "\(error.description)")
            #expect(error.description.hasPrefix("case.yaml:"), "errors carry file, line and column: \(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func everyTypeHasAMalformedCase() {
        for type in AssertionParser.knownTypes {
            #expect(Self.malformed.contains { $0.yaml.hasPrefix("type: \(type)\n") || $0.yaml == "type: \(type)" }, "no malformed case for \(type)")
        }
    }
}
