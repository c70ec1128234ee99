import Testing
@testable import Cassette

@Suite struct MatchTests {
    func chat(_ id: String, traj: String, messages: [JSON], model: String = "m", tools: [String] = ["read_file"],
              reply: String? = nil, toolCallId: String? = nil, extra: [(String, JSON)] = []) -> Exchange {
        var body: [(String, JSON)] = [("model", .string(model)), ("messages", .array(messages))]
        if !tools.isEmpty {
            body.append(("tools", .array(tools.map { .obj([("type", "function"), ("function", .obj([("name", .string($0))]))]) })))
        }
        body += extra
        var ex = Exchange(id: id, startUnixNs: 0, startMonoNs: 0, request: RequestRecord(
            method: "POST", url: "/v1/chat/completions", headers: [Header("authorization", "[REDACTED]")], body: .json(.obj(body), .compact)))
        ex.response = ResponseRecord(status: 200, body: .text("{}"))
        ex.trajectory = traj
        if let reply { ex.facts.outputText = reply }
        if let toolCallId { ex.facts.toolCalls = [ToolCall(id: toolCallId, name: "read_file", arguments: "{}")] }
        return ex
    }

    let sys: JSON = ["role": "system", "content": "You are helpful. Today is 2026-11-22."]
    let user: JSON = ["role": "user", "content": "fix it"]

    func take(_ idx: inout ReplayIndex, _ ex: Exchange, headers: [Header] = [], repeats: Bool = false) -> Int? {
        if case .hit(let i) = idx.take(method: "POST", url: ex.request.url, headers: headers, body: ex.request.body, allowRepeats: repeats) { return i }
        return nil
    }

    @Test func identicalRequestsPlayOnceEachInOrder() {
        let a = chat("a", traj: "t1", messages: [sys, user], reply: "one")
        let b = chat("b", traj: "t1", messages: [sys, user], reply: "two")
        var idx = ReplayIndex(exchanges: [a, b])
        #expect(take(&idx, a) == 0)
        #expect(take(&idx, a) == 1)
        #expect(take(&idx, a) == nil, "each recorded answer plays once")
        #expect(take(&idx, a, repeats: true) == 1, "--allow-repeats replays the last one")
        #expect(idx.hits == 3 && idx.misses == 1)
    }

    @Test func headersAndDummyKeysDoNotMatter() {
        let a = chat("a", traj: "t1", messages: [sys, user])
        var idx = ReplayIndex(exchanges: [a])
        #expect(take(&idx, a, headers: [Header("Authorization", "Bearer dummy"), Header("User-Agent", "x")]) == 0)
        // Unless configured.
        var idx2 = ReplayIndex(exchanges: [a], rules: MatchRules(headers: ["X-Tenant"]))
        var live = a
        live.request.headers = [Header("x-tenant", "other")]
        #expect(take(&idx2, live, headers: live.request.headers) == nil)
    }

    @Test func ignoreRulesFromJSON() throws {
        let a = chat("a", traj: "t1", messages: [sys, user], extra: [("metadata", ["user_id": "u1"])])
        let rules = try MatchRules(json: ["ignore_paths": ["metadata.user_id"], "ignore_patterns": ["\\d{4}-\\d{2}-\\d{2}"]])
        var idx = ReplayIndex(exchanges: [a], rules: rules)
        let live = chat("l", traj: "x", messages: [["role": "system", "content": "You are helpful. Today is 2027-01-05."], user],
                        extra: [("metadata", ["user_id": "u2"])])
        #expect(take(&idx, live) == 0)
        #expect(throws: CassetteError.self) { try MatchRules(json: ["ignore_pathz": []]) }
        #expect(throws: CassetteError.self) { try MatchRules(json: ["ignore_patterns": ["("]]) }
    }

    @Test func nonSemanticFieldsAreIgnoredButSamplingIsNot() {
        let a = chat("a", traj: "t1", messages: [sys, user], extra: [("temperature", 0.2), ("user", "abc")])
        var idx = ReplayIndex(exchanges: [a])
        #expect(take(&idx, chat("l", traj: "", messages: [sys, user], extra: [("temperature", 0.2), ("user", "zzz")])) == 0)
        var idx2 = ReplayIndex(exchanges: [a])
        #expect(take(&idx2, chat("l", traj: "", messages: [sys, user], extra: [("temperature", 0.7)])) == nil)
    }

    @Test func concurrentAgentsFollowTheirOwnTrajectories() {
        // Two recorded agents sent the same first request and got different tool calls.
        let a0 = chat("a0", traj: "A", messages: [sys, user], toolCallId: "call_A")
        let b0 = chat("b0", traj: "B", messages: [sys, user], toolCallId: "call_B")
        func next(_ id: String, _ call: String) -> [JSON] {
            [sys, user, ["role": "assistant", "tool_calls": [["id": .string(call), "type": "function", "function": ["name": "read_file", "arguments": "{}"]]]],
             ["role": "tool", "tool_call_id": .string(call), "content": "same output"]]
        }
        // Their second requests are identical except for the call id; make a queue where the
        // fingerprints collide by ignoring call ids, so only the trajectory hint can tell them apart.
        let rules = try! MatchRules(json: ["ignore_patterns": ["call_[AB]"]])  // A literal, valid pattern.
        let a1 = chat("a1", traj: "A", messages: next("a1", "call_A"), reply: "done A")
        let b1 = chat("b1", traj: "B", messages: next("b1", "call_B"), reply: "done B")
        var idx = ReplayIndex(exchanges: [a0, b0, a1, b1], rules: rules)
        #expect(take(&idx, a0) == 0)
        #expect(take(&idx, a0) == 1)
        // The agent that got B's answer continues first: it must get B's second answer.
        #expect(take(&idx, b1) == 3)
        #expect(take(&idx, a1) == 2)
    }

    @Test func aMissNamesTheNearestRequestThePathAndTheDrift() throws {
        let a0 = chat("x1", traj: "t", messages: [sys, user], tools: ["read_file", "lookup"])
        let a1 = chat("x2", traj: "t", messages: [sys, user, ["role": "assistant", "content": "ok"], ["role": "user", "content": "more"]],
                      tools: ["read_file", "lookup"])
        let idx = ReplayIndex(exchanges: [a0, a1])
        let live = chat("l", traj: "", messages: [["role": "system", "content": "You are terse."], user], tools: ["read_file", "search"])
        let f = RequestFingerprint(live)
        let d = try #require(RequestDiff.explain(f, in: idx))
        #expect(d.nearestId == "x1")
        #expect(d.path == "body.messages[0].content")
        #expect(d.recorded.contains("You are helpful"))
        #expect(d.live == "\"You are terse.\"")
        #expect(d.drift.contains("system prompt changed"))
        #expect(d.drift.contains("tools changed: added `search`, removed `lookup`"))
        #expect(d.message.contains("x1") && d.message.contains("body.messages[0].content"))
        let m = RequestDiff.explain(RequestFingerprint(chat("l", traj: "", messages: [sys, user], model: "other", tools: ["read_file", "lookup"])), in: idx)
        #expect(m?.drift.first == "model changed: \"m\" → \"other\"")
    }

    @Test func mcpMatchesOnMethodAndParamsNotIdOrMeta() {
        func rpc(_ id: Int, _ args: JSON, meta: JSON = nil) -> Exchange {
            var params: JSON = ["name": "get_weather", "arguments": args]
            if !meta.isNull { params["_meta"] = meta }
            var ex = Exchange(id: "m\(id)", startUnixNs: 0, startMonoNs: 0, request: RequestRecord(
                method: "POST", url: "/mcp", body: .json(["jsonrpc": "2.0", "id": .int(id), "method": "tools/call", "params": params], .compact)))
            ex.response = ResponseRecord(status: 200, body: .text("{}"))
            return ex
        }
        var idx = ReplayIndex(exchanges: [rpc(1, ["city": "Paris"])])
        #expect(take(&idx, rpc(99, ["city": "Paris"], meta: ["progressToken": 5])) == 0)
        var idx2 = ReplayIndex(exchanges: [rpc(1, ["city": "Paris"])])
        #expect(take(&idx2, rpc(1, ["city": "Rome"])) == nil)
        let d = RequestDiff.explain(RequestFingerprint(rpc(1, ["city": "Rome"])), in: idx2)
        #expect(d?.path == "rpc[0].params.arguments.city")
        #expect(d?.drift == ["MCP tools/call params changed"])
    }

    @Test func sessionAndTokenPrefixesAreNotPartOfThePath() {
        #expect(RequestFingerprint.path("/s/agent-1/v1/chat/completions?x=1") == "/v1/chat/completions")
        #expect(RequestFingerprint.path("/t/secret/s/a/v1/messages") == "/v1/messages")
    }
}
