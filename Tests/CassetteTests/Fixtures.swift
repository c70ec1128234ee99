@testable import Cassette

/// Builders for cassette tests.
enum Fixtures {
    static let header = CassetteHeader(tool: "tapedeck test", createdUnixNs: 1_795_000_000_123_456_789,
                                       host: ["hostname": "h", "cpus": 2], meta: ["purpose": "test"])

    /// An exchange with every field set.
    static func fullExchange() -> Exchange {
        var ex = Exchange(id: "x000001", startUnixNs: 1_795_000_001_000_000_000, startMonoNs: 42_000_000_000,
                          request: RequestRecord(method: "POST", url: "/v1/chat/completions?x=1",
                                                 headers: [Header("Content-Type", "application/json"), Header("X-Trace", "abc")],
                                                 body: .json(["model": "m", "messages": [["role": "user", "content": "hi"]], "stream": true,
                                                              "tools": [["type": "function", "function": ["name": "f"]]]], .compact)))
        ex.timing = Timing(sentNs: 1_000, headNs: 2_000_000, endNs: 9_000_000)
        ex.upstream = "http://127.0.0.1:9000/v1/chat/completions?x=1"
        let sse = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n"
        ex.response = ResponseRecord(status: 200, headers: [Header("content-type", "text/event-stream")], body: .text(sse),
                                     chunks: [Chunk(length: 10, tNs: 3_000_000), Chunk(length: sse.utf8.count - 10, tNs: 8_000_000)],
                                     encoding: "identity")
        var f = ExchangeFacts(dialect: .openaiChat)
        f.model = "m"; f.stream = true; f.ttftNs = 3_000_000; f.ttfoNs = 3_100_000; f.tokenNs = [3_000_000, 5_000_000]
        f.usage = Usage(input: 10, output: 2, cached: 4, reasoning: 1); f.usageCounted = true
        f.toolCalls = [ToolCall(id: "call_1", name: "f", arguments: "{\"q\":1}")]
        f.finishReason = "tool_calls"; f.outputText = "a"
        var m = MCPFacts(method: "tools/call", id: 7)
        m.tool = "f"; m.arguments = ["q": 1]; m.result = ["content": []]; m.error = ["code": -1]; m.session = "s1"; m.otherMessages = 2
        f.mcp = m
        ex.facts = f
        ex.trajectory = "t1"; ex.turn = 3; ex.parent = "x000000"
        ex.link = ToolLink(exchange: "x000000", toolCallId: "call_0")
        ex.outcome = .clientDisconnect
        ex.error = "client went away"
        return ex
    }

    /// Encodes records into a cassette byte image: the header in a frame of its own, then each
    /// record flushed as it comes (as the recorder does), frames ending every `perFrame` records.
    static func encode(_ records: [Record], perFrame: Int = 1, redactor: Redactor = .disabled, dedup: Bool = true) -> [UInt8] {
        let enc = CassetteEncoder(redactor: redactor, deduplicate: dedup)
        var out: [UInt8] = []
        enc.append(.header(header))
        out += enc.flush(endFrame: true)
        var n = 0
        for r in records {
            enc.append(r)
            n += 1
            out += enc.flush(endFrame: n % perFrame == 0)
        }
        out += enc.flush(endFrame: true)
        return out
    }

    /// Decodes bytes, returning the records, frame offsets and the error that stopped decoding, if any.
    static func decode(_ bytes: [UInt8], mode: CassetteDecoder.Mode = .expanded) -> (records: [Record], error: CassetteError?) {
        let d = CassetteDecoder(mode: mode)
        var out: [Record] = []
        do {
            try d.feed(bytes) { line in out.append(try Record(json: line.json)) }
            try d.finish()
        } catch let e as CassetteError {
            return (out, e)
        } catch {
            return (out, .schema("\(error)"))
        }
        return (out, nil)
    }

    /// Start offsets of every frame in a cassette image.
    static func frameOffsets(_ bytes: [UInt8]) throws -> [Int] {
        var offs: [Int] = []
        let d = LZ4FrameDecoder()
        try bytes.withUnsafeBytes { try d.feed($0) { _, off in if offs.last != off { offs.append(off) } } }
        return offs
    }
}
