import Testing
@testable import Cassette

@Suite struct ReplayPolicyTests {
    @Test func modesAndTimingsParse() throws {
        #expect(try ReplayMode.parse("new-episodes") == .newEpisodes)
        #expect(throws: CassetteError.self) { try ReplayMode.parse("sometimes") }
        #expect(try ReplayTiming.parse("scale:0.5") == .scale(0.5))
        #expect(try ReplayTiming.parse("cap:200") == .cap(200))
        for bad in ["fast", "scale:x", "cap:-1", "scale:", "warp:2"] {
            #expect(throws: CassetteError.self, "\(bad)") { try ReplayTiming.parse(bad) }
        }
    }

    @Test func scheduleReproducesScalesAndCapsGaps() {
        var ex = Exchange(id: "x", startUnixNs: 0, startMonoNs: 0, request: RequestRecord(method: "POST", url: "/"))
        ex.timing = Timing(sentNs: 1_000_000, headNs: 101_000_000, endNs: 400_000_000)
        ex.response = ResponseRecord(status: 200, body: .text("abc"), chunks: [Chunk(length: 1, tNs: 151_000_000), Chunk(length: 2, tNs: 401_000_000)])
        #expect(ReplayTiming.recorded.schedule(for: ex).head == 100_000_000)
        #expect(ReplayTiming.recorded.schedule(for: ex).chunks == [50_000_000, 250_000_000])
        #expect(ReplayTiming.scale(2).schedule(for: ex).chunks == [100_000_000, 500_000_000])
        #expect(ReplayTiming.cap(100).schedule(for: ex).chunks == [50_000_000, 100_000_000])
        #expect(ReplayTiming.instant.schedule(for: ex).chunks == [0, 0])
    }

    @Test func missesComeInEachDialectsShape() {
        let o = ReplayErrors.miss(dialect: .openaiChat, message: "m")
        #expect(o.status == 404)
        #expect(o.body["error"]?["type"] == "cassette_miss")
        let a = ReplayErrors.miss(dialect: .anthropicMessages, message: "m")
        #expect(a.body["type"] == "error" && a.body["error"]?["type"] == "cassette_miss")
        let m = ReplayErrors.miss(dialect: .mcp, message: "m", rpcId: 7)
        #expect(m.status == 200 && m.body["id"] == 7 && m.body["error"]?["data"]?["type"] == "cassette_miss")
    }

    @Test func mcpIdsAreRewrittenInJSONAndSSE() {
        let json = Body.json(["jsonrpc": "2.0", "id": 3, "result": ["tools": []]], .compact)
        let (b1, c1) = MCPIdRewriter.rewrite(body: json, chunks: [Chunk(length: json.count, tNs: 5)], recordedId: 3, liveId: "abc")
        #expect(b1.jsonValue?["id"] == "abc")
        #expect(c1.reduce(0) { $0 + $1.length } == b1.count)
        let sse = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n"
        let chunks = [Chunk(length: 40, tNs: 1), Chunk(length: sse.utf8.count - 40, tNs: 2)]
        let (b2, c2) = MCPIdRewriter.rewrite(body: .text(sse), chunks: chunks, recordedId: 3, liveId: 12345)
        #expect(b2.textValue?.contains("\"id\":12345") == true)
        #expect(b2.textValue?.contains("notifications/progress") == true)
        #expect(c2.map(\.tNs) == [1, 2])
        #expect(c2.reduce(0) { $0 + $1.length } == b2.count)
        #expect(c2[0].length == 40, "a boundary before the rewritten line stays put")
    }
}
