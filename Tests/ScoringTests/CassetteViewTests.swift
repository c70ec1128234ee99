import Cassette
import Proxy
import TestSupport
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

/// The example cassettes in cassettes/, recorded by Tapedeck from the real SDK agents (see cassettes/README.md).
@Suite struct ExampleCassetteViewTests {
    static func view(_ name: String, stripLinks: Bool = false) throws -> CassetteView {
        var (records, report) = try CassetteFile.readAll(path: TestEnv.path("cassettes/\(name)"))
        #expect(report.issue == nil)
        if stripLinks {
            records = records.map { r in
                guard case .exchange(var e) = r else { return r }
                e.trajectory = nil; e.turn = nil; e.parent = nil; e.link = nil
                return .exchange(e)
            }
        }
        return CassetteView(records: records)
    }

    @Test func openaiChatConversationIsOneTrajectoryByLinking() throws {
        // Linking by content alone: three turns of one conversation, results attached.
        let v = try Self.view("openai-chat-tools.cassette", stripLinks: true)
        #expect(v.trajectories.count == 1)
        let t = try #require(v.trajectories.first)
        #expect(t.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(t.toolCalls.map { $0.result?.text } == ["sunny, 21 C", "14:05"])
        #expect(t.finalOutput == "It is 14:05 and sunny in Paris.")
        #expect(t.turns.last?.finishReason == "stop")
    }

    @Test func recordedSplitIsRejoinedAndALateHangUpIsNoError() throws {
        // The recorder split this conversation (t0001 turn 0, t0002 turns 0-1) after marking the
        // first exchange client_disconnect although its answer was complete; the view rejoins it.
        let v = try Self.view("openai-chat-tools.cassette")
        #expect(v.trajectories.count == 1)
        let t = try #require(v.trajectories.first)
        #expect(t.turns.map(\.index) == [0, 1, 2] && t.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(t.turns[0].outcome == .clientDisconnect && !t.turns[0].failed)
    }

    @Test func anthropicToolUseAndResult() throws {
        let v = try Self.view("anthropic-tools.cassette")
        let t = try #require(v.trajectories.first)
        #expect(v.trajectories.count == 1 && t.turns.count == 2)
        #expect(t.toolCalls.first?.name == "get_weather" && t.toolCalls.first?.result != nil)
        #expect(t.turns[0].request.systemPrompt?.isEmpty == false)
    }

    @Test func mcpCallLinkedToTheLLMToolCall() throws {
        let v = try Self.view("llm-mcp-linked.cassette")
        let t = try #require(v.trajectories.first)
        let call = try #require(t.toolCalls.first { $0.name == "read_note" })
        #expect(call.mcp?.method == "tools/call" && call.mcp?.toolResult != nil)
        #expect(Subject.run(v).mcpCalls.map(\.method).contains("tools/list"))
        // The same link found without the recorded one.
        let bare = try Self.view("llm-mcp-linked.cassette", stripLinks: true)
        #expect(bare.trajectories.first?.toolCalls.first { $0.name == "read_note" }?.mcp?.method == "tools/call")
    }

    @Test func stdioSessionGivesMCPCalls() throws {
        let v = try Self.view("mcp-stdio-tools.cassette")
        #expect(v.trajectories.isEmpty)
        let tools = Subject.run(v).toolCalls.map(\.name)
        #expect(tools == ["add", "read_note"])
        #expect(v.mcpCalls.filter { $0.method == "tools/call" }.allSatisfy { $0.toolResult != nil && !$0.failed })
    }

    @Test func openaiAgentsResponsesAPI() throws {
        let v = try Self.view("openai-agents-tools.cassette")
        let t = try #require(v.trajectories.first)
        #expect(t.toolCalls.map(\.name) == ["get_weather", "get_time"])
        #expect(t.toolCalls.map { $0.result?.text } == ["sunny, 21 C in Paris", "14:05"])
        #expect(t.turns[0].request.systemPrompt == "You are a weather assistant. Use the tools.")
        let stripped = try Self.view("openai-agents-tools.cassette", stripLinks: true)
        #expect(stripped.trajectories.count == 1)
    }
}
