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
        if var r = ex.response.take() {  // Taken out, so that changing it copies nothing.
            let body = r.body.bytes
            if case .binary = r.body { r.setBody(bytes: body) }
            let encoding = r.encoding ?? r.headers.first("content-encoding")
            // A gzip or deflate body is stored as it came; its facts come from the inflated bytes.
            // One that does not inflate is analysed as the opaque bytes it is.
            let inflated = encoding.flatMap { ContentInflater(encoding: $0) }
                .flatMap { analyze(r, body: body, endNs: ex.timing.endNs, start: analyzer, inflater: $0) }
            // Without an inflater `analyze` cannot fail; the last fallback is never taken. A JSON
            // body already parsed for storage is not parsed again.
            analyzer = inflated ?? analyze(r, body: body, endNs: ex.timing.endNs, start: analyzer, contentEncoding: encoding,
                                           parsed: r.body.jsonValue) ?? analyzer
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

    /// Feeds the response to `start` chunk by chunk, each at its recorded time; with an
    /// `inflater`, the inflated bytes of each chunk (nil when the body does not inflate).
    static func analyze(_ r: ResponseRecord, body: [UInt8], endNs: Int64?, start: ResponseAnalyzer,
                        contentEncoding: String? = nil, inflater: ContentInflater? = nil, parsed: JSON? = nil) -> ResponseAnalyzer? {
        var analyzer = start
        analyzer.head(status: r.status, contentType: r.headers.first("content-type"), contentEncoding: contentEncoding)
        var plain: [UInt8] = []
        let ok: Bool = body.withUnsafeBytes { all in
            // A body recorded without chunk times still has to be inflated whole.
            let chunks = r.chunks.isEmpty && inflater != nil ? [Chunk(length: all.count, tNs: endNs ?? 0)] : r.chunks
            var off = 0
            for c in chunks {
                let end = min(off + c.length, all.count)
                let raw = UnsafeRawBufferPointer(rebasing: all[off..<end])
                off = end
                if let inflater {
                    guard let out = inflater.feed(raw) else { return false }
                    plain += out
                    analyzer.ingest(out, tNs: c.tNs)
                } else {
                    analyzer.ingest(raw, tNs: c.tNs)
                }
            }
            return true
        }
        guard ok else { return nil }
        analyzer.finish(body: inflater == nil ? body : plain, endNs: endNs, parsed: inflater == nil ? parsed : nil)
        return analyzer
    }
}
