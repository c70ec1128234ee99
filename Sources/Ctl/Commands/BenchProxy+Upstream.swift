import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy

extension BenchProxy {
    /// The benchmark's upstream: an OpenAI-shaped SSE server on the Tapedeck server core that
    /// emits `n` chat-completion chunks `gap` ms apart (0: as fast as the reader takes them),
    /// each stamped with the monotonic time it was written, so that a client on the same
    /// machine can compute every chunk's latency. `/small` answers a small JSON body.
    ///
    /// `POST /v1/chat/completions?n=100&gap=20`, `POST /v1/small`.
    enum Upstream {
        static func start(group: any EventLoopGroup) async throws -> HTTPServer {
            let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .milliseconds(200)),
                                    handler: HTTPHandlerClosure { ex in handle(ex) }, group: group)
            try await server.start()
            return server
        }

        static func handle(_ ex: HTTPServerExchange) {
            ex.collectRequestBody(maxBytes: 1 << 20).whenSuccess { _ in
                let uri = ex.head.uri
                if uri.hasPrefix("/v1/small") {
                    var h = HTTPHeaders()
                    h.add(name: "content-type", value: "application/json")
                    ex.respond(status: .ok, headers: h, body: ByteBuffer(string: small))
                    return
                }
                let q = query(uri)
                stream(ex, count: q["n"] ?? 100, gapMs: q["gap"] ?? 20)
            }
        }

        static let small = #"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}],"model":"bench","usage":{"prompt_tokens":3,"total_tokens":3}}"#

        static func query(_ uri: String) -> [String: Int] {
            guard let q = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
            var out: [String: Int] = [:]
            for pair in q.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2, let v = Int(kv[1]) { out[String(kv[0])] = v }
            }
            return out
        }

        static func event(_ k: Int) -> ByteBuffer {
            ByteBuffer(string: #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","model":"bench","choices":[{"index":0,"delta":{"content":"tok\#(k) "}}],"t":\#(HostFacts.monoNs())}"# + "\n\n")
        }

        static func stream(_ ex: HTTPServerExchange, count: Int, gapMs: Int) {
            var h = HTTPHeaders()
            h.add(name: "content-type", value: "text/event-stream")
            h.add(name: "cache-control", value: "no-cache")
            ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))
            let tail = ByteBuffer(string: #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","model":"bench","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":\#(count)}}"# + "\n\ndata: [DONE]\n\n")
            if gapMs > 0 {
                @Sendable func tick(_ k: Int) {
                    if ex.clientGone { return }
                    if k == count { ex.writeBodyPart(tail); ex.end(); return }
                    ex.writeBodyPart(event(k))
                    ex.eventLoop.scheduleTask(in: .milliseconds(Int64(gapMs))) { tick(k + 1) }
                }
                tick(0)
            } else {
                @Sendable func pump(_ from: Int) {
                    var k = from
                    while k < count {
                        let f = ex.writeBodyPart(event(k))
                        k += 1
                        if ex.clientGone { return }
                        if !ex.isWritable { let next = k; f.whenSuccess { pump(next) }; return }
                    }
                    ex.writeBodyPart(tail)
                    ex.end()
                }
                pump(0)
            }
        }
    }
}
