import Cassette
import Foundation
import TestSupport
import Testing
@testable import Proxy

/// The simulator over real sockets on 127.0.0.1, with a real HTTP client.
@Suite struct SimServerTests {
    static let chatBody = #"{"model":"tiny-sim","messages":[{"role":"user","content":"Tell me about the sea."}],"max_tokens":6,"stream":true,"stream_options":{"include_usage":true}}"#

    @Test func healthAndModels() async throws {
        try await withSim { sim, c in
            #expect(sim.port > 0)
            let h = try await c.send(.GET, "/health")
            #expect(h.status == 200)
            let m = try await c.send(.GET, "/v1/models")
            #expect(m.json?["object"]?.stringValue == "list")
            #expect(m.json?["data"]?[0]?["id"]?.stringValue == "tiny-sim")
            let a = try await c.send(.GET, "/v1/models", headers: [("anthropic-version", "2023-06-01")])
            #expect(a.json?["data"]?[0]?["type"]?.stringValue == "model")
            let one = try await c.send(.GET, "/v1/models/tiny-sim")
            #expect(one.json?["id"]?.stringValue == "tiny-sim")
        }
    }

    @Test func streamedChatHasOneEventPerTokenAndUsage() async throws {
        try await withSim { _, c in
            let r = try await c.chat(Self.chatBody, headers: [("X-Request-Id", "req-7")])
            #expect(r.status == 200)
            #expect(r.header("content-type")?.hasPrefix("text/event-stream") == true)
            #expect(r.header("x-request-id") == "req-7")
            let events = r.dataEvents
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().compactMap { try? JSON.parse($0) }
            #expect(chunks.count == events.count - 1)
            let tokens = chunks.filter { ($0["choices"]?[0]?["delta"]?["content"]?.stringValue ?? "").isEmpty == false }
            let usage = chunks.last?["usage"]
            #expect(usage?["completion_tokens"]?.intValue == tokens.count)
            #expect(tokens.count <= 6)
            #expect(usage?["prompt_tokens"]?.intValue ?? 0 > 0)
        }
    }

    @Test func cachedTokensAreReportedInEveryDialect() async throws {
        try await withSim { _, c in
            let long = String(repeating: "The same long system prompt for every turn. ", count: 20)
            let chat = #"{"model":"m","messages":[{"role":"system","content":"\#(long)"},{"role":"user","content":"hi"}],"max_tokens":2}"#
            let first = try await c.chat(chat)
            let second = try await c.chat(chat)
            #expect(first.json?["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.intValue == 0)
            let cached = second.json?["usage"]?["prompt_tokens_details"]?["cached_tokens"]?.intValue ?? 0
            #expect(cached > 100)
            let msg = #"{"model":"m","max_tokens":2,"system":"\#(long)","messages":[{"role":"user","content":"hi"}]}"#
            _ = try await c.send(.POST, "/v1/messages", body: msg)
            let a = try await c.send(.POST, "/v1/messages", body: msg)
            let u = a.json?["usage"]
            #expect((u?["cache_read_input_tokens"]?.intValue ?? 0) > 100)
            let resp = #"{"model":"m","instructions":"\#(long)","input":"hi","max_output_tokens":2}"#
            _ = try await c.send(.POST, "/v1/responses", body: resp)
            let rr = try await c.send(.POST, "/v1/responses", body: resp)
            #expect((rr.json?["usage"]?["input_tokens_details"]?["cached_tokens"]?.intValue ?? 0) > 100)
        }
    }

    @Test func sameSeedSameBytes() async throws {
        func bodies(seed: UInt64) async throws -> [String] {
            try await withSim(seed: seed) { _, c in
                var out: [String] = []
                for body in [Self.chatBody, #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#] {
                    let r = try await c.chat(body)
                    // `created` is the wall clock; everything else must repeat.
                    out.append(r.body.replacingOccurrences(of: #""created":\d+"#, with: "", options: .regularExpression))
                }
                return out
            }
        }
        let a = try await bodies(seed: 1), b = try await bodies(seed: 1), c = try await bodies(seed: 2)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func traceRecordsEveryRequest() async throws {
        let dir = TempDir()
        let path = dir.file("trace.jsonl")
        try await withSim(trace: path) { _, c in
            _ = try await c.chat(Self.chatBody, headers: [("X-Request-Id", "join-me")])
            _ = try await c.send(.POST, "/v1/messages", body: #"{"model":"m","max_tokens":4,"messages":[{"role":"user","content":"hi"}]}"#,
                                 headers: [("X-Tapedeck-Request", "anth-1")])
            _ = try await c.chat(#"{"model":"m"}"#, headers: [("X-Request-Id", "bad-1")])
        }
        let records = try readJSONLines(path)
        #expect(records.count == 3)
        let s = try #require(records.first { $0["request_id"]?.stringValue == "join-me" })
        #expect(s["outcome"]?.stringValue == "complete")
        #expect(s["stream"]?.boolValue == true)
        let times = s["token_mono_ns"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(times.count == s["output_tokens"]?.intValue)
        #expect(times.count > 0)
        #expect(times == times.sorted())
        let arrival = s["arrival_mono_ns"]?.intValue ?? 0
        #expect(s["first_token_mono_ns"]?.intValue == times.first)
        #expect(arrival < times[0])
        #expect((s["end_mono_ns"]?.intValue ?? 0) >= times.last ?? 0)
        let unix = s["token_unix_ns"]?.arrayValue?.compactMap(\.intValue) ?? []
        let arrivalUnix = s["arrival_unix_ns"]?.intValue ?? 0
        #expect(unix.count == times.count)
        #expect(unix.first.map { $0 - arrivalUnix } == times.first.map { $0 - arrival })
        #expect(s["prompt_tokens"]?.intValue ?? 0 > 0)
        let a = try #require(records.first { $0["request_id"]?.stringValue == "anth-1" })
        #expect(a["dialect"]?.stringValue == "anthropic")
        #expect(a["stream"]?.boolValue == false)
        #expect(a["token_mono_ns"]?.arrayValue?.count == a["output_tokens"]?.intValue)
        let bad = try #require(records.first { $0["request_id"]?.stringValue == "bad-1" })
        #expect(bad["status"]?.intValue == 400)
        #expect(bad["outcome"]?.stringValue == "rejected")
    }
}

/// Raw HTTP/1.1 over a socket: pipelining, HTTP/1.0, malformed requests.
@Suite struct SimRawHTTPTests {
    /// Sends `request` bytes and reads until the server closes or `timeout` passes.
    static func exchange(port: Int, _ request: String, timeout: Double = 10) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func post(_ body: String, close: Bool) -> String {
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withSim { sim, _ in
            let a = #"{"model":"m","messages":[{"role":"user","content":"first"}],"stream":true,"max_tokens":3}"#
            let b = #"{"model":"m","messages":[{"role":"user","content":"second"}],"max_tokens":2}"#
            let port = sim.port
            let text = await Task.detached { Self.exchange(port: port, Self.post(a, close: false) + Self.post(b, close: true)) }.value
            let first = try #require(text.range(of: "data: [DONE]"))
            let second = try #require(text.range(of: #""object":"chat.completion""#))
            #expect(first.lowerBound < second.lowerBound)
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            #expect(text.contains("transfer-encoding: chunked"))
            #expect(text.contains("0\r\n\r\nHTTP/1.1 200 OK"))
        }
    }

    @Test func malformedHTTPGets400AndClose() async throws {
        try await withSim { sim, _ in
            let port = sim.port
            let text = await Task.detached { Self.exchange(port: port, "NOT-HTTP garbage\r\n\r\n") }.value
            #expect(text.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test func http10ClosesAfterTheResponse() async throws {
        try await withSim { sim, _ in
            let port = sim.port
            let text = await Task.detached { Self.exchange(port: port, "GET /health HTTP/1.0\r\n\r\n") }.value
            #expect(text.hasPrefix("HTTP/1.1 200 OK"))
            #expect(text.contains("connection: close"))
            #expect(text.hasSuffix(#"{"status":"ok"}"#))
        }
    }
}
