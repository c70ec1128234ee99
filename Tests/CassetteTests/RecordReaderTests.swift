import Testing
@testable import Cassette

/// The record reader decodes exchange records without their JSON tree; it must give what the
/// tree path gives (`Record(json:)` on each expanded line), records and errors alike.
@Suite struct RecordReaderTests {
    /// Records via the fast reader, and how many exchanges it read directly.
    func viaRecords(_ bytes: [UInt8]) -> (results: [Result<Record, CassetteError>], direct: Int, error: CassetteError?) {
        let d = CassetteDecoder(mode: .expanded)
        var out: [Result<Record, CassetteError>] = []
        do {
            try bytes.withUnsafeBytes { try d.feedRecords($0) { out.append($0.result) } }
            try d.finish()
        } catch { return (out, d.directExchanges, error as? CassetteError) }
        return (out, d.directExchanges, nil)
    }

    /// Records via JSON lines and `Record(json:)`.
    func viaTree(_ bytes: [UInt8]) -> (results: [Result<Record, CassetteError>], error: CassetteError?) {
        let d = CassetteDecoder(mode: .expanded)
        var out: [Result<Record, CassetteError>] = []
        do {
            try d.feed(bytes) { l in out.append(Result { () throws(CassetteError) -> Record in try Record(json: l.json) }) }
            try d.finish()
        } catch { return (out, error as? CassetteError) }
        return (out, nil)
    }

    @Test func recordedCassettesReadTheSameBothWays() {
        var records: [Record] = [.exchange(Fixtures.fullExchange())]
        for s in 0..<4 { records += SyntheticSession.generate(turns: 9, seed: UInt64(s + 1)).map { .exchange($0) } }
        for (k, body) in [Body.none, .json(["a": [1, 2]], .indent2), .json(["b": 1], .indent2Newline), .text("plain"), .binary([0, 255, 7])].enumerated() {
            var ex = Exchange(id: "b\(k)", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "GET", url: "/", body: body))
            ex.response = ResponseRecord(status: 200, body: body, chunks: body.count > 0 ? [Chunk(length: body.count, tNs: 5)] : [])
            records.append(.exchange(ex))
        }
        records.append(.message(StdioMessage(seq: 1, direction: .toServer, unixNs: 2, monoNs: 3, message: ["jsonrpc": "2.0", "method": "x"])))
        for perFrame in [1, 7, 1000] {
            let bytes = Fixtures.encode(records, perFrame: perFrame)
            let fast = viaRecords(bytes), tree = viaTree(bytes)
            #expect(fast.error == nil && tree.error == nil)
            #expect(fast.results.map { try? $0.get() } == tree.results.map { try? $0.get() })
            #expect(fast.results.compactMap { try? $0.get() } == [.header(Fixtures.header)] + records)
            #expect(fast.direct == records.count - 1)  // Every exchange; the message goes through the tree.
        }
    }

    /// A cassette of hand-written lines after a real header.
    func cassette(_ lines: [String]) -> [UInt8] {
        var text = Record.header(Fixtures.header).toJSON().text() + "\n"
        for l in lines { text += l + "\n" }
        return LZ4FrameCompressor().compressFrame(Array(text.utf8))
    }

    @Test func unusualShapesGiveTheTreeResult() {
        let base = #""type":"exchange","id":"x1","start_unix_ns":5,"request":{"method":"GET","url":"/"}"#
        let lines = [
            "{\(base),\"outcome\":\"complete\"}",
            "{\(base),\"outcome\":\"complete\",\"extra\":{\"a\":[1,2]},\"turn\":3}",
            "{\(base),\"outcome\":\"complete\",\"upstream\":null}",
            "{\(base),\"outcome\":\"complete\",\"response\":{\"status\":200.0}}",
            "{\(base),\"outcome\":\"complete\",\"start_mono_ns\":1e3}",
            "{\(base),\"outc\\u006fme\":\"complete\"}",
            "{\(base),\"outcome\":\"complete\",\"facts\":{\"stream\":1,\"token_ns\":[1,\"x\",2]}}",
            "{\(base),\"outcome\":\"complete\",\"facts\":{\"dialect\":\"openai.chat\",\"usage\":{\"input\":3}}}",
            "{\(base),\"outcome\":\"done\"}",
            "{\(base)}",
            "{\(base),\"outcome\":\"complete\",\"response\":{\"status\":200,\"body_text\":\"abc\",\"chunks\":[[2,1]]}}",
            "{\(base),\"outcome\":\"complete\",\"response\":{\"status\":200,\"body_text\":\"abc\",\"chunks\":[[3,1]]},\"outcome\":\"timeout\"}",
            "{\(base),\"outcome\":\"complete\",\"link\":{\"tool_call_id\":\"c\"}}",
            "{\"id\":\"x2\",\(base.replacingOccurrences(of: "\"id\":\"x1\",", with: "")),\"outcome\":\"complete\"}",
            "{\(base),\"outcome\":\"complete\",\"timing\":{\"sent_ns\":-0}}",
            "{\(base),\"outcome\":\"complete\",\"turn\":99999999999999999999}",
            "{\(base),\"outcome\":\"complete\",}",
            "{\(base),\"outcome\":\"complete\" \"turn\":1}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":[\"nope\"]},\"body\":{\"messages\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":{\"add\":[],\"base\":\"nope\"}},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":{\"base\":\"\",\"add\":[]}},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":{\"base\":\"\",\"add\":[],\"x\":1}},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":{\"base\":\"\"}},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"tools\":5},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"tools\":\"missing\"},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":[1]},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"messages\":[],\"tools\":null},\"body\":{\"messages\":null,\"tools\":null}}}",
            "{\(base),\"outcome\":\"complete\",\"request\":{\"method\":\"GET\",\"url\":\"/\",\"body_refs\":{\"tools\":\"a\"},\"body_text\":\"x\"}}",
            "{\"type\":\"blob\",\"hash\":5,\"value\":1}",
            "{\"type\":\"blob\",\"value\":1}",
            "{\"type\":\"blob\",\"hash\":\"h\",\"value\":[1,{\"a\":null}],\"x\":2}",
        ]
        for l in lines {
            let bytes = cassette([l])
            let fast = viaRecords(bytes), tree = viaTree(bytes)
            #expect(fast.error?.description == tree.error?.description, "\(l)")
            #expect(fast.results.count == tree.results.count, "\(l)")
            for (a, b) in zip(fast.results, tree.results) {
                switch (a, b) {
                case (.success(let x), .success(let y)): #expect(x == y, "\(l)")
                case (.failure(let x), .failure(let y)): #expect(x.description == y.description, "\(l)")
                default: Issue.record("one path decoded and the other failed: \(l)")
                }
            }
        }
        // The plain shapes are read directly.
        #expect(viaRecords(cassette([lines[0], lines[1], lines[7], lines[10]])).direct == 3)
        // One decoder over all the lines that are JSON: its parser, reused from line to line,
        // must carry nothing over from a line it gave up on part-way.
        let valid = lines.filter { viaTree(cassette([$0])).error == nil }
        #expect(valid.count > 10)
        let all = cassette(valid + [lines[0], lines[1], lines[0]])
        let fast = viaRecords(all), tree = viaTree(all)
        #expect(fast.error?.description == tree.error?.description)
        #expect(fast.results.count == tree.results.count)
        #expect(fast.results.map { try? $0.get() } == tree.results.map { try? $0.get() })
        #expect(fast.results.map { (try? $0.get()) == nil } == tree.results.map { (try? $0.get()) == nil })
    }
}
