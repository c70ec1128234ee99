import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import Proxy
import Synchronization
import Testing
import TestSupport

@Suite("Forwarding features")
struct ForwardFeatureTests {
    @Test("the longest route prefix wins and is stripped; the upstream's base path is kept")
    func routes() async throws {
        // Two upstreams standing in for OpenAI (at /) and Anthropic (at /anthropic).
        let a = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, #"{"who":"a"}"#) }
        let b = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, #"{"who":"b"}"#) }
        defer { a.stop(); b.stop() }
        let dir = TempDir()
        let cassette = dir.file("r.cassette")
        var o = try testOptions(upstream: a.url, output: cassette)
        try o.routes.add(spec: "/anthropic=\(b.url)/base")
        let (ra, rb, rc) = try await withRecordingProxy(o) { p in
            (try await TestClient.post(p.baseURL + "/v1/chat/completions?x=1", json: "{}"),
             try await TestClient.post(p.baseURL + "/anthropic/v1/messages", json: "{}"),
             try await TestClient.post(p.baseURL + "/anthropical/v1", json: "{}"))
        }
        #expect(ra.text == #"{"who":"a"}"#)
        #expect(rb.text == #"{"who":"b"}"#)
        #expect(rc.text == #"{"who":"a"}"#)
        #expect(a.requests.withLock { $0.map(\.head.uri) } == ["/v1/chat/completions?x=1", "/anthropical/v1"])
        #expect(b.requests.withLock { $0.map(\.head.uri) } == ["/base/v1/messages"])
        let ups = try CassetteFile.exchanges(path: cassette).exchanges.map { $0.upstream ?? "" }.sorted()
        #expect(ups.contains(b.url + "/base/v1/messages"))
        #expect(ups.contains(a.url + "/v1/chat/completions?x=1"))
    }

    @Test("an auth token guards the proxy, travels in the path and is never recorded")
    func authToken() async throws {
        let up = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, "{}") }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("a.cassette")
        var o = try testOptions(upstream: up.url, output: cassette)
        o.authToken = "secret-token-123"
        let (denied, wrong, ok) = try await withRecordingProxy(o) { p in
            let root = "http://127.0.0.1:\(p.server.port!)"  // started
            return (try await TestClient.post(root + "/v1/chat/completions", json: "{}"),
                    try await TestClient.post(root + "/t/not-the-token/v1/chat/completions", json: "{}"),
                    try await TestClient.post(root + "/t/secret-token-123/s/run-1/v1/chat/completions", json: #"{"model":"m","messages":[]}"#))
        }
        #expect(denied.status == 401)
        #expect(wrong.status == 401)
        #expect(ok.status == 200)
        #expect(up.requests.withLock { $0.map(\.head.uri) } == ["/v1/chat/completions"])
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.request.url == "/v1/chat/completions")
        #expect(ex.trajectory == "run-1")
        let raw = try runProcess("/bin/sh", ["-c", "lz4 -dc < '\(cassette)'"])
        #expect(!raw.stdout.contains("secret-token-123"))
    }

    @Test("the X-Tapedeck-Session header names the trajectory and is not forwarded")
    func sessionHeader() async throws {
        let up = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, "{}") }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("s.cassette")
        _ = try await withRecordingProxy(try testOptions(upstream: up.url, output: cassette)) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: #"{"model":"m","messages":[]}"#, headers: [("X-Tapedeck-Session", "agent-42")])
        }
        #expect(up.requests.withLock { $0.first?.head.headers.contains(name: "x-tapedeck-session") } == false)
        #expect(try CassetteFile.exchanges(path: cassette).exchanges.first?.trajectory == "agent-42")
    }

    @Test("keep-alive, pipelined requests and a chunked request body on one connection")
    func keepAliveAndChunked() async throws {
        let up = try await UpstreamFixture.start { ex, body in UpstreamFixture.json(ex, #"{"got":"# + String(body.count) + "}") }
        defer { up.stop() }
        try await withRecordingProxy(try testOptions(upstream: up.url, output: nil)) { p in
            let sock = try RawSocket(port: p.server.port!)  // started
            let chunked = "POST /v1/a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n"
                + "5\r\n{\"a\":\r\n3\r\n123\r\n1\r\n}\r\n0\r\n\r\n"
            let plain = "POST /v1/b HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}"
            let last = "GET /v1/c HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
            try sock.send(chunked + plain + last)
            let text = sock.readText()
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
            #expect(text.contains(#"{"got":9}"#))
            #expect(text.contains(#"{"got":2}"#))
            #expect(text.contains(#"{"got":0}"#))
            #expect(p.server.connectionCount <= 1)
            return ()
        }
        #expect(up.requests.withLock { $0.map { String(decoding: $0.body, as: UTF8.self) } } == [#"{"a":123}"#, "{}", ""])
    }

    @Test("a client that sends Expect: 100-continue gets 100 Continue before it sends the body")
    func expectContinue() async throws {
        let up = try await UpstreamFixture.start { ex, body in UpstreamFixture.json(ex, #"{"got":"# + String(body.count) + "}") }
        defer { up.stop() }
        try await withRecordingProxy(try testOptions(upstream: up.url, output: nil)) { p in
            let sock = try RawSocket(port: p.server.port!)  // started
            sock.setTimeout(seconds: 10)
            try sock.send("POST /v1/e HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n")
            let interim = sock.readText(until: "\r\n\r\n")
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim)")
            try sock.send("{}")
            let rest = sock.readText()
            #expect(rest.contains("HTTP/1.1 200 OK"))
            #expect(rest.contains(#"{"got":2}"#))
            return ()
        }
        #expect(up.requests.withLock { $0.first?.head.headers.contains(name: "expect") } == false)
    }

    @Test("a 12 MB request body is forwarded and recorded whole")
    func bigRequestBody() async throws {
        let up = try await UpstreamFixture.start { ex, body in UpstreamFixture.json(ex, #"{"got":"# + String(body.count) + "}") }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("big.cassette")
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 12 << 20 / 27)
        let body = #"{"model":"m","messages":[{"role":"user","content":""# + filler + #""}]}"#
        let r = try await withRecordingProxy(try testOptions(upstream: up.url, output: cassette)) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: body)
        }
        #expect(r.text == #"{"got":"# + String(body.utf8.count) + "}")
        #expect(up.requests.withLock { $0.first?.body == Array(body.utf8) })
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.request.body.bytes == Array(body.utf8))
    }

    @Test("a single 1.5 MB SSE line arrives intact and is parsed")
    func hugeSSELine() async throws {
        // Stands in for a model that streams one enormous delta (a big tool argument).
        let text = String(repeating: "abcdefghij", count: 150_000)
        let event = #"data: {"choices":[{"index":0,"delta":{"content":""# + text + #""}}]}"# + "\n\n"
        let up = try await UpstreamFixture.start { ex, _ in
            // Sent in 64 KiB pieces, as a socket would deliver it.
            let bytes = Array(event.utf8)
            let pieces = stride(from: 0, to: bytes.count, by: 65_536).map { String(decoding: bytes[$0..<min($0 + 65_536, bytes.count)], as: UTF8.self) }
            UpstreamFixture.sse(ex, events: pieces + ["data: [DONE]\n\n"], gapMs: 1)
        }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("line.cassette")
        let r = try await withRecordingProxy(try testOptions(upstream: up.url, output: cassette)) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: #"{"model":"m","stream":true,"messages":[]}"#)
        }
        #expect(r.text == event + "data: [DONE]\n\n")
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.facts.outputText == text)
        #expect(ex.facts.tokenNs.count == 1)
    }

    @Test("a gzip response passes through unchanged and the cassette notes the encoding")
    func gzipPassThrough() async throws {
        let dir = TempDir()
        let plain = dir.file("p.json")
        try #"{"id":"c1","model":"m","choices":[{"message":{"role":"assistant","content":"compressed"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":2}}"#
            .write(toFile: plain, atomically: true, encoding: .utf8)
        #expect(try runProcess("/bin/sh", ["-c", "gzip -kn '\(plain)'"]).code == 0)
        let gz = try #require(FileManager.default.contents(atPath: plain + ".gz"))
        // Stands in for an upstream that honours Accept-Encoding: gzip.
        let up = try await UpstreamFixture.start { ex, _ in
            var h = HTTPHeaders()
            h.add(name: "content-type", value: "application/json")
            h.add(name: "content-encoding", value: "gzip")
            ex.respond(status: .ok, headers: h, body: ByteBuffer(bytes: gz))
        }
        defer { up.stop() }
        let cassette = dir.file("gz.cassette")
        let r = try await withRecordingProxy(try testOptions(upstream: up.url, output: cassette)) { p in
            try await TestClient.send(p.baseURL + "/v1/chat/completions", headers: [("accept-encoding", "gzip")], body: Array("{}".utf8))
        }
        #expect(r.body == [UInt8](gz))
        #expect(r.headers.first(name: "content-encoding") == "gzip")
        #expect(up.requests.withLock { $0.first?.head.headers.first(name: "accept-encoding") } == "gzip")
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.response?.encoding == "gzip")
        #expect(ex.response?.body.bytes == [UInt8](gz))
        // Regression: the facts of a compressed response were left empty; they come from the inflated bytes.
        #expect(ex.facts.outputText == "compressed")
        #expect(ex.facts.usage?.input == 7 && ex.facts.usage?.output == 2)
        #expect(ex.facts.finishReason == "stop")
    }

    @Test("a gzip event stream is analysed chunk by chunk at the compressed chunks' times; a damaged one stays opaque")
    func gzipStreamFacts() async throws {
        let dir = TempDir()
        let plain = dir.file("s.txt")
        let events = chatToolStream.joined()
        try events.write(toFile: plain, atomically: true, encoding: .utf8)
        #expect(try runProcess("/bin/sh", ["-c", "gzip -kn '\(plain)'"]).code == 0)
        let gz = [UInt8](try #require(FileManager.default.contents(atPath: plain + ".gz")))
        for damaged in [false, true] {
            var bytes = gz
            if damaged { for k in 20..<min(60, bytes.count) { bytes[k] ^= 0x5A } }
            let body = bytes
            let up = try await UpstreamFixture.start { ex, _ in
                var h = HTTPHeaders()
                h.add(name: "content-type", value: "text/event-stream")
                h.add(name: "content-encoding", value: "gzip")
                ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))
                let third = body.count / 3
                ex.writeBodyPart(ByteBuffer(bytes: body[0..<third]))
                ex.eventLoop.scheduleTask(in: .milliseconds(30)) {
                    ex.writeBodyPart(ByteBuffer(bytes: body[third...]))
                    ex.end()
                }
            }
            let cassette = dir.file("gzs-\(damaged).cassette")
            let r = try await withRecordingProxy(try testOptions(upstream: up.url, output: cassette)) { p in
                try await TestClient.send(p.baseURL + "/v1/chat/completions", headers: [("accept-encoding", "gzip")],
                                          body: Array(#"{"model":"m","stream":true,"messages":[]}"#.utf8))
            }
            up.stop()
            #expect(r.body == body, "passed through unchanged")
            let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
            #expect(ex.response?.body.bytes == body)
            if damaged {
                #expect(ex.facts.toolCalls.isEmpty && ex.facts.tokenNs.isEmpty)
            } else {
                #expect(ex.facts.toolCalls.map(\.name) == ["get_weather"])
                #expect(!ex.facts.tokenNs.isEmpty && ex.facts.ttftNs != nil)
                #expect(ex.facts.usage != nil)
            }
        }
    }

    @Test("the admin listener serves Prometheus metrics and health")
    func admin() async throws {
        let up = try await UpstreamFixture.start { ex, _ in UpstreamFixture.sse(ex, events: chatToolStream, gapMs: 1) }
        defer { up.stop() }
        let dir = TempDir()
        var o = try testOptions(upstream: up.url, output: dir.file("m.cassette"))
        o.adminHost = "127.0.0.1"
        o.adminPort = 0
        let (metrics, health) = try await withRecordingProxy(o) { p in
            let r = try await TestClient.post(p.baseURL + "/v1/chat/completions", json: #"{"model":"m","stream":true,"messages":[]}"#)
            #expect(r.status == 200)
            let admin = "http://127.0.0.1:\(p.admin!.port!)"  // configured and started above
            var page = ""
            _ = await eventuallyAsync {
                page = (try? await TestClient.send(admin + "/metrics", method: .GET, headers: []))?.text ?? ""
                return page.contains("tapedeck_requests_total{dialect=\"openai.chat\",status=\"200\"} 1")
            }
            return (page, try await TestClient.send(admin + "/healthz", method: .GET, headers: []))
        }
        #expect(metrics.contains("tapedeck_requests_total{dialect=\"openai.chat\",status=\"200\"} 1"))
        #expect(metrics.contains("tapedeck_ttft_seconds_count 1"))
        #expect(metrics.contains("tapedeck_active_streams 0"))
        #expect(metrics.contains("tapedeck_bytes_total{direction=\"response\"} \(chatToolStream.joined().utf8.count)"))
        #expect(metrics.contains("tapedeck_recorder_queue_depth"))
        #expect(metrics.contains("tapedeck_recorder_dropped_records 0"))
        #expect(health.status == 200)
        #expect((try? JSON.parse(health.body))?["status"]?.stringValue == "ok")
    }

    /// Regression: an admin listener off loopback (allowed once --auth-token is set) answered anyone.
    /// The handler is served on 127.0.0.1 here, with the token it gets when its address is not loopback.
    @Test("an admin listener with a token refuses requests without it")
    func adminNeedsTheToken() async throws {
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .milliseconds(100)),
                                handler: AdminHandler(metrics: ProxyMetrics(recorder: nil), failClosed: false, authToken: "s3cret-token"))
        try await server.start()
        defer { server.shutdown() }
        let base = "http://127.0.0.1:\(server.port!)"  // started above
        let none = try await TestClient.send(base + "/metrics", method: .GET, headers: [])
        #expect(none.status == 401)
        #expect(!none.text.contains("tapedeck_"))
        let wrong = try await TestClient.send(base + "/metrics", method: .GET, headers: [("authorization", "Bearer nope")])
        #expect(wrong.status == 401)
        let bearer = try await TestClient.send(base + "/metrics", method: .GET, headers: [("authorization", "Bearer s3cret-token")])
        #expect(bearer.status == 200 && bearer.text.contains("tapedeck_active_streams"))
        let inPath = try await TestClient.send(base + "/t/s3cret-token/healthz", method: .GET, headers: [])
        #expect(inPath.status == 200)
        let open = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .milliseconds(100)),
                              handler: AdminHandler(metrics: ProxyMetrics(recorder: nil), failClosed: false))
        try await open.start()
        defer { open.shutdown() }
        #expect(try await TestClient.send("http://127.0.0.1:\(open.port!)/metrics", method: .GET, headers: []).status == 200)  // started above
    }

    /// Regression: an exchange kept the closures its handler gave it (the body consumer, the
    /// client-gone callback) after it ended. They capture the handler's per-request object,
    /// which holds the exchange, so neither was ever freed: the proxy leaked about 2 KiB per
    /// request (its RSS grew by 25–33 MB/s under `bench proxy`'s requests/s load).
    @Test("a finished exchange frees its handler's per-request state")
    func finishedExchangesAreFreed() async throws {
        final class PerRequest: @unchecked Sendable {
            let exchange: HTTPServerExchange
            var body = 0
            init(_ exchange: HTTPServerExchange) { self.exchange = exchange }
        }
        final class Weak: @unchecked Sendable { weak var value: PerRequest? }
        let live = Mutex<[Weak]>([])
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .milliseconds(100)),
                                handler: HTTPHandlerClosure { ex in
                                    // The pattern of the forwarder's ForwardTask: closures that capture the object holding the exchange.
                                    let task = PerRequest(ex)
                                    let w = Weak()
                                    w.value = task
                                    live.withLock { $0.append(w) }
                                    ex.onClientGone { task.body = -1 }
                                    ex.onRequestBody { event in
                                        switch event {
                                        case .bytes(let b): task.body += b.readableBytes
                                        case .end:
                                            task.exchange.respond(status: .ok, body: ByteBuffer(string: "got \(task.body)"))
                                        }
                                        return nil
                                    }
                                })
        try await server.start()
        defer { server.shutdown() }
        let base = "http://127.0.0.1:\(server.port!)"  // started above
        for k in 0..<20 {
            let r = try await TestClient.post(base + "/x", json: String(repeating: "a", count: k))
            #expect(r.status == 200 && r.text == "got \(k)")
        }
        #expect(live.withLock { $0.count } == 20)
        #expect(eventually { live.withLock { $0.allSatisfy { $0.value == nil } } })
    }
}

