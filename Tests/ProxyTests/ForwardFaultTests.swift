import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import Proxy
import Synchronization
import Testing
import TestSupport

@Suite("Forwarding faults")
struct ForwardFaultTests {
    /// Streams a chat request through curl, which prints every body byte that arrived and
    /// exits 18 ("partial file") for a chunked body cut short. (The async-http-client test
    /// client can drop parts it has buffered but not yet handed over when the connection
    /// then closes, which made these checks fail under parallel test load.)
    static func curlStream(_ url: String) throws -> (status: Int, body: String, truncated: Bool) {
        let r = try runProcess("/usr/bin/env", ["curl", "-sN", "--max-time", "30", "-H", "content-type: application/json",
                                                "-d", #"{"model":"m","stream":true,"messages":[]}"#, "-w", "\n%{http_code}", url])
        guard let cut = r.stdout.lastIndex(of: "\n") else { return (0, r.stdout, r.code != 0) }
        return (Int(r.stdout[r.stdout.index(after: cut)...]) ?? 0, String(r.stdout[..<cut]), r.code == 18)
    }

    @Test("an unreachable upstream gives 502 with a JSON error naming it, and is recorded")
    func unreachable() async throws {
        let port = freeLoopbackPort()  // nothing listens here
        let dir = TempDir()
        let cassette = dir.file("u.cassette")
        let upstream = "http://127.0.0.1:\(port)"
        let result = try await withRecordingProxy(try testOptions(upstream: upstream, output: cassette)) { proxy in
            try await TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"m","messages":[]}"#)
        }
        #expect(result.status == 502)
        let json = try JSON.parse(result.body)
        #expect(json["error"]?["type"]?.stringValue == "upstream_unreachable")
        #expect(json["error"]?["upstream"]?.stringValue == upstream)
        #expect(json["error"]?["message"]?.stringValue?.contains(upstream) == true)
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.outcome == .upstreamError)
        #expect(ex.response == nil)
        #expect(ex.error?.contains(upstream) == true)
        #expect(ex.facts.dialect == .openaiChat)
        if case .json = ex.request.body {} else { Issue.record("the failed request's body is kept") }
    }

    /// Streams a chat request through a recording proxy to `upstream`, which sends the first
    /// three events of `chatToolStream` and dies: the client gets those bytes and an abnormal
    /// end, and the cassette an `upstream_error` exchange, which is returned.
    static func streamCutShort(_ upstream: UpstreamFixture) async throws -> Exchange {
        let dir = TempDir()
        let cassette = dir.file("cut.cassette")
        let result = try await withRecordingProxy(try testOptions(upstream: upstream.url, output: cassette)) { proxy in
            try Self.curlStream(proxy.baseURL + "/v1/chat/completions")
        }
        #expect(result.status == 200)
        #expect(result.truncated, "the client must not see a clean end")
        #expect(result.body == chatToolStream.prefix(3).joined())
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.outcome == .upstreamError)
        return ex
    }

    @Test("an upstream that dies mid-stream gives the client an abnormal end and records upstream_error")
    func diesMidStream() async throws {
        // Stands in for an inference server whose process crashes after three events.
        let upstream = try await UpstreamFixture.start { ex, _ in UpstreamFixture.sse(ex, events: chatToolStream, abortAfter: 3) }
        defer { upstream.stop() }
        let ex = try await Self.streamCutShort(upstream)
        #expect(ex.response?.chunks.count == 3)
        #expect(ex.response?.body.textValue == chatToolStream.prefix(3).joined())
        #expect(ex.facts.toolCalls.first?.name == "get_weather")
    }

    @Test("chunks read together with the upstream's abrupt close reach the client before its abnormal end")
    func lastChunksBeforeAnAbruptClose() async throws {
        // Stands in for an upstream that writes its last events and dies at once: the proxy
        // reads the events and the close in one go. Events written unflushed and then cut off
        // by the close were lost.
        let upstream = try await UpstreamFixture.start { ex, _ in
            var h = HTTPHeaders()
            h.add(name: "content-type", value: "text/event-stream")
            ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h), flush: false)
            for e in chatToolStream.prefix(3) { ex.writeBodyPart(ByteBuffer(string: e), flush: false) }
            ex.abort()
        }
        defer { upstream.stop() }
        let ex = try await Self.streamCutShort(upstream)
        #expect(ex.response?.body.textValue == chatToolStream.prefix(3).joined())
    }

    @Test("a client that disconnects cancels the upstream request, recorded as client_disconnect")
    func clientDisconnect() async throws {
        // Stands in for a long generation: an endless stream, one event every 20 ms.
        let upstreamGone = Atomic<Bool>(false)
        let upstream = try await UpstreamFixture.start { ex, _ in
            ex.onClientGone { upstreamGone.store(true, ordering: .relaxed) }
            UpstreamFixture.sse(ex, events: Array(repeating: "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n", count: 100_000), gapMs: 20)
        }
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("c.cassette")
        let result = try await withRecordingProxy(try testOptions(upstream: upstream.url, output: cassette)) { proxy in
            let r = try await TestClient.send(proxy.baseURL + "/v1/chat/completions", body: Array(#"{"stream":true,"messages":[]}"#.utf8), stopAfter: 3)
            // The proxy must drop its upstream connection once the client has gone.
            #expect(eventually(10) { upstreamGone.load(ordering: .relaxed) })
            return r
        }
        #expect(result.chunks == 3)
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.outcome == .clientDisconnect)
        #expect((ex.response?.chunks.count ?? 0) >= 3)
    }

    @Test("a slow client slows the upstream: the proxy buffers a bounded amount")
    func backpressure() async throws {
        // Stands in for an upstream that can produce far faster than the client reads.
        let total = 48 << 20, piece = 64 << 10
        let sent = Atomic<Int>(0)
        let upstream = try await UpstreamFixture.start { ex, _ in
            var h = HTTPHeaders()
            h.add(name: "content-length", value: String(total))
            ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))
            let block = ByteBuffer(repeating: UInt8(ascii: "a"), count: piece)
            @Sendable func pump() {
                while sent.load(ordering: .relaxed) < total {
                    sent.add(piece, ordering: .relaxed)
                    let f = ex.writeBodyPart(block)
                    if !ex.isWritable { f.whenSuccess { pump() }; return }
                }
                ex.end()
            }
            pump()
        }
        defer { upstream.stop() }
        try await withRecordingProxy(try testOptions(upstream: upstream.url, output: nil)) { proxy in
            let port = proxy.server.port!  // started
            let sock = try RawSocket(port: port)
            try sock.send("GET /big HTTP/1.1\r\nhost: x\r\n\r\n")
            // Read nothing until the upstream stops making progress.
            var last = -1
            _ = eventually(30) {
                let now = sent.load(ordering: .relaxed)
                defer { last = now }
                if now == last { usleep(300_000); return sent.load(ordering: .relaxed) == now }
                return false
            }
            let stalled = sent.load(ordering: .relaxed)
            #expect(stalled < total / 2, "upstream wrote \(stalled) of \(total) bytes to a client that read nothing")
            // Now read everything: the whole body arrives.
            let got = try sock.readAll(until: total)
            #expect(got >= total)
            return ()
        }
    }
}

/// A blocking TCP client for tests that need to control exactly when bytes are read.
final class RawSocket: @unchecked Sendable {  // used from one test task at a time
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var small: Int32 = 16 << 10
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { close(fd); throw ProxyTestError("connect failed") }
    }

    deinit { close(fd) }

    func send(_ s: String) throws { try send(Array(s.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }  // non-empty
            guard n > 0 else { throw ProxyTestError("write failed") }
            off += n
        }
    }

    /// Reads until EOF or at least `until` body-ish bytes; returns the bytes read after the head.
    func readAll(until: Int) throws -> Int {
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var all = 0, headEnd = -1
        var head: [UInt8] = []
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            if headEnd < 0 {
                head += buf[0..<n]
                if let r = String(decoding: head, as: UTF8.self).range(of: "\r\n\r\n") {
                    headEnd = String(decoding: head, as: UTF8.self)[..<r.upperBound].utf8.count
                    all = head.count - headEnd
                }
            } else {
                all += n
            }
            if all >= until { break }
        }
        return all
    }

    /// Reads whatever arrives until EOF or `max` bytes, as text.
    func readText(max: Int = 1 << 20) -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while out.count < max {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
