import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy

/// A lean closed-loop streaming client for `tapedeck bench sim`: one connection per stream,
/// requests sent back to back, token events stamped when their bytes are read.
enum BenchSimClient {
    /// One request's client-side times (monotonic ns).
    struct RequestTimes: Sendable {
        var stream: Int
        var ordinal: Int
        var sent: Int64
        var first: Int64?
        var last: Int64?
        var tokens: Int
        var status: Int
    }

    /// Counts every stream's token events; confined to the client's event loop.
    final class Tally: @unchecked Sendable {  // Touched only on the client's single event loop.
        var tokens = 0
        var firstTokens = 0
        var finished: [RequestTimes] = []
        var failures = 0
    }

    /// Streams `requests(stream)` requests on each of `streams` connections.
    final class StreamHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        static let pattern: [UInt8] = Array(#"{"content":""#.utf8)
        let stream: Int
        let total: Int
        let body: (Int, Int) -> [UInt8]
        let tally: Tally
        let port: Int
        var ordinal = 0
        var current: RequestTimes?
        var matched = 0

        init(stream: Int, total: Int, port: Int, tally: Tally, body: @escaping (Int, Int) -> [UInt8]) {
            self.stream = stream
            self.total = total
            self.port = port
            self.tally = tally
            self.body = body
        }

        func channelActive(context: ChannelHandlerContext) {
            send(context)
            context.fireChannelActive()
        }

        func send(_ context: ChannelHandlerContext) {
            let bytes = body(stream, ordinal)
            var h = HTTPHeaders()
            h.add(name: "host", value: "127.0.0.1:\(port)")
            h.add(name: "content-type", value: "application/json")
            h.add(name: "content-length", value: String(bytes.count))
            context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions", headers: h))), promise: nil)
            var b = context.channel.allocator.buffer(capacity: bytes.count)
            b.writeBytes(bytes)
            context.write(wrapOutboundOut(.body(.byteBuffer(b))), promise: nil)
            current = RequestTimes(stream: stream, ordinal: ordinal, sent: HostFacts.monoNs(), tokens: 0, status: 0)
            matched = 0
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                current?.status = Int(h.status.code)
            case .body(let buf):
                let now = HostFacts.monoNs()
                var found = 0
                let pattern = Self.pattern
                var m = matched
                buf.withUnsafeReadableBytes { raw in
                    for c in raw {
                        if c == pattern[m] {
                            m += 1
                            if m == pattern.count { found += 1; m = 0 }
                        } else {
                            m = c == pattern[0] ? 1 : 0
                        }
                    }
                }
                matched = m
                if found > 0, var r = current {
                    if r.first == nil { r.first = now; tally.firstTokens += 1 }
                    r.last = now
                    r.tokens += found
                    current = r
                    tally.tokens += found
                }
            case .end:
                guard let r = current else { return }
                current = nil
                if r.status != 200 { tally.failures += 1 }
                tally.finished.append(r)
                ordinal += 1
                if ordinal < total { send(context) } else { context.close(promise: nil) }
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            tally.failures += 1
            context.close(promise: nil)
        }
    }

    /// Opens `streams` connections in batches and starts them; returns the channels.
    static func open(group: EventLoopGroup, port: Int, streams: Int, requestsPerStream: Int, tally: Tally,
                     body: @escaping @Sendable (Int, Int) -> [UInt8]) async throws -> [Channel] {
        var channels: [Channel] = []
        channels.reserveCapacity(streams)
        let batch = 256
        var k = 0
        while k < streams {
            let upper = min(streams, k + batch)
            let futures = (k..<upper).map { i in
                ClientBootstrap(group: group)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { ch in
                        ch.eventLoop.makeCompletedFuture {
                            try ch.pipeline.syncOperations.addHTTPClientHandlers()
                            try ch.pipeline.syncOperations.addHandler(
                                StreamHandler(stream: i, total: requestsPerStream, port: port, tally: tally, body: body))
                        }
                    }
                    .connect(host: "127.0.0.1", port: port)
            }
            for f in futures { channels.append(try await f.get()) }
            k = upper
        }
        return channels
    }

    /// A chat request body with a prompt that is distinct per (stream, ordinal) from its first token.
    static func chatBody(model: String, stream: Int, ordinal: Int, filler: String, maxTokens: Int) -> [UInt8] {
        func pad(_ v: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, 8 - s.count)) + s }
        let tag = pad(stream) + " " + pad(ordinal)
        let text = "ref " + tag + " " + filler
        return Array(#"{"model":"\#(model)","messages":[{"role":"user","content":"\#(text)"}],"max_tokens":\#(maxTokens),"ignore_eos":true,"stream":true}"#.utf8)
    }
}
