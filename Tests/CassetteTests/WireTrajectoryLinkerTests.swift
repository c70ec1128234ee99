import Testing
@testable import Cassette

/// Builds LLM and MCP exchanges the way the recording pipeline sees them (facts derived).
enum LinkFixture {
    static let ms: Int64 = 1_000_000

    static func chat(_ id: String, start: Int64, end: Int64, messages: [JSON], reply: String? = nil, tools: [ToolCall] = [],
                     outcome: Outcome = .complete, status: Int = 200, session: String? = nil) -> Exchange {
        body(id, start: start, end: end, body: .obj([("model", "m"), ("messages", .array(messages))]), dialect: .openaiChat,
             reply: reply, tools: tools, outcome: outcome, status: status, session: session)
    }

    static func body(_ id: String, start: Int64, end: Int64, body: JSON, dialect: Dialect, reply: String?, tools: [ToolCall],
                     outcome: Outcome = .complete, status: Int = 200, session: String? = nil, responseBody: JSON? = nil) -> Exchange {
        var ex = Exchange(id: id, startUnixNs: start, startMonoNs: start,
                          request: RequestRecord(method: "POST", url: "/v1/x", body: .json(body, .compact)))
        ex.timing = Timing(sentNs: 1, headNs: 2, endNs: end - start)
        ex.response = ResponseRecord(status: status, body: responseBody.map { .json($0, .compact) } ?? .none)
        ex.facts = ExchangeFacts(dialect: dialect)
        ex.facts.outputText = reply
        ex.facts.toolCalls = tools
        ex.outcome = outcome
        ex.trajectory = session
        return ex
    }

    static func mcpCall(_ id: String, start: Int64, end: Int64, tool: String, args: JSON) -> Exchange {
        var ex = Exchange(id: id, startUnixNs: start, startMonoNs: start, request: RequestRecord(method: "POST", url: "/mcp"))
        ex.timing = Timing(endNs: end - start)
        ex.facts = ExchangeFacts(dialect: .mcp)
        var m = MCPFacts(method: "tools/call", id: 3)
        m.tool = tool
        m.arguments = args
        ex.facts.mcp = m
        return ex
    }

    static func msg(_ role: String, _ content: String) -> JSON { .obj([("role", .string(role)), ("content", .string(content))]) }

    static func assistantCalls(_ ids: [String], name: String = "f") -> JSON {
        .obj([("role", "assistant"), ("content", .null),
              ("tool_calls", .array(ids.map { .obj([("id", .string($0)), ("type", "function"),
                                                     ("function", .obj([("name", .string(name)), ("arguments", "{}")]))]) }))])
    }

    static func toolResult(_ id: String, _ content: String) -> JSON {
        .obj([("role", "tool"), ("tool_call_id", .string(id)), ("content", .string(content))])
    }
}

@Suite("Trajectory linker")
struct WireTrajectoryLinkerTests {
    typealias F = LinkFixture
    let ms = LinkFixture.ms

    @Test("turns of one agent chain: k+1 extends k's messages with k's reply")
    func oneAgent() {
        var linker = TrajectoryLinker()
        let sys = F.msg("system", "You are terse."), user = F.msg("user", "Weather in Paris?")
        var e0 = F.chat("x1", start: 0, end: 100 * ms, messages: [sys, user],
                        tools: [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        var e1 = F.chat("x2", start: 150 * ms, end: 300 * ms,
                        messages: [sys, user, F.assistantCalls(["call_1"], name: "get_weather"), F.toolResult("call_1", "sunny")],
                        reply: "It is sunny.")
        var e2 = F.chat("x3", start: 900 * ms, end: 1000 * ms,
                        messages: [sys, user, F.assistantCalls(["call_1"], name: "get_weather"), F.toolResult("call_1", "sunny"),
                                   F.msg("assistant", "It is sunny. "), F.msg("user", "And tomorrow?")],
                        reply: "Rain.")
        let d0 = linker.link(&e0), d1 = linker.link(&e1), d2 = linker.link(&e2)
        #expect(d0.trajectory == "t0001" && d0.turn == 0 && d0.parent == nil)
        #expect(d1.trajectory == "t0001" && d1.turn == 1 && d1.parent == "x1")
        #expect(d1.gapNs == 50 * ms)
        #expect(d2.trajectory == "t0001" && d2.turn == 2 && d2.parent == "x2")
        #expect(d2.gapNs == 600 * ms)
        #expect(e2.trajectory == "t0001" && e2.turn == 2 && e2.parent == "x2")
    }

    @Test("many agents interleaved on one proxy stay apart")
    func interleaved() {
        var linker = TrajectoryLinker()
        let agents = 20
        var expected: [String: [String]] = [:]  // agent → exchange ids in order
        var events: [Exchange] = []
        for turn in 0..<4 {
            for a in 0..<agents {
                var msgs = [F.msg("system", "shared system prompt"), F.msg("user", "task \(a)")]
                for k in 0..<turn { msgs += [F.msg("assistant", "answer \(a).\(k)"), F.msg("user", "more \(a).\(k)")] }
                // Agents finish out of order: stagger starts so every turn begins after the previous ended.
                let start = Int64(turn * 1000 + (a * 37) % 500) * ms
                let id = "a\(a)t\(turn)"
                events.append(F.chat(id, start: start, end: start + Int64(100 + a) * ms, messages: msgs, reply: "answer \(a).\(turn)"))
                expected["\(a)", default: []].append(id)
            }
        }
        events.sort { ($0.startMonoNs + ($0.timing.endNs ?? 0)) < ($1.startMonoNs + ($1.timing.endNs ?? 0)) }
        var byID: [String: TrajectoryLinker.Decision] = [:]
        for var e in events { byID[e.id] = linker.link(&e) }
        var trajectories = Set<String>()
        for (_, ids) in expected {
            let t = byID[ids[0]]?.trajectory
            trajectories.insert(t ?? "")
            for (k, id) in ids.enumerated() {
                #expect(byID[id]?.trajectory == t)
                #expect(byID[id]?.turn == k)
                #expect(byID[id]?.parent == (k == 0 ? nil : ids[k - 1]))
            }
        }
        #expect(trajectories.count == agents)
    }

    @Test("two agents with identical histories get one trajectory each")
    func identicalAgents() {
        var linker = TrajectoryLinker()
        let msgs = [F.msg("user", "same prompt")]
        var a0 = F.chat("a0", start: 0, end: 100 * ms, messages: msgs, reply: "same answer")
        var b0 = F.chat("b0", start: 10 * ms, end: 120 * ms, messages: msgs, reply: "same answer")
        let next = msgs + [F.msg("assistant", "same answer"), F.msg("user", "go on")]
        var a1 = F.chat("a1", start: 200 * ms, end: 300 * ms, messages: next, reply: "x")
        var b1 = F.chat("b1", start: 210 * ms, end: 320 * ms, messages: next, reply: "x")
        let da0 = linker.link(&a0), db0 = linker.link(&b0), da1 = linker.link(&a1), db1 = linker.link(&b1)
        #expect(da0.trajectory != db0.trajectory)
        #expect(da1.turn == 1 && db1.turn == 1)
        #expect(Set([da1.parent, db1.parent]) == Set(["a0", "b0"]))
        #expect(Set([da1.trajectory, db1.trajectory]) == Set([da0.trajectory, db0.trajectory]))
    }

    @Test("a request that started before the candidate parent ended is not its child")
    func causality() {
        var linker = TrajectoryLinker()
        let msgs = [F.msg("user", "q")]
        var e0 = F.chat("x1", start: 0, end: 500 * ms, messages: msgs, reply: "a")
        var e1 = F.chat("x2", start: 100 * ms, end: 600 * ms, messages: msgs + [F.msg("assistant", "a"), F.msg("user", "b")], reply: "c")
        _ = linker.link(&e0)
        let d = linker.link(&e1)
        #expect(d.turn == 0)
        #expect(d.trajectory != "t0001")
    }

    @Test("a changed history (the reply was edited) starts a new trajectory")
    func editedReply() {
        var linker = TrajectoryLinker()
        let msgs = [F.msg("user", "q")]
        var e0 = F.chat("x1", start: 0, end: 10 * ms, messages: msgs, reply: "original answer")
        var e1 = F.chat("x2", start: 20 * ms, end: 30 * ms, messages: msgs + [F.msg("assistant", "something else"), F.msg("user", "b")], reply: "c")
        _ = linker.link(&e0)
        #expect(linker.link(&e1).trajectory == "t0002")
    }

    @Test("a retry of a failed request keeps its trajectory and turn")
    func retry() {
        var linker = TrajectoryLinker()
        let m0 = [F.msg("user", "q")]
        let m1 = m0 + [F.msg("assistant", "a"), F.msg("user", "b")]
        var e0 = F.chat("x1", start: 0, end: 10 * ms, messages: m0, reply: "a")
        var e1 = F.chat("x2", start: 20 * ms, end: 30 * ms, messages: m1, outcome: .upstreamError, status: 502)
        var e2 = F.chat("x3", start: 40 * ms, end: 50 * ms, messages: m1, reply: "c")
        _ = linker.link(&e0)
        let d1 = linker.link(&e1), d2 = linker.link(&e2)
        #expect(d1.trajectory == "t0001" && d1.turn == 1)
        #expect(d2.trajectory == "t0001" && d2.turn == 1 && d2.parent == "x1" && d2.retry)
    }

    @Test("an explicit session numbers its own turns")
    func explicitSession() {
        var linker = TrajectoryLinker()
        var e0 = F.chat("x1", start: 0, end: 10 * ms, messages: [F.msg("user", "a")], reply: "r", session: "run-7")
        var e1 = F.chat("x2", start: 20 * ms, end: 30 * ms, messages: [F.msg("user", "unrelated")], reply: "r", session: "run-7")
        var e2 = F.chat("x3", start: 40 * ms, end: 50 * ms, messages: [F.msg("user", "a")], reply: "r")
        let d0 = linker.link(&e0), d1 = linker.link(&e1), d2 = linker.link(&e2)
        #expect(d0.trajectory == "run-7" && d0.turn == 0)
        #expect(d1.trajectory == "run-7" && d1.turn == 1 && d1.parent == "x1" && d1.gapNs == 10 * ms)
        #expect(d2.trajectory == "t0001")
    }

    @Test("an MCP tools/call links to the LLM tool call that asked for it")
    func mcpLink() {
        var linker = TrajectoryLinker()
        var a = F.chat("a", start: 0, end: 10 * ms, messages: [F.msg("user", "read a")],
                       tools: [ToolCall(id: "call_a", name: "read_file", arguments: #"{"path":"/a"}"#)])
        var b = F.chat("b", start: 1 * ms, end: 12 * ms, messages: [F.msg("user", "read b")],
                       tools: [ToolCall(id: "call_b", name: "mcp__fs__read_file", arguments: #"{ "path" : "/b" }"#)])
        _ = linker.link(&a); _ = linker.link(&b)
        var callB = F.mcpCall("m1", start: 20 * ms, end: 25 * ms, tool: "read_file", args: .obj([("path", "/b")]))
        var callA = F.mcpCall("m2", start: 21 * ms, end: 26 * ms, tool: "read_file", args: .obj([("path", "/a")]))
        var early = F.mcpCall("m0", start: 5 * ms, end: 6 * ms, tool: "read_file", args: .obj([("path", "/a")]))
        let de = linker.link(&early)
        #expect(de.link == nil)  // began before any reply asked for it
        let db = linker.link(&callB), da = linker.link(&callA)
        #expect(db.link == ToolLink(exchange: "b", toolCallId: "call_b"))
        #expect(da.link == ToolLink(exchange: "a", toolCallId: "call_a"))
        #expect(callA.link == ToolLink(exchange: "a", toolCallId: "call_a"))
        #expect(da.trajectory == a.trajectory)
        // Each tool call answers once.
        var again = F.mcpCall("m3", start: 30 * ms, end: 31 * ms, tool: "read_file", args: .obj([("path", "/a")]))
        #expect(linker.link(&again).link == nil)
    }

    @Test("Anthropic messages: system prompt, tool_use and tool_result blocks")
    func anthropic() {
        var linker = TrajectoryLinker()
        let user: JSON = .obj([("role", "user"), ("content", "Weather?")])
        let b0: JSON = .obj([("model", "claude"), ("system", "Be brief."), ("messages", .array([user]))])
        var e0 = F.body("x1", start: 0, end: 10 * ms, body: b0, dialect: .anthropicMessages, reply: "Let me check.",
                        tools: [ToolCall(id: "toolu_1", name: "weather", arguments: "{}")])
        let assistant: JSON = .obj([("role", "assistant"), ("content", .array([
            .obj([("type", "text"), ("text", "Let me check.")]),
            .obj([("type", "tool_use"), ("id", "toolu_1"), ("name", "weather"), ("input", .obj([]))]),
        ]))])
        let result: JSON = .obj([("role", "user"), ("content", .array([.obj([("type", "tool_result"), ("tool_use_id", "toolu_1"), ("content", "sun")])]))])
        let b1: JSON = .obj([("model", "claude"), ("system", "Be brief."), ("messages", .array([user, assistant, result]))])
        var e1 = F.body("x2", start: 20 * ms, end: 30 * ms, body: b1, dialect: .anthropicMessages, reply: "Sunny.", tools: [])
        let other: JSON = .obj([("model", "claude"), ("system", "Different system."), ("messages", .array([user, assistant, result]))])
        var e2 = F.body("x3", start: 20 * ms, end: 30 * ms, body: other, dialect: .anthropicMessages, reply: "Sunny.", tools: [])
        _ = linker.link(&e0)
        #expect(linker.link(&e2).trajectory == "t0002")
        let d1 = linker.link(&e1)
        #expect(d1.trajectory == "t0001" && d1.turn == 1 && d1.parent == "x1")
    }

    @Test("Responses API: output items grouped as one reply, and previous_response_id")
    func responses() {
        var linker = TrajectoryLinker()
        let input0: [JSON] = [.obj([("role", "user"), ("content", "Add 2 and 3")])]
        var e0 = F.body("x1", start: 0, end: 10 * ms, body: .obj([("model", "m"), ("instructions", "Use tools."), ("input", .array(input0))]),
                        dialect: .openaiResponses, reply: nil, tools: [ToolCall(id: "fc_1", name: "add", arguments: #"{"a":2,"b":3}"#)],
                        responseBody: .obj([("id", "resp_1"), ("object", "response")]))
        let input1 = input0 + [
            .obj([("type", "reasoning"), ("id", "rs_1"), ("summary", .array([]))]),
            .obj([("type", "function_call"), ("call_id", "fc_1"), ("name", "add"), ("arguments", #"{"a":2,"b":3}"#)]),
            .obj([("type", "function_call_output"), ("call_id", "fc_1"), ("output", "5")]),
        ]
        var e1 = F.body("x2", start: 20 * ms, end: 30 * ms, body: .obj([("model", "m"), ("instructions", "Use tools."), ("input", .array(input1))]),
                        dialect: .openaiResponses, reply: "5", tools: [], responseBody: .obj([("id", "resp_2")]))
        var e2 = F.body("x3", start: 40 * ms, end: 50 * ms,
                        body: .obj([("model", "m"), ("previous_response_id", "resp_2"), ("input", .array([.obj([("role", "user"), ("content", "thanks")])]))]),
                        dialect: .openaiResponses, reply: "ok", tools: [])
        _ = linker.link(&e0)
        let d1 = linker.link(&e1), d2 = linker.link(&e2)
        #expect(d1.trajectory == "t0001" && d1.turn == 1)
        #expect(d2.trajectory == "t0001" && d2.turn == 2 && d2.parent == "x2")
    }

    @Test("memory stays bounded: the least recently active trajectory is dropped")
    func bounded() {
        var linker = TrajectoryLinker(configuration: .init(maxOpen: 3))
        for k in 0..<10 {
            var e = F.chat("x\(k)", start: Int64(k) * ms, end: Int64(k) * ms + 1, messages: [F.msg("user", "q\(k)")], reply: "a")
            linker.link(&e)
        }
        #expect(linker.tips.count == 3)
        #expect(linker.byPrefix.values.reduce(0) { $0 + $1.count } == 3)
    }

    @Test("non-LLM traffic gets no trajectory unless a session names one")
    func nonLLM() {
        var linker = TrajectoryLinker()
        var e = F.body("x1", start: 0, end: 1, body: .obj([("input", "text")]), dialect: .openaiEmbeddings, reply: nil, tools: [])
        #expect(linker.link(&e).trajectory == nil)
        var s = F.body("x2", start: 0, end: 1, body: .obj([("input", "text")]), dialect: .unknown, reply: nil, tools: [], session: "s1")
        #expect(linker.link(&s).trajectory == "s1")
        #expect(s.turn == nil)
    }
}
