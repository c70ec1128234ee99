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
}
