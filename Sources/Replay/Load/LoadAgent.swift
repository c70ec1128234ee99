import Cassette
import NIOCore
import NIOPosix

/// One simulated agent: runs its trajectories in sequence on one connection, on one event loop.
///
/// Every method runs on `loop`; timers and socket events are loop callbacks, so an agent never
/// hops threads and a request's bytes are stamped in `channelRead` before any parsing.
final class LoadAgent: @unchecked Sendable {  // Confined to `loop`: every access happens there (asserted in debug).
    let index: Int
    let loop: EventLoop
    let ctx: RunContext
    var channel: Channel?
    var channelIdleSince: Int64 = 0
    var timer: Scheduled<Void>?
    var dueNs: Int64 = 0
    var connectNs: Int64?
    var connectedNs: Int64 = 0
    var instance = 0
    var turnIndex = 0
    var nonce: ByteBuffer
    var live: [Int: String] = [:]
    var flight: InFlight?
    var parser = HTTPResponseParser()
    var stopped = false
    var requestSeq = 0

    struct InFlight {
        var requestId: String
        var scheduledNs: Int64
        var readyNs: Int64
        var connectNs: Int64?
        var readyConnectedNs: Int64
        var sentNs: Int64
        var bytesSent: Int
        var headNs: Int64?
        var status: Int?
        var eventStream = false
        var analyzer: ResponseAnalyzer
        var bytesIn = 0
        var errorBody: [UInt8] = []
        var ended = false
        var timeout: Scheduled<Void>?
    }

    init(index: Int, loop: EventLoop, ctx: RunContext) {
        self.index = index
        self.loop = loop
        self.ctx = ctx
        nonce = ByteBuffer()
        newInstance()
    }

    var trajectory: Trajectory { ctx.workload.trajectories[ctx.assignment.trajectory(agent: index, k: instance)] }
    var trajectoryIndex: Int { ctx.assignment.trajectory(agent: index, k: instance) }

    func newInstance() {
        let inst = UInt64(index) << 32 | UInt64(instance)
        nonce = ByteBuffer(bytes: Nonce.text(phase: ctx.config.phaseNonce, instance: inst))
        live.removeAll()
    }

    // MARK: Scheduling

    func start(at t: Int64) { plan(due: t) }

    func schedule(at t: Int64, _ body: @escaping @Sendable () -> Void) {
        timer?.cancel()
        let delay = t - MonoClock.now()
        if delay <= 0 { timer = nil; body(); return }
        timer = loop.scheduleTask(in: .nanoseconds(delay)) { body() }
    }

    /// Sends the current turn at `due`, connecting first when there is no fresh connection.
    func plan(due: Int64) {
        guard !stopped, ctx.shared.running else { return }
        dueNs = due
        if let ch = channel, ch.isActive, due - channelIdleSince <= ctx.config.keepAliveIdleNs {
            connectNs = nil
            schedule(at: due) { self.send() }
            return
        }
        // Drop a connection that would sit idle past the server's keep-alive timeout; open a new one just in time.
        dropChannel()
        schedule(at: due - ctx.config.preconnectNs) { self.connect() }
    }

    func connect() {
        guard !stopped else { return }
        let started = MonoClock.now()
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(LoadChannelHandler(agent: self)) }
            }
        bootstrap.connect(to: ctx.address).whenComplete { result in
            switch result {
            case .success(let ch):
                guard !self.stopped else { ch.close(promise: nil); return }
                self.ctx.shared.connected()
                self.channel = ch
                self.parser = HTTPResponseParser()
                self.connectNs = started
                self.connectedNs = MonoClock.now()
                self.channelIdleSince = self.connectedNs
                self.schedule(at: self.dueNs) { self.send() }
            case .failure(let error):
                self.failUnsent(kind: "connect", detail: "\(error)")
            }
        }
    }

    // MARK: Sending

    func send() {
        guard !stopped, flight == nil, ctx.shared.running else { return }
        guard let ch = channel, ch.isActive else { channel = nil; plan(due: dueNs); return }
        let traj = trajectory
        let turn = traj.turns[turnIndex]
        requestSeq += 1
        let requestId = "td-\(ctx.config.phase)-\(index)-\(requestSeq)"
        var pieces: [ByteBuffer] = []
        pieces.reserveCapacity(turn.body.count)
        var length = 0
        for p in turn.body {
            let b: ByteBuffer
            switch p {
            case .bytes(let x): b = x
            case .nonce: b = nonce
            case .liveReply(let k, let recorded, let comma): b = liveReply(turn: k, recorded: recorded, comma: comma)
            }
            length += b.readableBytes
            pieces.append(b)
        }
        let head = ctx.head(turn, length: length, requestId: requestId)
        let ready = max(dueNs, connectedNs)
        let sent = MonoClock.now()
        ch.write(ByteBuffer(string: head), promise: nil)
        for b in pieces { ch.write(b, promise: nil) }
        ch.flush()
        let info = ctx.requestInfo[turn.dialect] ?? RequestInfo(method: "POST", path: turn.path, body: nil)
        var f = InFlight(requestId: requestId, scheduledNs: dueNs, readyNs: ready, connectNs: connectNs, readyConnectedNs: connectedNs, sentNs: sent,
                         bytesSent: length + head.utf8.count, analyzer: ResponseAnalyzer(request: info))
        f.timeout = loop.scheduleTask(in: .nanoseconds(ctx.config.requestTimeoutNs)) { self.timedOut(requestId) }
        flight = f
        connectNs = nil
        ctx.shared.sent(agent: index, at: sent, bytes: f.bytesSent)
    }

    func liveReply(turn k: Int, recorded: ByteBuffer, comma: Bool) -> ByteBuffer {
        guard let text = live[k] else { return recorded }
        var bytes = Array(recorded.readableBytesView)
        if comma { bytes.removeFirst() }
        guard case .object(var msg)? = try? JSON.parse(bytes) else { return recorded }
        msg["content"] = text.isEmpty && msg["tool_calls"] != nil ? .null : .string(text)
        var out: [UInt8] = comma ? [UInt8(ascii: ",")] : []
        JSON.object(msg).write(into: &out)
        return ByteBuffer(bytes: out)
    }

    // MARK: Receiving

    func received(_ buffer: ByteBuffer, at t: Int64) {
        guard flight != nil else { return }
        var ended = false
        do {
            try buffer.withUnsafeReadableBytes { raw in
                try parser.feed(raw) { event in
                    switch event {
                    case .head(let status, let headers): self.head(status, headers, at: t)
                    case .body(let slice): self.body(slice, at: t)
                    case .end: ended = true
                    }
                }
            }
        } catch {
            dropChannel()
            finish(error: "protocol", detail: "\(error)", at: t)
            return
        }
        flight?.bytesIn += buffer.readableBytes
        if ended { finish(at: t) }
    }

    func head(_ status: Int, _ headers: [(name: String, value: String)], at t: Int64) {
        flight?.headNs = t
        flight?.status = status
        let ct = headers.first { $0.name == "content-type" }?.value
        flight?.eventStream = ct?.lowercased().hasPrefix("text/event-stream") ?? false
        let ce = headers.first { $0.name == "content-encoding" }?.value
        flight?.analyzer.head(status: status, contentType: ct, contentEncoding: ce)
    }

    func body(_ slice: UnsafeRawBufferPointer, at t: Int64) {
        guard let status = flight?.status else { return }
        if status == 200 {
            flight?.analyzer.ingest(slice, tNs: t)
        } else if let n = flight?.errorBody.count, n < 300 {
            flight?.errorBody.append(contentsOf: slice.prefix(300 - n))
        }
    }

    func closed() {
        channel = nil
        guard flight != nil else { return }
        var ended = false
        do { try parser.eof { if case .end = $0 { ended = true } } } catch {
            finish(error: "closed", detail: "the server closed the connection mid-response", at: MonoClock.now())
            return
        }
        if ended { finish(at: MonoClock.now()) } else {
            finish(error: "closed", detail: "the server closed the connection before responding", at: MonoClock.now())
        }
    }

    func timedOut(_ requestId: String) {
        guard flight?.requestId == requestId else { return }
        dropChannel()
        finish(error: "timeout", detail: "no end after \(Double(ctx.config.requestTimeoutNs) / 1e9) s", at: MonoClock.now())
    }

    /// Closes the connection and forgets it, before the next turn is planned.
    func dropChannel() {
        let ch = channel
        channel = nil  // First: a close can fire channelInactive synchronously, which must not see it as ours.
        parser = HTTPResponseParser()
        ch?.close(promise: nil)
    }
}
