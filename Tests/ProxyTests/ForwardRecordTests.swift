import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import Proxy
import Testing
import TestSupport

/// Streamed OpenAI chat completion events with a tool call split across deltas and usage in
/// the last chunk — the shape api.openai.com sends with `stream_options.include_usage`.
let chatToolStream: [String] = [
    #"data: {"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{"role":"assistant"}}]}"# + "\n\n",
    #"data: {"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_","arguments":""}}]}}]}"# + "\n\n",
    #"data: {"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"weather","arguments":"{\"city\":"}}]}}]}"# + "\n\n",
    #"data: {"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]}"# + "\n\n",
    #"data: {"id":"c1","model":"gpt-test","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"# + "\n\n",
    #"data: {"id":"c1","model":"gpt-test","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":4}}}"# + "\n\n",
    "data: [DONE]\n\n",
]

@Suite("Forwarding and recording")
struct ForwardRecordTests {
    @Test("a streamed chat completion is forwarded byte for byte and recorded with facts")
    func streamedChat() async throws {
        // Stands in for an OpenAI-compatible upstream streaming a tool call.
        let upstream = try await UpstreamFixture.start { ex, _ in UpstreamFixture.sse(ex, events: chatToolStream) }
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("chat.cassette")
        let body = #"{"model":"gpt-test","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather in Paris?"}]}"#
        let result = try await withRecordingProxy(try testOptions(upstream: upstream.url, output: cassette)) { proxy in
            try await TestClient.post(proxy.baseURL + "/v1/chat/completions", json: body,
                                      headers: [("authorization", "Bearer sk-test-abcdefghijklmnopqrstuvwxyz")])
        }
        #expect(result.status == 200)
        #expect(result.error == nil)
        #expect(result.text == chatToolStream.joined())
        // What reached the upstream is what the client sent.
        let seen = upstream.requests.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first.map { String(decoding: $0.body, as: UTF8.self) } == body)
        #expect(seen.first?.head.uri == "/v1/chat/completions")
        #expect(seen.first?.head.headers.first(name: "authorization") == "Bearer sk-test-abcdefghijklmnopqrstuvwxyz")

        let (exchanges, report) = try CassetteFile.exchanges(path: cassette)
        #expect(report.issue == nil)
        #expect(exchanges.count == 1)
        let ex = try #require(exchanges.first)
        #expect(ex.outcome == .complete)
        #expect(ex.upstream == upstream.url + "/v1/chat/completions")
        #expect(ex.request.url == "/v1/chat/completions")
        #expect(ex.request.headers.first("authorization") == Redactor.placeholder)
        #expect(ex.facts.dialect == .openaiChat)
        #expect(ex.facts.model == "gpt-test")
        #expect(ex.facts.stream)
        #expect(ex.facts.toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(ex.facts.usage == Usage(input: 12, output: 9, cached: 4, reasoning: 0))
        #expect(ex.facts.finishReason == "tool_calls")
        let chunks = try #require(ex.response?.chunks)
        #expect(chunks.count == chatToolStream.count)
        #expect(chunks.map(\.length) == chatToolStream.map { $0.utf8.count })
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.tNs < $1.tNs })
        let sent = try #require(ex.timing.sentNs)
        let ttft = try #require(ex.facts.ttftNs)
        #expect(ttft > sent)
        #expect(ttft == chunks[1].tNs)  // the first tool-call delta; the role-only chunk bears no token
        #expect(ex.timing.headNs.map { $0 >= sent } == true)
        #expect(ex.timing.endNs.map { $0 >= chunks.last!.tNs } == true)
        #expect(ex.trajectory != nil)
        #expect(ex.turn == 0)
    }

    @Test("a non-streamed JSON response keeps its content-length and is recorded as JSON")
    func nonStreamed() async throws {
        // Stands in for a non-streamed chat completion with content-length framing.
        let answer = #"{"id":"c2","model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"Hi."},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}}"#
        let upstream = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, answer) }
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("plain.cassette")
        let result = try await withRecordingProxy(try testOptions(upstream: upstream.url, output: cassette)) { proxy in
            try await TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"gpt-test","messages":[{"role":"user","content":"hi"}]}"#)
        }
        #expect(result.text == answer)
        #expect(result.headers.first(name: "content-length") == String(answer.utf8.count))
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.facts.outputText == "Hi.")
        #expect(ex.facts.usage == Usage(input: 5, output: 2))
        if case .json = ex.response?.body {} else { Issue.record("response body should be stored as JSON") }
        if case .json = ex.request.body {} else { Issue.record("request body should be stored as JSON") }
    }
}
