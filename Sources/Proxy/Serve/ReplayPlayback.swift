import Cassette
import NIOCore
import NIOHTTP1

/// Plays one recorded response to a client: the recorded status and headers, then the body
/// in its recorded chunks, each at its scheduled time, with backpressure. A recorded abnormal
/// end (an upstream error mid-stream) is reproduced by closing the connection.
///
/// `@unchecked Sendable`: all state is confined to the exchange's event loop.
final class ReplayPlayback: @unchecked Sendable {
    let exchange: HTTPServerExchange
    let recorded: Exchange
    let timing: ReplayTiming
    let rewrite: (JSON, JSON)?
    var bytes: [UInt8] = []
    var chunks: [Chunk] = []
    var deadlines: [NIODeadline] = []
    var next = 0
    var offset = 0
    /// The response as played (ids rewritten), set by ``start()``.
    private(set) var played: ResponseRecord?

    init(exchange: HTTPServerExchange, recorded: Exchange, timing: ReplayTiming, rewrite: (JSON, JSON)?) {
        self.exchange = exchange
        self.recorded = recorded
        self.timing = timing
        self.rewrite = rewrite
    }

    /// Hop-by-hop and framing headers that the server sets itself.
    static let dropped: Set<String> = ["content-length", "transfer-encoding", "connection", "keep-alive", "date"]

    func start() {
        guard let r = recorded.response else {
            ForwardHandler.refuse(exchange, ForwardRefusal(status: 502, type: "tapedeck_recorded_failure",
                message: "tapedeck: the recorded exchange \(recorded.id) got no response: \(recorded.error ?? "upstream error")"))
            return
        }
        var body = r.body
        chunks = r.chunks
        if let (from, to) = rewrite { (body, chunks) = MCPIdRewriter.rewrite(body: body, chunks: chunks, recordedId: from, liveId: to) }
        bytes = body.bytes
        if chunks.isEmpty, !bytes.isEmpty { chunks = [Chunk(length: bytes.count, tNs: recorded.timing.headNs ?? 0)] }
        played = ResponseRecord(status: r.status, headers: r.headers, body: body, chunks: chunks, encoding: r.encoding)
        var headers = HTTPHeaders()
        var hadLength = false
        for h in r.headers {
            if h.name.lowercased() == "content-length" { hadLength = true }
            if Self.dropped.contains(h.name.lowercased()) { continue }
            headers.add(name: h.name, value: h.value)
        }
        if hadLength || !recorded.facts.stream && recorded.outcome == .complete { headers.add(name: "content-length", value: String(bytes.count)) }
        headers.add(name: "x-tapedeck-replay", value: recorded.id)
        var plan = recorded
        plan.response?.chunks = chunks
        let schedule = timing.schedule(for: plan)
        let t0 = NIODeadline.now()
        let headAt = t0 + .nanoseconds(schedule.head)
        var t = headAt
        deadlines = schedule.chunks.map { gap in t = t + .nanoseconds(gap); return t }
        let head = HTTPResponseHead(version: exchange.head.version, status: HTTPResponseStatus(statusCode: r.status), headers: headers)
        if headAt > .now() {
            exchange.eventLoop.scheduleTask(deadline: headAt) { self.exchange.writeHead(head); self.pump() }
        } else {
            exchange.writeHead(head)
            pump()
        }
    }

    /// Writes every chunk that is due, waits for the next deadline or for the client to drain.
    /// Chunks due at the same moment (all of them with `--timing instant`) are written together
    /// and flushed once; each keeps its own HTTP chunk.
    func pump() {
        var unflushed = false
        while next < chunks.count {
            if exchange.clientGone { return }
            let due = deadlines[next]
            if due > .now() {
                if unflushed { exchange.flush() }
                exchange.eventLoop.scheduleTask(deadline: due) { self.pump() }
                return
            }
            let len = min(chunks[next].length, bytes.count - offset)
            var buf = ByteBufferAllocator().buffer(capacity: len)
            buf.writeBytes(bytes[offset..<(offset + len)])
            offset += len
            next += 1
            let f = exchange.writeBodyPart(buf, flush: false)
            unflushed = true
            if !exchange.isWritable {
                exchange.flush()
                f.whenComplete { result in if case .success = result { self.pump() } }
                return
            }
        }
        if offset < bytes.count {
            var buf = ByteBufferAllocator().buffer(capacity: bytes.count - offset)
            buf.writeBytes(bytes[offset...])
            offset = bytes.count
            exchange.writeBodyPart(buf)
        }
        if recorded.outcome == .upstreamError || recorded.outcome == .timeout {
            exchange.flush()  // The bytes that came before the recorded failure, then the abnormal end.
            exchange.abort()
        } else {
            exchange.end()
        }
    }
}
