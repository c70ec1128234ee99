import Cassette
import Testing
@testable import Scoring

@Suite struct CassetteViewTests {
    @Test func recordedTrajectoryGivesTurnsToolCallsResultsAndGaps() throws {
        let view = CassetteView(exchanges: AgentScript.weatherAgent().build())
        #expect(view.trajectories.count == 1)
        let t = try #require(view.trajectories.first)
        #expect(t.id == "traj-1")
        #expect(t.turns.count == 3)
        #expect(t.toolCalls.map(\.name) == ["get_weather", "get_forecast"])
        let w = t.toolCalls[0]
        #expect(w.arguments?["city"] == "Paris")
        // The result the agent sent back (next request's tool message) and the linked MCP call.
        #expect(w.result?.source == .message)
        #expect(w.result?.json?["temp_c"] == 18)
        #expect(w.mcp?.tool == "get_weather")
        #expect(w.bestResult?.value?["sky"] == "sunny")
        #expect(t.mcpCalls.count == 2)
        #expect(t.finalOutput?.contains("18 C") == true)
        #expect(t.turns[0].gapAfterNs != nil && t.turns[2].gapAfterNs == nil)
        #expect(t.turns[1].usage.reasoning == 3)
        #expect(t.turns[0].request.toolNames == ["get_weather", "get_forecast"])
        #expect(t.turns[0].request.systemPrompt?.hasPrefix("You are a careful") == true)
        #expect(abs((t.turns[0].ttftMs ?? 0) - 249.9) < 0.01)  // first token at 250 ms, request sent at 0.1 ms
    }

    @Test func linkingGroupsInterleavedAgentsWithoutRecordedIds() throws {
        // Two agents with identical prompts interleaved on one proxy, nothing recorded but the bytes.
        var a = AgentScript.weatherAgent(trajectory: nil, recordTurns: false, recordLinks: false, startMs: 0, idPrefix: "a")
        var b = AgentScript.weatherAgent(trajectory: nil, recordTurns: false, recordLinks: false, startMs: 100, idPrefix: "b")
        a.steps[0].calls[0].args = .obj([("city", "Paris"), ("units", "metric")])
        b.steps[0].calls[0].args = .obj([("city", "Paris"), ("units", "imperial")])
        let view = CassetteView(exchanges: a.build() + b.build())
        #expect(view.trajectories.count == 2)
        for t in view.trajectories {
            #expect(t.turns.count == 3)
            let prefixes = Set(t.turns.map { String($0.exchangeId.prefix(1)) })
            #expect(prefixes.count == 1, "a trajectory mixed two agents: \(t.turns.map(\.exchangeId))")
            #expect(t.toolCalls.allSatisfy { $0.result != nil })
        }
        // MCP calls linked by name, arguments and timing.
        let units = view.trajectories.map { $0.toolCalls[0].mcp?.arguments?["units"]?.stringValue }
        #expect(Set(units.compactMap { $0 }) == ["metric", "imperial"])
        for t in view.trajectories {
            let first = t.turns[0].exchangeId.prefix(1)
            #expect(t.toolCalls[0].mcp?.arguments?["units"] == (first == "a" ? "metric" : "imperial"))
        }
    }

    @Test func parallelToolCallsLinkToTheirMCPCallsByNameAndArguments() throws {
        var s = AgentScript.weatherAgent(recordLinks: false)
        s.steps[0].calls = [AgentScript.Call(name: "get_weather", args: .obj([("city", "Paris")]), result: AgentScript.weather("Paris", 18)),
                            AgentScript.Call(name: "get_weather", args: .obj([("city", "Lyon")]), result: AgentScript.weather("Lyon", 15), mcpMs: 90)]
        let t = try #require(CassetteView(exchanges: s.build()).trajectories.first)
        let calls = t.turns[0].toolCalls
        #expect(calls.count == 2)
        #expect(calls.map { $0.mcp?.arguments?["city"]?.stringValue } == ["Paris", "Lyon"])
        #expect(calls.map { $0.bestResult?.json?["temp_c"]?.intValue } == [18, 15])
        #expect(calls.allSatisfy { $0.mcp?.linkedExchange == t.turns[0].exchangeId })
    }

    @Test func stdioMessagesPairIntoMCPCalls() {
        let msgs = [
            StdioMessage(seq: 1, direction: .toServer, unixNs: 0, monoNs: 1_000, message: ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [:]]),
            StdioMessage(seq: 2, direction: .toClient, unixNs: 0, monoNs: 3_000, message: ["jsonrpc": "2.0", "id": 1, "result": ["serverInfo": ["name": "s"]]]),
            StdioMessage(seq: 3, direction: .toServer, unixNs: 0, monoNs: 4_000, message: ["jsonrpc": "2.0", "method": "notifications/initialized"]),
            StdioMessage(seq: 4, direction: .toServer, unixNs: 0, monoNs: 5_000,
                         message: ["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "add", "arguments": ["a": 1, "b": 2]]]),
            StdioMessage(seq: 5, direction: .toClient, unixNs: 0, monoNs: 9_000,
                         message: ["jsonrpc": "2.0", "id": 2, "result": ["content": [["type": "text", "text": "3"]], "isError": false]]),
        ]
        let view = CassetteView(exchanges: [], messages: msgs)
        #expect(view.mcpCalls.map(\.method) == ["initialize", "notifications/initialized", "tools/call"])
        #expect(view.mcpCalls[1].isNotification)
        let call = view.mcpCalls[2]
        #expect(call.tool == "add" && call.durationNs == 4_000 && call.toolResult?.json == 3)
        // An MCP-only cassette still shows its tool calls to assertions.
        #expect(Subject.run(view).toolCalls.map(\.name) == ["add"])
    }

    @Test func anthropicToolResultsAndSystemPrompt() {
        let body: JSON = ["model": "claude-x", "system": [["type": "text", "text": "Be terse."]], "tools": [["name": "lookup", "input_schema": [:]]],
                          "messages": [["role": "user", "content": "q"],
                                       ["role": "assistant", "content": [["type": "tool_use", "id": "tu_1", "name": "lookup", "input": ["k": 1]]]],
                                       ["role": "user", "content": [["type": "tool_result", "tool_use_id": "tu_1", "content": [["type": "text", "text": "{\"v\":7}"]], "is_error": true]]]]]
        let f = RequestFacts(body: body, dialect: .anthropicMessages)
        #expect(f.systemPrompt == "Be terse.")
        #expect(f.toolNames == ["lookup"])
        #expect(f.toolResults["tu_1"]?.json?["v"] == 7)
        #expect(f.toolResults["tu_1"]?.isError == true)
    }

    @Test func responsesAPIInputItemsCarryResults() {
        let body: JSON = ["model": "gpt-5", "instructions": "Be brief.", "tools": [["type": "function", "name": "f"]],
                          "input": [["role": "user", "content": "hi"], ["type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"],
                                    ["type": "function_call_output", "call_id": "c1", "output": "ok"]]]
        let f = RequestFacts(body: body, dialect: .openaiResponses)
        #expect(f.systemPrompt == "Be brief." && f.toolNames == ["f"] && f.toolResults["c1"]?.text == "ok")
    }

    @Test func syntheticSessionFromTheFoundationIsOneTrajectory() {
        let ex = SyntheticSession.generate(turns: 5, seed: 7)
        var stripped = ex
        for i in stripped.indices { stripped[i].trajectory = nil; stripped[i].turn = nil; stripped[i].parent = nil }
        let a = CassetteView(exchanges: ex), b = CassetteView(exchanges: stripped)
        #expect(a.trajectories.count == 1 && b.trajectories.count == 1)
        #expect(a.trajectories[0].toolCalls.map(\.name) == b.trajectories[0].toolCalls.map(\.name))
        #expect(b.trajectories[0].toolCalls.allSatisfy { $0.result != nil })
    }
}
