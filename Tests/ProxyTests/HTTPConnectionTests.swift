import Foundation
import NIOCore
import NIOHTTP1
import Proxy
import Synchronization
import Testing

/// The server connection's own pipelining, bad-request answer, header check and graceful
/// close (it does what NIO's three handlers for these used to), seen from a raw TCP client.
@Suite("Server connections")
struct HTTPConnectionTests {
    /// A server on port 0 answering with `respond`; stopped when `body` returns.
    static func withServer<T>(_ respond: @escaping @Sendable (HTTPServerExchange) -> Void,
                              _ body: (HTTPServer, Int) async throws -> T) async throws -> T {
        // A drain time far past the clients' 10 s read timeout: a connection that only the
        // drain would close shows up as a read that timed out, not as an end of stream.
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .seconds(60)),
                                handler: HTTPHandlerClosure { ex in respond(ex) })
        let port = try await server.start().port ?? 0
        defer { server.shutdown() }
        return try await body(server, port)
    }

    /// Reads until the peer closes (true) or the read times out (false).
    static func readToEnd(_ sock: RawSocket) -> (String, closed: Bool) {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { read(sock.fd, $0.baseAddress, $0.count) }
            if n == 0 { return (String(decoding: out, as: UTF8.self), true) }
            if n < 0 { return (String(decoding: out, as: UTF8.self), false) }
            out += buf[0..<n]
        }
    }

    static func text(_ ex: HTTPServerExchange, _ s: String, headers: [(String, String)] = []) {
        var h = HTTPHeaders()
        for (k, v) in headers { h.add(name: k, value: v) }
        ex.respond(status: .ok, headers: h, body: ByteBuffer(string: s))
    }

    @Test("pipelined requests are answered in order, one response after the other, even when the first is slow")
    func pipelinedInOrder() async throws {
        try await Self.withServer({ ex in
            ex.collectRequestBody(maxBytes: 1 << 20).whenSuccess { body in
                let uri = ex.head.uri
                if uri == "/slow" {
                    ex.eventLoop.scheduleTask(in: .milliseconds(100)) { Self.text(ex, "slow-answer:\(body.readableBytes)") }
                } else {
                    Self.text(ex, "answer\(uri)")
                }
            }
        }) { _, port in
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello"
                          + "GET /a HTTP/1.1\r\nhost: x\r\n\r\n"
                          + "POST /b HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"
                          + "GET /c HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            let text = sock.readText()
            let order = ["slow-answer:5", "answer/a", "answer/b", "answer/c"].map { text.range(of: $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil }, "\(text)")
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "answers out of order: \(text)")
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 5)
        }
    }

    @Test("a response that ends before its request body does: the next request waits for that body, then goes on")
    func earlyResponseThenNext() async throws {
        try await Self.withServer({ ex in
            if ex.head.uri == "/early" { Self.text(ex, "refused-early") } else {
                ex.collectRequestBody(maxBytes: 1 << 20).whenSuccess { _ in Self.text(ex, "answer\(ex.head.uri)") }
            }
        }) { _, port in
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("POST /early HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\n")
            #expect(sock.readText(until: "refused-early").contains("refused-early"))
            try sock.send("0123456789GET /next HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            let text = sock.readText()
            #expect(text.contains("answer/next"), "\(text)")
        }
    }

    @Test("a request that cannot be parsed gets 400 Bad Request and the connection closes")
    func badRequest() async throws {
        try await Self.withServer({ ex in Self.text(ex, "never") }) { _, port in
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("GET / HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n")
            let text = sock.readText()  // to EOF: the server closes
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request"), "\(text)")
            #expect(text.lowercased().contains("connection: close"))
            #expect(!text.contains("never"))
        }
    }

    @Test("a response head with a header that may not be sent is not written: the connection closes")
    func invalidHeaderIsNotSent() async throws {
        try await Self.withServer({ ex in
            if ex.head.uri == "/inject" {
                Self.text(ex, "body", headers: [("x-note", "a\r\nx-injected: 1")])
            } else {
                Self.text(ex, "fine", headers: [("x-note", "tab\tand obs-text \u{E9}")])
            }
        }) { _, port in
            let ok = try RawSocket(port: port)
            ok.setTimeout(seconds: 10)
            try ok.send("GET /fine HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            #expect(ok.readText().contains("fine"))
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("GET /inject HTTP/1.1\r\nhost: x\r\n\r\n")
            let text = sock.readText()  // to EOF
            #expect(!text.contains("x-injected"), "\(text)")
            #expect(!text.contains("200 OK"))
        }
    }

    @Test("graceful shutdown closes an idle keep-alive connection at once and a busy one after its response")
    func quiesce() async throws {
        // The slow request is answered only once the shutdown has begun.
        let held = Mutex<HTTPServerExchange?>(nil)
        try await Self.withServer({ ex in
            if ex.head.uri == "/slow" { held.withLock { $0 = ex } } else { Self.text(ex, "quick") }
        }) { server, port in
            let idle = try RawSocket(port: port)
            idle.setTimeout(seconds: 10)
            try idle.send("GET /quick HTTP/1.1\r\nhost: x\r\n\r\n")
            #expect(idle.readText(until: "quick").contains("quick"))
            let busy = try RawSocket(port: port)
            busy.setTimeout(seconds: 10)
            try busy.send("GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
            while held.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
            server.shutdown()
            let (rest, idleClosed) = Self.readToEnd(idle)
            #expect(idleClosed && rest.isEmpty, "the idle connection closes with nothing more sent")
            let ex = try #require(held.withLock { $0 })
            ex.eventLoop.execute { Self.text(ex, "slow-done") }
            let (text, busyClosed) = Self.readToEnd(busy)
            #expect(busyClosed)
            #expect(text.contains("slow-done"), "\(text)")
            #expect(text.lowercased().contains("connection: close"))
        }
    }
    @Test("a response to HEAD has its headers and no body, and the next request on the connection is answered")
    func headThenGet() async throws {
        try await Self.withServer({ ex in
            ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-type": "text/plain"]))
            ex.writeBodyPart(ByteBuffer(string: "body-of-\(ex.head.method.rawValue)"))
            ex.end()
        }) { _, port in
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("HEAD / HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            let text = sock.readText()
            #expect(!text.contains("body-of-HEAD"), "\(text)")
            #expect(text.contains("body-of-GET"), "\(text)")
            // The HEAD answer says what a GET would get, and has no last chunk of its own.
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\nHTTP/1.1 200 OK"), "\(text)")
        }
    }

    @Test("an HTTP/1.0 body with no length is ended by the close, even when the client asked for keep-alive")
    func http10CloseDelimited() async throws {
        try await Self.withServer({ ex in
            ex.writeHead(HTTPResponseHead(version: ex.head.version, status: .ok))
            ex.writeBodyPart(ByteBuffer(string: "part1-"))
            ex.writeBodyPart(ByteBuffer(string: "part2"))
            ex.end()
        }) { _, port in
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("GET / HTTP/1.0\r\nhost: x\r\nconnection: keep-alive\r\n\r\n")
            let (text, closed) = Self.readToEnd(sock)
            #expect(closed, "the server must close to end the body")
            #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(text)")
            #expect(text.hasSuffix("\r\n\r\npart1-part2"), "\(text)")
            #expect(!text.lowercased().contains("transfer-encoding"))
        }
    }

    @Test("parts small and large, flushed one by one or together, arrive whole and in order as chunks")
    func partsOfEverySize() async throws {
        let sizes = [1, 17, 300, 8 << 10, (8 << 10) + 1, 40_000, 3, 200_000, 5]
        @Sendable func part(_ k: Int) -> ByteBuffer {
            ByteBuffer(bytes: (0..<sizes[k]).map { UInt8(truncatingIfNeeded: 0x61 + ($0 &* 7 &+ k) % 26) })
        }
        try await Self.withServer({ ex in
            ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok), flush: false)
            // Even parts wait for the next flush, odd ones flush: pending bytes mix both ways.
            for k in sizes.indices { ex.writeBodyPart(part(k), flush: k % 2 == 1) }
            ex.end(trailers: ["x-done": "yes"])
        }) { _, port in
            let sock = try RawSocket(port: port)
            sock.setTimeout(seconds: 10)
            try sock.send("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            let (text, closed) = Self.readToEnd(sock)
            #expect(closed)
            let split = try #require(text.range(of: "\r\n\r\n"))
            #expect(text[..<split.lowerBound].lowercased().contains("transfer-encoding: chunked"))
            // Decode the chunked body by hand, on bytes ("\r\n" is one Character).
            var rest = Array(text[split.upperBound...].utf8)[...]
            var chunks: [String] = []
            while let eol = rest.firstIndex(of: 0x0D) {
                let size = try #require(Int(String(decoding: rest[..<eol], as: UTF8.self), radix: 16), "bad size line")
                rest = rest[(eol + 2)...]
                if size == 0 { break }
                chunks.append(String(decoding: rest.prefix(size), as: UTF8.self))
                rest = rest.dropFirst(size)
                #expect(rest.starts(with: [0x0D, 0x0A]))
                rest = rest.dropFirst(2)
            }
            #expect(chunks == sizes.indices.map { String(buffer: part($0)) })
            #expect(String(decoding: rest, as: UTF8.self) == "x-done: yes\r\n\r\n")
        }
    }
}
