/// Derives an exchange's facts from its recorded bytes, after the fact.
///
/// The forwarder keeps only raw bytes and socket timestamps on its hot path; this replays
/// the response chunks, with their recorded arrival times, through ``ResponseAnalyzer``, so
/// the facts are exactly what live analysis would have produced, at a fraction of the cost
/// per chunk on the event loop. It also settles how bodies are stored (JSON, text or
/// binary) and picks up MCP session ids.
public enum ExchangeAnalysis {
    /// Classifies both bodies and fills `facts` (dialect, model, tokens, usage, tool calls, MCP).
    public static func complete(_ ex: inout Exchange) {
        let reqBytes = ex.request.body.bytes
        if case .binary = ex.request.body { ex.request.body = Body(bytes: reqBytes) }
        let reqJSON = ex.request.body.jsonValue
        var info = RequestInfo(method: ex.request.method, path: ex.request.url, body: reqJSON)
        let mcpSession = ex.request.headers.first("mcp-session-id") ?? ex.response?.headers.first("mcp-session-id")
        if info.dialect == .unknown, mcpSession != nil { info.dialect = .mcp }
        let params = reqJSON?.arrayValue == nil ? reqJSON?["params"] : reqJSON?.arrayValue?.first?["params"]
        var analyzer = ResponseAnalyzer(request: info, mcpParams: params)
        if var r = ex.response {
            let body = r.body.bytes
            let encoding = r.encoding ?? r.headers.first("content-encoding")
            // A gzip or deflate body is stored as it came; its facts come from the inflated bytes.
            if let encoding, ContentInflater.supports(encoding),
               let plain = analyzeCompressed(r, body: body, encoding: encoding, endNs: ex.timing.endNs, fresh: analyzer) {
                analyzer = plain
            } else {
                analyzer.head(status: r.status, contentType: r.headers.first("content-type"), contentEncoding: encoding)
                if !r.chunks.isEmpty {
                    var off = 0
                    body.withUnsafeBytes { all in
                        for c in r.chunks {
                            let end = min(off + c.length, all.count)
                            analyzer.ingest(UnsafeRawBufferPointer(rebasing: all[off..<end]), tNs: c.tNs)
                            off = end
                        }
                    }
                }
                analyzer.finish(body: body, endNs: ex.timing.endNs)
            }
            if case .binary = r.body { r.body = Body(bytes: body) }
            ex.response = r
        } else {
            analyzer.finish(body: nil, endNs: ex.timing.endNs)
        }
        var facts = analyzer.facts
        if facts.dialect == .mcp {
            var m = facts.mcp ?? MCPFacts()
            m.session = mcpSession
            facts.mcp = m
        }
        ex.facts = facts
    }

    /// Runs the analysis over the inflated body, chunk by chunk at the compressed chunks' times;
    /// nil when the body does not inflate (then it is analysed as opaque bytes).
    static func analyzeCompressed(_ r: ResponseRecord, body: [UInt8], encoding: String, endNs: Int64?,
                                  fresh: ResponseAnalyzer) -> ResponseAnalyzer? {
        guard let inflater = ContentInflater(encoding: encoding) else { return nil }
        var analyzer = fresh
        analyzer.head(status: r.status, contentType: r.headers.first("content-type"), contentEncoding: nil)
        let chunks = r.chunks.isEmpty ? [Chunk(length: body.count, tNs: endNs ?? 0)] : r.chunks
        var plain: [UInt8] = []
        var off = 0
        let ok: Bool = body.withUnsafeBytes { all in
            for c in chunks {
                let end = min(off + c.length, all.count)
                guard let out = inflater.feed(UnsafeRawBufferPointer(rebasing: all[off..<end])) else { return false }
                off = end
                plain += out
                analyzer.ingest(out, tNs: c.tNs)
            }
            return true
        }
        guard ok else { return nil }
        analyzer.finish(body: plain, endNs: endNs)
        return analyzer
    }
}
