import Cassette
import NIOCore

/// The client's receive path on its own, for benchmarks: HTTP/1.1 framing, SSE, token-event
/// extraction, exactly as an agent runs them on each read.
public enum ClientParsePath {
    /// Parses one response delivered as `reads`; returns the token-bearing events found
    /// (`nil` on a malformed response).
    public static func parse(_ reads: [ByteBuffer], dialect: Dialect = .openaiChat) -> Int? {
        var parser = HTTPResponseParser()
        var info = RequestInfo(method: "POST", path: Turn.apiPath(dialect) ?? "/v1/chat/completions", body: nil)
        info.stream = true
        var analyzer = ResponseAnalyzer(request: info)
        var t: Int64 = 0
        do {
            for b in reads {
                t += 1
                try b.withUnsafeReadableBytes { raw in
                    try parser.feed(raw) { e in
                        switch e {
                        case .head(let status, let headers):
                            analyzer.head(status: status, contentType: headers.first { $0.name == "content-type" }?.value, contentEncoding: nil)
                        case .body(let slice): analyzer.ingest(slice, tNs: t)
                        case .end: break
                        }
                    }
                }
            }
        } catch { return nil }
        analyzer.finish(endNs: t)
        return analyzer.facts.tokenNs.count
    }

    /// The SSE framing alone (no JSON), as a floor for the full path.
    public static func frameOnly(_ reads: [ByteBuffer]) -> Int {
        var sse = SSEParser()
        var n = 0
        for b in reads { b.withUnsafeReadableBytes { sse.feed($0) { _ in n += 1 } } }
        return n
    }
}
