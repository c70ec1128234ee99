import Cassette
import NIOCore
import Testing
@testable import Replay

@Suite struct WorkloadTests {
    /// The body a turn sends, with a given nonce text.
    static func bodyText(_ turn: Turn, nonce: String = "[run 0000000000000000] ") -> String {
        var out = ""
        for p in turn.body {
            switch p {
            case .bytes(let b): out += String(buffer: b)
            case .nonce: out += nonce
            case .liveReply(_, let b, _): out += String(buffer: b)
            }
        }
        return out
    }

    static func build(_ sessions: [[Exchange]], policy: TrafficPolicy = TrafficPolicy(model: "candidate"), stripIds: Bool = false) -> Workload {
        var b = WorkloadBuilder(policy: policy)
        // Interleave the sessions by start time, as a recorder would write them.
        var all = sessions.flatMap { $0 }
        all.sort { $0.startMonoNs < $1.startMonoNs }
        for var e in all {
            if stripIds { e.trajectory = nil; e.turn = nil }
            b.add(e, source: "a.cassette")
        }
        return b.finish()
    }

    @Test func turnsKeepTheRecordedContextWithOverrides() throws {
        let session = SyntheticSession.generate(turns: 5, seed: 7)
        let w = Self.build([session])
        #expect(w.trajectories.count == 1)
        let t = w.trajectories[0]
        #expect(t.turns.count == 5)
        for (k, turn) in t.turns.enumerated() {
            let sent = try #require(try? JSON.parse(Self.bodyText(turn)))
            let recorded = try #require(session[k].request.body.jsonValue)
            #expect(sent["model"] == "candidate")
            #expect(sent["stream"] == true)
            #expect(sent["stream_options"]?["include_usage"] == true)
            #expect(sent["ignore_eos"] == true)
            #expect(sent["max_tokens"]?.intValue == session[k].facts.usage?.output)
            #expect(turn.maxTokens == session[k].facts.usage?.output)
            // The context is the recorded one, with the nonce before the system prompt.
            var messages = try #require(recorded["messages"]?.arrayValue)
            let system = try #require(messages[0]["content"]?.stringValue)
            messages[0]["content"] = .string("[run 0000000000000000] " + system)
            #expect(sent["messages"] == .array(messages))
            var tools = try #require(recorded["tools"]?.arrayValue)
            let description = try #require(tools[0]["function"]?["description"]?.stringValue)
            tools[0]["function"]?["description"] = .string("[run 0000000000000000] " + description)
            #expect(sent["tools"] == .array(tools))
            #expect(turn.path == "/v1/chat/completions")
        }
    }

    @Test func gapsAreTheRecordedIdleTimeBetweenTurns() {
        let session = SyntheticSession.generate(turns: 4, seed: 3)
        let t = Self.build([session]).trajectories[0]
        for k in 0..<3 {
            let end = session[k].startMonoNs + session[k].timing.endNs!
            #expect(t.turns[k].gapAfterNs == session[k + 1].startMonoNs - end)
            #expect(t.turns[k].gapAfterNs > 0)
        }
        #expect(t.turns[3].gapAfterNs == 0)
    }

    @Test func contextBytesAreSharedBetweenTurns() {
        // 30 turns with big tool results: storing every body whole would grow with turns × context.
        let session = SyntheticSession.generate(turns: 30, seed: 1, toolResultWords: 2000)
        let w = Self.build([session])
        #expect(w.stats.logicalBodyBytes > 10 * w.stats.storedBodyBytes)
        let last = w.trajectories[0].turns.last!.bodyLength
        #expect(w.stats.storedBodyBytes < 2 * last)
    }

    @Test func unlinkedExchangesAreLinkedByMessagePrefix() {
        let a = SyntheticSession.generate(turns: 4, seed: 11)
        let b = SyntheticSession.generate(turns: 3, seed: 12, startUnixNs: 1_795_000_000_000_000_000)
        let w = Self.build([a, b], stripIds: true)
        #expect(w.trajectories.map(\.turns.count).sorted() == [3, 4])
        #expect(w.stats.linkedByPrefix == 7)
        let t4 = w.trajectories.first { $0.turns.count == 4 }!
        #expect(t4.turns.map(\.exchangeId) == a.map(\.id))
    }

    @Test func nonLLMAndFailedExchangesAreNotTurns() {
        var session = SyntheticSession.generate(turns: 3, seed: 5)
        session[1].outcome = .upstreamError
        var mcp = Exchange(id: "m1", startUnixNs: 0, startMonoNs: 1, request: RequestRecord(method: "POST", url: "/mcp"))
        mcp.facts = ExchangeFacts(dialect: .mcp)
        var b = WorkloadBuilder(policy: TrafficPolicy())
        b.add(mcp, source: "x")
        for e in session { b.add(e, source: "x") }
        let w = b.finish()
        #expect(w.stats.nonLLM == 1 && w.stats.skipped == 1 && w.stats.llmTurns == 2)
        #expect(w.turnCount == 2)
    }

    @Test func aClientThatHungUpAfterTheLastEventStillMakesATurn() {
        var session = SyntheticSession.generate(turns: 3, seed: 6)
        session[1].outcome = .clientDisconnect  // finish reason present: the stream had ended
        session[2].outcome = .clientDisconnect
        session[2].facts.finishReason = nil  // cut short
        let w = Self.build([session])
        #expect(w.turnCount == 2 && w.stats.skipped == 1)
    }

    @Test func outputLengthPolicies() throws {
        let session = SyntheticSession.generate(turns: 2, seed: 9)
        for (policy, expect) in [(OutputLength.free, 16384), (.cap(3), 3)] {
            let w = Self.build([session], policy: TrafficPolicy(outputLength: policy))
            let sent = try #require(try? JSON.parse(Self.bodyText(w.trajectories[0].turns[0])))
            #expect(sent["max_tokens"]?.intValue == expect)
            #expect(sent["ignore_eos"] == nil)
            #expect(sent["model"] == "gpt-4o-mini")
        }
        #expect(OutputLength("cap:0") == nil && OutputLength("cap:12") == .cap(12) && OutputLength("nope") == nil)
        #expect(GapPolicy("scale:0.5")?.apply(1000) == 500 && GapPolicy("cap:1")?.apply(5_000_000_000) == 1_000_000_000)
    }

    @Test func anthropicNonceGoesBeforeTheSystemPrompt() throws {
        let body: JSON = ["model": "claude", "max_tokens": 100, "system": "Be brief and careful, always check your work twice.",
                          "messages": [["role": "user", "content": "hi"]], "stream": true]
        var e = Exchange(id: "x1", startUnixNs: 0, startMonoNs: 0,
                         request: RequestRecord(method: "POST", url: "/v1/messages", body: .json(body, .compact)))
        e.facts = ExchangeFacts(dialect: .anthropicMessages)
        e.facts.usage = Usage(input: 10, output: 7)
        e.response = ResponseRecord(status: 200)
        var b = WorkloadBuilder(policy: TrafficPolicy())
        b.add(e, source: "s")
        let turn = b.finish().trajectories[0].turns[0]
        let sent = try #require(try? JSON.parse(Self.bodyText(turn, nonce: "[run 1111111111111111] ")))
        #expect(sent["system"]?.stringValue == "[run 1111111111111111] Be brief and careful, always check your work twice.")
        #expect(sent["max_tokens"] == 7)
        #expect(sent["ignore_eos"] == nil)
        #expect(turn.path == "/v1/messages")
    }

    @Test func assignmentIsDeterministicAndSpreadsAgents() {
        let a = Assignment(count: 10, seed: 42), b = Assignment(count: 10, seed: 42), c = Assignment(count: 10, seed: 43)
        #expect(a.order == b.order && a.order != c.order)
        #expect(Set(a.order) == Set(0..<10))
        #expect(Set((0..<10).map { a.trajectory(agent: $0, k: 0) }).count == 10)
        #expect(a.trajectory(agent: 3, k: 2) == a.trajectory(agent: 5, k: 0))
        #expect(Nonce.text(phase: 1, instance: 2).count == Nonce.length)
        #expect(Nonce.text(phase: 1, instance: 2) != Nonce.text(phase: 2, instance: 2))
    }
}
