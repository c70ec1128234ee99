import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy
import Synchronization

extension BenchProxy {
    /// What a load run measures.
    enum LoadMode: Sendable {
        /// One paced stream per connection; every chunk's latency is sampled. With `stagger`,
        /// connection k of n sends its request k/n of a gap after it connects, so that the
        /// streams' chunks are spread over each gap instead of arriving together.
        case latency(gapMs: Int, events: Int, stagger: Bool)
        /// Unpaced streams; chunks received per second over a window.
        case chunks(window: Double)
        /// Small non-streamed requests in a loop; requests per second over a window.
        case requests(window: Double)
    }

    /// What the load generator's connections add up to.
    final class Collector: Sendable {
        let events = Atomic<Int>(0)
        let requests = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let samples = Mutex<[Int64]>([])
    }

    /// The result of one load run.
    struct LoadResult: Sendable {
        var latenciesNs: [Int64] = []
        var perSecond = 0.0
        var errors = 0
        /// CPU time the target's processes spent per request (or chunk) over the window, µs;
        /// nil when the target is not a process of ours (direct) or /proc cannot be read.
        var cpuUsPerOp: Double?
        /// The part of ``cpuUsPerOp`` spent on the target's SwiftNIO event-loop threads (the
        /// forwarding path), µs; nil for a target without them (nginx).
        var loopCpuUsPerOp: Double?
        /// The target's resident memory at the end of the window, MiB (all its processes).
        var rssMiB: Double?
    }

    /// Reads a target's CPU time and memory from /proc: the process and its children
    /// (nginx's workers).
    struct ProcessProbe: Sendable {
        let pid: Int32

        /// `read` of the process and of each of its children, summed; nil when the process's is.
        func sum(_ read: (String) -> Int?) -> Int? {
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            guard var total = read(String(pid)) else { return nil }
            for c in children.split(separator: " ") { total += read(String(c)) ?? 0 }
            return total
        }

        /// CPU seconds (user + system) used so far, from `/proc/PID/stat`.
        func cpuSeconds() -> Double? {
            guard Self.hz > 0, let ticks = sum({ Self.ticks(stat: "/proc/\($0)/stat")?.ticks }) else { return nil }
            return Double(ticks) / Self.hz
        }

        /// CPU seconds used so far by the process's SwiftNIO event-loop threads (named `NIO-…`),
        /// from `/proc/PID/task/TID/stat`; nil when it has none.
        func eventLoopCPUSeconds() -> Double? {
            guard Self.hz > 0, let tids = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
            var ticks = 0, loops = 0
            for tid in tids {
                guard let t = Self.ticks(stat: "/proc/\(pid)/task/\(tid)/stat"), t.name.hasPrefix("NIO-") else { continue }
                ticks += t.ticks
                loops += 1
            }
            return loops == 0 ? nil : Double(ticks) / Self.hz
        }

        /// Clock ticks per second, the unit of `stat`'s CPU times.
        static let hz = Double(sysconf(Int32(_SC_CLK_TCK)))

        /// A `stat` file's command name and user + system clock ticks.
        static func ticks(stat path: String) -> (name: Substring, ticks: Int)? {
            guard let stat = try? String(contentsOfFile: path, encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            // Fields after the command name: state is field 3, utime 14 and stime 15.
            let f = stat[stat.index(after: close)...].split(separator: " ")
            guard f.count > 12, let u = Int(f[11]), let s = Int(f[12]) else { return nil }
            return (stat[stat.index(after: open)..<close], u + s)
        }

        /// Resident memory now, MiB (`VmRSS` of `/proc/PID/status`).
        func rssMiB() -> Double? {
            sum({ pid in
                guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
                return Int(line.split(separator: " ").dropFirst().first ?? "")
            }).map { Double($0) / 1024 }
        }
    }

    /// One client connection of the load generator: sends requests, reads the SSE chunks,
    /// and takes each chunk's latency as its arrival time minus the upstream's write stamp.
    final class LoadHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart

        let path: String
        let hostHeader: String
        let collector: Collector
        let sample: Bool
        let loop: Bool
        /// How long after connecting the first request goes out, ns.
        let startDelayNs: Int64
        var carry: [UInt8] = []
        var local: [Int64] = []
        var stopped = false

        /// The body every request carries.
        static let requestBody = #"{"model":"bench","stream":true,"messages":[{"role":"user","content":"go"}]}"#

        init(path: String, hostHeader: String, collector: Collector, sample: Bool, loop: Bool, startDelayNs: Int64 = 0) {
            self.path = path; self.hostHeader = hostHeader; self.collector = collector; self.sample = sample; self.loop = loop
            self.startDelayNs = startDelayNs
        }

        func channelActive(context: ChannelHandlerContext) {
            if startDelayNs > 0 {
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .nanoseconds(startDelayNs)) {
                    let (handler, ctx) = bound.value
                    if ctx.channel.isActive { handler.send(ctx) }
                }
            } else {
                send(context)
            }
            context.fireChannelActive()
        }

        func send(_ context: ChannelHandlerContext) {
            var h = HTTPHeaders()
            h.add(name: "host", value: hostHeader)
            h.add(name: "content-type", value: "application/json")
            h.add(name: "authorization", value: "Bearer sk-bench-not-a-real-key-000000000000")
            let body = ByteBuffer(string: Self.requestBody)
            h.add(name: "content-length", value: String(body.readableBytes))
            context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: h))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                if head.status != .ok { collector.errors.add(1, ordering: .relaxed) }
            case .body(let buf):
                let now = HostFacts.monoNs()
                buf.withUnsafeReadableBytes { scan($0, now: now) }
            case .end:
                flush()
                collector.requests.add(1, ordering: .relaxed)
                carry.removeAll(keepingCapacity: true)
                if loop, !stopped { send(context) }
            }
        }

        /// Finds `"t":<digits>` in complete lines; a partial line waits for the next read.
        func scan(_ bytes: UnsafeRawBufferPointer, now: Int64) {
            var start = 0
            var events = 0
            for i in 0..<bytes.count where bytes[i] == 0x0A {
                if carry.isEmpty {
                    events += line(UnsafeRawBufferPointer(rebasing: bytes[start..<i]), now: now)
                } else {
                    carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
                    events += carry.withUnsafeBytes { line($0, now: now) }
                    carry.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            if start < bytes.count { carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start...])) }
            if events > 0 { collector.events.add(events, ordering: .relaxed) }
        }

        func line(_ l: UnsafeRawBufferPointer, now: Int64) -> Int {
            let n = l.count
            guard n > 8 else { return 0 }
            // The stamp is the last field: …,"t":123456}
            var k = n - 2
            while k > 0, l[k] >= 48, l[k] <= 57 { k -= 1 }
            guard k >= 3, l[k] == UInt8(ascii: ":"), l[k - 1] == UInt8(ascii: "\""), l[k - 2] == UInt8(ascii: "t") else { return 0 }
            if sample {
                var t: Int64 = 0
                for j in (k + 1)..<(n - 1) { t = t * 10 + Int64(l[j] - 48) }
                local.append(now - t)
            }
            return 1
        }

        func channelInactive(context: ChannelHandlerContext) {
            flush()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            collector.errors.add(1, ordering: .relaxed)
            context.close(promise: nil)
        }

        func flush() {
            guard !local.isEmpty else { return }
            let s = local
            local.removeAll()
            collector.samples.withLock { $0.append(contentsOf: s) }
        }
    }

    /// Opens `connections` connections to `host:port` and runs `mode` over them.
    /// `probe`, when given, reads the target's CPU time at both ends of a throughput window
    /// and its memory at the end.
    static func load(host: String, port: Int, prefix: String, connections: Int, mode: LoadMode,
                     group: any EventLoopGroup, probe: ProcessProbe? = nil) async throws -> LoadResult {
        let collector = Collector()
        let path: String, sample: Bool, loop: Bool
        var spreadNs: Int64 = 0
        switch mode {
        case .latency(let gap, let events, let stagger):
            path = "\(prefix)/v1/chat/completions?n=\(events)&gap=\(gap)"; sample = true; loop = false
            if stagger { spreadNs = Int64(gap) * 1_000_000 }
        case .chunks: path = "\(prefix)/v1/chat/completions?n=100000000&gap=0"; sample = false; loop = false
        case .requests: path = "\(prefix)/v1/small"; sample = false; loop = true
        }
        let hostHeader = "\(host):\(port)"
        let spread = spreadNs
        let channels = try await connectHTTP(host: host, port: port, count: connections, group: group) {
            LoadHandler(path: path, hostHeader: hostHeader, collector: collector, sample: sample, loop: loop,
                        startDelayNs: spread * Int64($0) / Int64(connections))
        }
        var result = LoadResult()
        switch mode {
        case .latency:
            // Every connection runs one stream to its end.
            let deadline = ContinuousClock.now + .seconds(600)
            while collector.requests.load(ordering: .relaxed) + collector.errors.load(ordering: .relaxed) < connections,
                  ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        case .chunks(let window), .requests(let window):
            try await Task.sleep(for: .seconds(1))  // warm-up
            let counter = { () -> Int in
                if case .chunks = mode { return collector.events.load(ordering: .relaxed) }
                return collector.requests.load(ordering: .relaxed)
            }
            let c0 = counter(), t0 = HostFacts.monoNs(), cpu0 = probe?.cpuSeconds(), loop0 = probe?.eventLoopCPUSeconds()
            try await Task.sleep(for: .milliseconds(Int64(window * 1000)))
            let c1 = counter(), t1 = HostFacts.monoNs(), cpu1 = probe?.cpuSeconds(), loop1 = probe?.eventLoopCPUSeconds()
            result.rssMiB = probe?.rssMiB()
            result.perSecond = Double(c1 - c0) / (Double(t1 - t0) / 1e9)
            if let cpu0, let cpu1, c1 > c0 { result.cpuUsPerOp = (cpu1 - cpu0) * 1e6 / Double(c1 - c0) }
            if let loop0, let loop1, c1 > c0 { result.loopCpuUsPerOp = (loop1 - loop0) * 1e6 / Double(c1 - c0) }
        }
        result.errors = collector.errors.load(ordering: .relaxed)
        for ch in channels { try? await ch.close() }
        result.latenciesNs = collector.samples.withLock { $0 }
        return result
    }

    /// Opens `count` HTTP/1.1 client connections, the `k`th with `handler(k)` after the HTTP
    /// codec, in batches so that no listen backlog overflows.
    static func connectHTTP(host: String, port: Int, count: Int, group: any EventLoopGroup,
                            handler: @escaping @Sendable (Int) -> any ChannelHandler) async throws -> [any Channel] {
        var channels: [any Channel] = []
        var k = 0
        while k < count {
            let batch = min(200, count - k)
            let futures = (k..<(k + batch)).map { i in
                ClientBootstrap(group: group)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connectTimeout(.seconds(30))
                    .channelInitializer { ch in
                        ch.eventLoop.makeCompletedFuture {
                            try ch.pipeline.syncOperations.addHTTPClientHandlers()
                            try ch.pipeline.syncOperations.addHandler(handler(i))
                        }
                    }
                    .connect(host: host, port: port)
            }
            for f in futures { channels.append(try await f.get()) }
            k += batch
        }
        return channels
    }
}
