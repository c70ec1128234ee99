import Testing
@testable import Replay

@Suite struct HTTPResponseParserTests {
    enum Ev: Equatable { case head(Int), body(String), end }

    /// Feeds `text` split at every `step` bytes and collects the events (body slices joined).
    static func run(_ text: String, step: Int) throws -> [Ev] {
        var p = HTTPResponseParser()
        var out: [Ev] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let chunk = Array(bytes[i..<min(bytes.count, i + step)])
            try chunk.withUnsafeBytes { raw in
                try p.feed(raw) { e in
                    switch e {
                    case .head(let s, _): out.append(.head(s))
                    case .body(let b):
                        let s = String(decoding: b, as: UTF8.self)
                        if case .body(let prev)? = out.last { out[out.count - 1] = .body(prev + s) } else { out.append(.body(s)) }
                    case .end: out.append(.end)
                    }
                }
            }
            i += step
        }
        try p.eof { if case .end = $0 { out.append(.end) } }
        return out
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func chunkedKeepAliveThenContentLength(step: Int) throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "6\r\ndata: \r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"
            + "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 4\r\n\r\nslow"
        #expect(try Self.run(text, step: step) == [.head(200), .body("data: hello"), .end, .head(429), .body("slow"), .end])
    }

    @Test func closeDelimitedBodyEndsAtEOF() throws {
        #expect(try Self.run("HTTP/1.0 200 OK\r\n\r\nabc", step: 2) == [.head(200), .body("abc"), .end])
    }

    @Test func interimResponsesAndEmptyBodies() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        #expect(try Self.run(text, step: 5) == [.head(204), .end, .head(200), .end])
    }

    @Test func cutShortResponsesAndGarbageThrow() {
        #expect(throws: HTTPParseError.self) { try Self.run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", step: 100) }
        #expect(throws: HTTPParseError.self) { try Self.run("SSH-2.0-OpenSSH\r\n", step: 100) }
        #expect(throws: HTTPParseError.self) { try Self.run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", step: 100) }
    }

    @Test func connectionCloseHeaderEndsKeepAlive() throws {
        var p = HTTPResponseParser()
        let bytes = Array("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx".utf8)
        try bytes.withUnsafeBytes { try p.feed($0) { _ in } }
        #expect(!p.keepAlive)
        #expect(p.state == .closed)
    }
}
