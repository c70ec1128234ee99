import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy
import Synchronization
import Testing
import TestSupport

@Suite("Upstream connections")
struct UpstreamPoolTests {
    /// `n` pipelined keep-alive requests on one client connection, the last one closing it.
    static func pipelined(_ n: Int) -> String {
        (1...n).map { k in
            "POST /v1/r\(k) HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n" + (k == n ? "connection: close\r\n" : "") + "\r\n{}"
        }.joined()
    }

    @Test("upstream connections are kept alive: ten requests from one client reuse one upstream connection")
    func reuse() async throws {
        let seen = Mutex<[UInt64]>([])
        let up = try await UpstreamFixture.start { ex, _ in
            seen.withLock { $0.append(ex.connectionID) }
            UpstreamFixture.json(ex, #"{"n":\#(ex.indexOnConnection)}"#)
        }
        defer { up.stop() }
        try await withRecordingProxy(try testOptions(upstream: up.url, output: nil)) { p in
            let sock = try RawSocket(port: p.server.port!)  // started
            try sock.send(Self.pipelined(10))
            let text = sock.readText()
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 11)
            #expect(text.contains(#"{"n":9}"#), "the tenth request reached the upstream as the tenth on its connection")
            return ()
        }
        #expect(seen.withLock { $0.count } == 10)
        #expect(seen.withLock { Set($0).count } == 1)
    }

    @Test("a 4 MB request body sent in one go, as curl sends it, reaches the upstream whole")
    func bodyInOneGo() async throws {
        // The body arrives faster than the upstream socket drains, so forwarding it waits on
        // writability over and over (a lost wake-up once hung this).
        let up = try await UpstreamFixture.start { ex, body in UpstreamFixture.json(ex, #"{"got":\#(body.count)}"#) }
        defer { up.stop() }
        let size = 4 << 20
        try await withRecordingProxy(try testOptions(upstream: up.url, output: nil)) { p in
            for _ in 1...3 {
                let sock = try RawSocket(port: p.server.port!)  // started
                sock.setTimeout(seconds: 10)  // a hang fails the test instead of stalling the suite
                try sock.send(Array("POST /v1/big HTTP/1.1\r\nhost: x\r\ncontent-length: \(size)\r\nconnection: close\r\n\r\n".utf8)
                              + [UInt8](repeating: UInt8(ascii: "a"), count: size))
                let text = sock.readText(until: "}")
                #expect(text.contains(#"{"got":\#(size)}"#), "\(text.prefix(200))")
            }
            return ()
        }
    }

    @Test("an upstream that answers with connection: close gets a new connection for each request")
    func upstreamCloses() async throws {
        // Stands in for an HTTP/1.1 server that does not keep connections alive.
        let seen = Mutex<[UInt64]>([])
        let up = try await UpstreamFixture.start { ex, _ in
            seen.withLock { $0.append(ex.connectionID) }
            var h = HTTPHeaders()
            h.add(name: "content-type", value: "application/json")
            h.add(name: "connection", value: "close")
            ex.respond(status: .ok, headers: h, body: ByteBuffer(string: "{}"))
        }
        defer { up.stop() }
        try await withRecordingProxy(try testOptions(upstream: up.url, output: nil)) { p in
            let sock = try RawSocket(port: p.server.port!)  // started
            try sock.send(Self.pipelined(5))
            let text = sock.readText()
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 6)
            // Only the last answer closes (the client asked it to): the upstream's own
            // `connection: close` is about its connection and is not passed on.
            #expect(text.lowercased().components(separatedBy: "connection: close").count == 2, "\(text)")
            return ()
        }
        #expect(seen.withLock { Set($0).count } == 5)
    }

    @Test("a kept connection that the upstream closes while idle leaves the pool; the next request gets a new one")
    func idleCloseByUpstream() async throws {
        // Stands in for servers such as uvicorn that close idle keep-alive connections after a few seconds.
        let up = try await IdleClosingUpstream.start(closeAfter: .milliseconds(50))
        defer { up.channel.close(promise: nil) }
        let dir = TempDir()
        let cassette = dir.file("idle.cassette")
        try await withRecordingProxy(try testOptions(upstream: "http://127.0.0.1:\(up.port)", output: cassette)) { p in
            let sock = try RawSocket(port: p.server.port!)  // started
            for k in 1...3 {
                try sock.send("POST /v1/x HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
                let text = sock.readText(until: "}")
                #expect(text.hasPrefix("HTTP/1.1 200 OK"), "request \(k): \(text)")
                // Wait until the upstream has closed this connection, and a little more for
                // the proxy to read the close.
                #expect(eventually(10) { up.closed == k })
                usleep(100_000)
            }
            return ()
        }
        #expect(up.connections == 3)
        let exchanges = try CassetteFile.exchanges(path: cassette).exchanges
        #expect(exchanges.map(\.outcome) == [.complete, .complete, .complete])
    }

    @Test("an upstream that never answers times out after --read-timeout with 504, recorded as timeout")
    func readTimeoutBeforeHead() async throws {
        // Stands in for an inference server that accepted the request and hung.
        let up = try await UpstreamFixture.start { _, _ in }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("t.cassette")
        var o = try testOptions(upstream: up.url, output: cassette)
        o.upstream.readTimeout = .milliseconds(300)
        let result = try await withRecordingProxy(o) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: #"{"model":"m","messages":[]}"#)
        }
        #expect(result.status == 504)
        #expect(try JSON.parse(result.body)["error"]?["type"]?.stringValue == "upstream_timeout")
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.outcome == .timeout)
        #expect(ex.error?.contains("read timeout") == true)
    }

    @Test("a stream that goes silent mid-way times out: the client sees an abnormal end, the cassette keeps the chunks")
    func readTimeoutMidStream() async throws {
        // Stands in for an inference server that stalls after two tokens.
        let up = try await UpstreamFixture.start { ex, _ in
            var h = HTTPHeaders()
            h.add(name: "content-type", value: "text/event-stream")
            ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))
            for e in chatToolStream.prefix(2) { ex.writeBodyPart(ByteBuffer(string: e)) }
        }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("s.cassette")
        var o = try testOptions(upstream: up.url, output: cassette)
        o.upstream.readTimeout = .milliseconds(300)
        let result = try await withRecordingProxy(o) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: #"{"model":"m","stream":true,"messages":[]}"#)
        }
        #expect(result.status == 200)
        #expect(result.error != nil, "the client must not see a clean end")
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.outcome == .timeout)
        #expect(ex.response?.chunks.count == 2)
    }
}

/// A keep-alive HTTP/1.1 server that answers `{}` and closes a connection once it has been
/// idle for `closeAfter`, without a `connection: close` header; counts connections.
final class IdleClosingUpstream: Sendable {
    final class Count: Sendable {
        let value = Atomic<Int>(0)
        let closed = Atomic<Int>(0)
    }
    let channel: any Channel
    let port: Int
    let count: Count

    init(channel: any Channel, count: Count) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.count = count
    }

    /// Connections accepted so far.
    var connections: Int { count.value.load(ordering: .relaxed) }
    /// Connections closed so far.
    var closed: Int { count.closed.load(ordering: .relaxed) }

    static func start(closeAfter: TimeAmount) async throws -> IdleClosingUpstream {
        let count = Count()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { ch in
                count.value.add(1, ordering: .relaxed)
                return ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                    try ch.pipeline.syncOperations.addHandler(IdleClosingAnswer(closeAfter: closeAfter))
                    ch.closeFuture.whenComplete { _ in count.closed.add(1, ordering: .relaxed) }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return IdleClosingUpstream(channel: channel, count: count)
    }
}

final class IdleClosingAnswer: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let closeAfter: TimeAmount
    var timer: Scheduled<Void>?
    init(closeAfter: TimeAmount) { self.closeAfter = closeAfter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        timer?.cancel()
        guard case .end = unwrapInboundIn(data) else { return }
        TLSAnswer.answerJSON(context, "{}")
        let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: closeAfter) { ctx.value.close(promise: nil) }
    }
}

extension RawSocket {
    /// Makes reads and writes give up after `seconds`.
    func setTimeout(seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads until the text read so far contains `marker` (or EOF), as text.
    func readText(until marker: String) -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while !String(decoding: out, as: UTF8.self).contains(marker) {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
