import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy
import Synchronization

extension BenchServe {
    /// The benchmark's client: raw NIO HTTP/1.1 keep-alive connections.
    enum Client {
        /// What one run measured.
        struct Result: Sendable {
            var perSecond = 0.0
            var matched = 0
            var errors = 0
        }

        /// What the recorded-timing run measured.
        struct Timing: Sendable {
            /// Replayed minus recorded gap between consecutive events, ns.
            var gapDeviationsNs: [Int64] = []
            /// Replayed minus recorded time to the first event (from the request's write), ns.
            var firstDeviationsNs: [Int64] = []
            var streams = 0
            var errors = 0
        }

        final class Counters: Sendable {
            let matched = Atomic<Int>(0)
            let errors = Atomic<Int>(0)
            let done = Atomic<Int>(0)
            let samples = Mutex<(gaps: [Int64], first: [Int64])>(([], []))
        }

        /// A connection that sends `bodies[k], bodies[k + step], …` one after another and counts matched responses.
        final class LoopHandler: ChannelInboundHandler {
            typealias InboundIn = HTTPClientResponsePart
            typealias OutboundOut = HTTPClientRequestPart
            let bodies: [ByteBuffer]
            var next: Int
            let step: Int
            let counters: Counters
            let requireReplayHeader: Bool
            var ok = false

            init(bodies: [ByteBuffer], start: Int, step: Int, counters: Counters, requireReplayHeader: Bool) {
                self.bodies = bodies; self.next = start % bodies.count; self.step = step
                self.counters = counters; self.requireReplayHeader = requireReplayHeader
            }

            func channelActive(context: ChannelHandlerContext) {
                send(context)
                context.fireChannelActive()
            }

            func send(_ context: ChannelHandlerContext) {
                Client.post(context, self, body: bodies[next])
                next = (next + step) % bodies.count
            }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                switch unwrapInboundIn(data) {
                case .head(let head):
                    ok = head.status == .ok && (!requireReplayHeader || head.headers.contains(name: "x-tapedeck-replay"))
                case .body:
                    break
                case .end:
                    if ok { counters.matched.add(1, ordering: .relaxed) } else { counters.errors.add(1, ordering: .relaxed) }
                    send(context)
                }
            }

            func errorCaught(context: ChannelHandlerContext, error: Error) {
                counters.errors.add(1, ordering: .relaxed)
                context.close(promise: nil)
            }
        }

        /// A connection that plays `exchanges` in sequence and stamps every SSE event on arrival.
        final class TimingHandler: ChannelInboundHandler {
            typealias InboundIn = HTTPClientResponsePart
            typealias OutboundOut = HTTPClientRequestPart
            let exchanges: [Exchange]
            var index = 0
            let counters: Counters
            var sentNs: Int64 = 0
            var arrivals: [Int64] = []
            var lastWasNewline = false
            var ok = false

            init(exchanges: [Exchange], counters: Counters) { self.exchanges = exchanges; self.counters = counters }

            func channelActive(context: ChannelHandlerContext) {
                send(context)
                context.fireChannelActive()
            }

            func send(_ context: ChannelHandlerContext) {
                arrivals.removeAll(keepingCapacity: true)
                lastWasNewline = false
                Client.post(context, self, body: ByteBuffer(bytes: exchanges[index].request.body.bytes))
                sentNs = HostFacts.monoNs()
            }

            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                switch unwrapInboundIn(data) {
                case .head(let head):
                    ok = head.status == .ok
                case .body(let buf):
                    let now = HostFacts.monoNs()
                    // One recorded chunk is one SSE event: count the blank lines that end events.
                    buf.withUnsafeReadableBytes { bytes in
                        for b in bytes {
                            if b == 0x0A, lastWasNewline { arrivals.append(now) }
                            lastWasNewline = b == 0x0A
                        }
                    }
                case .end:
                    finish()
                    index += 1
                    if index < exchanges.count { send(context) } else { context.close(promise: nil) }
                }
            }

            func finish() {
                let rec = exchanges[index]
                guard ok, let chunks = rec.response?.chunks, chunks.count == arrivals.count, !chunks.isEmpty else {
                    counters.errors.add(1, ordering: .relaxed)
                    counters.done.add(1, ordering: .relaxed)
                    return
                }
                var gaps: [Int64] = []
                for i in 1..<chunks.count {
                    gaps.append((arrivals[i] - arrivals[i - 1]) - (chunks[i].tNs - chunks[i - 1].tNs))
                }
                let first = (arrivals[0] - sentNs) - (chunks[0].tNs - (rec.timing.sentNs ?? 0))
                counters.samples.withLock { $0.gaps += gaps; $0.first.append(first) }
                counters.matched.add(1, ordering: .relaxed)
                counters.done.add(1, ordering: .relaxed)
            }

            func errorCaught(context: ChannelHandlerContext, error: Error) {
                counters.errors.add(1, ordering: .relaxed)
                counters.done.add(exchanges.count - index, ordering: .relaxed)
                context.close(promise: nil)
            }
        }

        static func post<H: ChannelInboundHandler>(_ context: ChannelHandlerContext, _ h: H, body: ByteBuffer) where H.OutboundOut == HTTPClientRequestPart {
            var headers = HTTPHeaders()
            headers.add(name: "host", value: "127.0.0.1")
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "authorization", value: "Bearer sk-dummy-key-for-replay-0000000000")
            headers.add(name: "content-length", value: String(body.readableBytes))
            context.write(h.wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions", headers: headers))), promise: nil)
            context.write(h.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(h.wrapOutboundOut(.end(nil)), promise: nil)
        }

        /// Responses per second over `window`, after a second of warm-up.
        static func throughput(port: Int, bodies: [ByteBuffer], connections: Int, window: Double, requireReplayHeader: Bool,
                               group: any EventLoopGroup) async throws -> Result {
            let counters = Counters()
            let step = max(1, bodies.count / connections) | 1
            let channels = try await BenchProxy.connectHTTP(host: "127.0.0.1", port: port, count: connections, group: group) { k in
                LoopHandler(bodies: bodies, start: k * 7919, step: step, counters: counters, requireReplayHeader: requireReplayHeader)
            }
            try await Task.sleep(for: .seconds(1))
            let m0 = counters.matched.load(ordering: .relaxed), e0 = counters.errors.load(ordering: .relaxed), t0 = HostFacts.monoNs()
            try await Task.sleep(for: .milliseconds(Int64(window * 1000)))
            let m1 = counters.matched.load(ordering: .relaxed), e1 = counters.errors.load(ordering: .relaxed), t1 = HostFacts.monoNs()
            for ch in channels { try? await ch.close() }
            return Result(perSecond: Double(m1 - m0) / (Double(t1 - t0) / 1e9), matched: m1 - m0, errors: e1 - e0)
        }

        /// Plays `exchanges` over `streams` concurrent connections under recorded timing.
        static func timing(port: Int, exchanges: [Exchange], streams: Int, group: any EventLoopGroup) async throws -> Timing {
            let counters = Counters()
            let lanes = min(streams, exchanges.count)
            let perLane = (0..<lanes).map { lane in stride(from: lane, to: exchanges.count, by: lanes).map { exchanges[$0] } }
            let channels = try await BenchProxy.connectHTTP(host: "127.0.0.1", port: port, count: lanes, group: group) { k in TimingHandler(exchanges: perLane[k], counters: counters) }
            let deadline = ContinuousClock.now + .seconds(600)
            while counters.done.load(ordering: .relaxed) < exchanges.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            for ch in channels { try? await ch.close() }
            let s = counters.samples.withLock { $0 }
            return Timing(gapDeviationsNs: s.gaps, firstDeviationsNs: s.first, streams: lanes, errors: counters.errors.load(ordering: .relaxed))
        }
    }
}
