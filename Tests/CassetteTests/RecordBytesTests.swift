import Testing
@testable import Cassette

/// The encoder writes exchange records straight to bytes; these must be the bytes of the JSON
/// tree form, which the decoder, `cassette cat` and every other reader are built on.
@Suite struct RecordBytesTests {
    func direct(_ ex: Exchange, _ stored: (body: JSONObject, refs: JSONObject)? = nil) -> String {
        var out: [UInt8] = []
        ex.writeRecord(into: &out, storedRequestBody: stored)
        return String(decoding: out, as: UTF8.self)
    }

    func tree(_ ex: Exchange, _ stored: (body: JSONObject, refs: JSONObject)? = nil) -> String {
        ex.toJSON(storedRequestBody: stored).text()
    }

    @Test func fullExchangeMatchesTheTreeForm() throws {
        let ex = Fixtures.fullExchange()
        #expect(direct(ex) == tree(ex))
        #expect(try JSON.parse(direct(ex)) == ex.toJSON())
    }

    @Test func sparseExchangesMatch() {
        var ex = Exchange(id: "x\"1\\", startUnixNs: -5, startMonoNs: Int64.min + 1, request: RequestRecord(method: "GET", url: "/é\n"))
        #expect(direct(ex) == tree(ex))
        ex.timing = Timing(headNs: 0)
        ex.outcome = .timeout
        ex.facts = ExchangeFacts(dialect: .mcp)
        ex.facts.usage = Usage(input: 0, output: 0, cached: 0, reasoning: 0)
        ex.facts.toolCalls = [ToolCall(id: nil, name: "n", arguments: "")]
        ex.response = ResponseRecord(status: 502)
        #expect(direct(ex) == tree(ex))
        ex.timing = Timing(sentNs: Int64.max, endNs: 7)
        ex.link = ToolLink(exchange: "x0", toolCallId: nil)
        #expect(direct(ex) == tree(ex))
    }

    @Test func everyBodyKindMatches() {
        for body in [Body.none, .json(["a": [1, 2.5, "x"]], .indent2), .json(["b": nil], .indent2Newline), .json([1, true], .compact),
                     .text("plain \u{1} \"q\""), .binary([0, 255, 7])] {
            var ex = Exchange(id: "x", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "POST", url: "/", body: body))
            ex.response = ResponseRecord(status: 200, headers: [Header("a", "b")], body: body,
                                         chunks: body.count > 0 ? [Chunk(length: body.count, tNs: 5)] : [], encoding: "gzip")
            #expect(direct(ex) == tree(ex))
        }
    }

    @Test func storedRequestBodyMatches() {
        let ex = Fixtures.fullExchange()
        guard case .json(.object(let body), _) = ex.request.body else { Issue.record("fixture body is not an object"); return }
        var lists = Set<String>(), added: [String] = [], cache = BlobNameCache()
        let (stored, refs, _) = ContentDedup.split(body, lists: &lists, added: &added, cache: &cache)
        #expect(!refs.isEmpty)
        #expect(direct(ex, (stored, refs)) == tree(ex, (stored, refs)))
    }

    /// A compact JSON response body keeps the bytes it came from, and the writer copies them:
    /// the record must be byte for byte the tree form, and a body changed afterwards (by
    /// redaction here) must be written from its new value, never from the old bytes.
    @Test func compactResponseBytesAreCopiedOnlyWhileTheBodyIsUnchanged() throws {
        let raw = Array(#"{"id":"r1","api_key":"hunter2-secret","usage":{"prompt_tokens":3},"data":[1.50,"\u0001"]}"#.utf8)
        var ex = Exchange(id: "x", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "POST", url: "/v1/embeddings"))
        var r = ResponseRecord(status: 200, chunks: [Chunk(length: raw.count, tNs: 9)])
        r.setBody(bytes: raw)
        guard case .json(_, .compact) = r.body else { Issue.record("the body is not compact JSON: \(r.body)"); return }
        #expect(r.compactBytes.bytes == raw)
        ex.response = r
        #expect(direct(ex) == tree(ex))
        #expect(direct(ex).contains(String(decoding: raw, as: UTF8.self)))

        var redactor = Redactor()
        try redactor.add(jsonPaths: ["api_key"])
        redactor.redact(&ex)
        #expect(ex.response?.compactBytes.bytes == nil)
        #expect(direct(ex) == tree(ex))
        #expect(!direct(ex).contains("hunter2-secret"))

        // A body that is not exactly compact keeps nothing.
        var pretty = ResponseRecord(status: 200)
        pretty.setBody(bytes: Array("{ \"a\": 1 }".utf8))
        #expect(pretty.compactBytes.bytes == nil)
        // The cache is not part of the value.
        var plain = ResponseRecord(status: 200, chunks: [Chunk(length: raw.count, tNs: 9)])
        plain.body = r.body
        #expect(plain == r)
    }
}

