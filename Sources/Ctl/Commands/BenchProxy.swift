import ArgumentParser
import Cassette
import Foundation
import Logging
import NIOCore
import NIOPosix
import Proxy
import Scoring
import ServiceLifecycle

/// `tapedeck bench proxy`: the recording proxy against nginx on the same upstream, in one run.
struct BenchProxy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Measure the proxy's added per-chunk latency and its throughput, recording on and off, against nginx.",
        discussion: """
            The upstream is a local SSE server (in this process) that writes OpenAI chat-completion chunks at a
            fixed pace, each stamped with the monotonic time it was written; the client (also in this process)
            takes each chunk's latency on arrival. Targets, each a separate process started fresh for every run:
            direct (no proxy), tapedeck forwarding without recording, tapedeck recording, nginx with
            proxy_buffering off. Added latency = percentile through the proxy - the same percentile direct.
            """)

    @Option(help: "Concurrent paced streams for the latency runs, comma-separated.") var streams = "1,100,1000"
    @Option(help: "Milliseconds between chunks in the latency runs.") var gapMs = 20
    @Option(help: "Seconds per latency run.") var seconds = 5.0
    @Flag(help: "Spread the paced streams' starts evenly over one gap (stream k of n starts k/n of a gap late), so their chunks do not all fall due at once.")
    var stagger = false
    @Option(help: "Concurrent unpaced streams for the chunks/s runs.") var throughputStreams = 64
    @Option(help: "Keep-alive connections for the requests/s runs.") var requestConnections = 64
    @Option(help: "Measurement window of the throughput runs, seconds (after 1 s of warm-up).") var window = 4.0
    @Option(help: "Rounds of the throughput runs: the targets take turns in each round, and each target's median is reported.")
    var rounds = 3
    @Flag(help: "Skip the nginx reference.") var noNginx = false
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: ArgumentHelp(visibility: .private)) var proxyChild = false
    @Option(help: ArgumentHelp(visibility: .private)) var upstream: String?
    @Option(help: ArgumentHelp(visibility: .private)) var proxyRecord: String?

    func run() async throws {
        if proxyChild { try await runChild(); return }
        let levels = streams.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }), gapMs > 0, seconds > 0, window > 0, throughputStreams > 0, requestConnections > 0,
              rounds > 0 else {
            throw CLIError.input("--streams, --gap-ms, --seconds, --window, --rounds and the connection counts must be positive")
        }
        #if DEBUG
        CLI.warn("this is a debug build; benchmark figures are only meaningful with 'swift build -c release'")
        #endif
        ProcessSignals.prepare()
        let upstreamGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream = try await Upstream.start(group: upstreamGroup)
        let upstreamPort = upstream.port ?? 0
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tapedeck-bench-proxy-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var hasNginx = false
        if !noNginx {
            try FileManager.default.createDirectory(atPath: dir + "/probe", withIntermediateDirectories: true)
            if let probe = try Self.spawnNginx(upstreamPort: upstreamPort, dir: dir + "/probe") { probe.stop(); hasNginx = true }
        }
        if !noNginx && !hasNginx { CLI.warn("nginx not found (apt install nginx-light): no reference figures") }

        var names = ["direct", "tapedeck", "tapedeck+record"]
        if hasNginx { names.insert("nginx", at: 1) }
        let start = { (name: String, run: Int) throws -> Target in
            let sub = dir + "/\(name)-\(run)"
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
            switch name {
            case "direct": return Target(name: name, port: upstreamPort, process: nil)
            case "nginx": return try Self.spawnNginx(upstreamPort: upstreamPort, dir: sub)!  // present: probed above
            case "tapedeck": return try Self.spawnTapedeck(name: name, upstream: "http://127.0.0.1:\(upstreamPort)", record: nil, dir: sub)
            default: return try Self.spawnTapedeck(name: name, upstream: "http://127.0.0.1:\(upstreamPort)", record: sub + "/bench.cassette", dir: sub)
            }
        }
        var run = 0
        func measure(_ name: String, _ connections: Int, _ mode: LoadMode) async throws -> LoadResult {
            run += 1
            let t = try start(name, run)
            defer { t.stop() }
            try await Task.sleep(for: .milliseconds(200))
            return try await Self.load(host: "127.0.0.1", port: t.port, prefix: "", connections: connections, mode: mode, group: clientGroup,
                                       probe: t.process.map { ProcessProbe(pid: $0.processIdentifier) })
        }

        var report = Report(names: names, gapMs: gapMs, seconds: seconds, stagger: stagger)
        let events = max(1, Int(seconds * 1000) / gapMs)
        for level in levels {
            for name in names {
                let r = try await measure(name, level, .latency(gapMs: gapMs, events: events, stagger: stagger))
                report.latency[level, default: [:]][name] = Report.Latency(r)
                progress("latency  \(level) streams  \(name): \(report.latency[level]![name]!.summary)")  // set just above
            }
        }
        // The machine's load drifts over minutes: targets take turns round by round, so that a
        // slow spell hits them alike, and the median of each target's rounds is reported.
        var chunks: [String: [Double]] = [:], requests: [String: [Double]] = [:]
        var chunkCPU: [String: [Double]] = [:], requestCPU: [String: [Double]] = [:]
        var chunkLoopCPU: [String: [Double]] = [:], requestLoopCPU: [String: [Double]] = [:]
        var chunkRSS: [String: [Double]] = [:], requestRSS: [String: [Double]] = [:]
        for round in 1...rounds {
            for name in names {
                let r = try await measure(name, throughputStreams, .chunks(window: window))
                chunks[name, default: []].append(r.perSecond)
                if let c = r.cpuUsPerOp { chunkCPU[name, default: []].append(c) }
                if let c = r.loopCpuUsPerOp { chunkLoopCPU[name, default: []].append(c) }
                if let m = r.rssMiB { chunkRSS[name, default: []].append(m) }
                progress("round \(round)  chunks/s  \(throughputStreams) streams  \(name): \(Int(r.perSecond)) (errors \(r.errors))")
            }
            for name in names {
                let r = try await measure(name, requestConnections, .requests(window: window))
                requests[name, default: []].append(r.perSecond)
                if let c = r.cpuUsPerOp { requestCPU[name, default: []].append(c) }
                if let c = r.loopCpuUsPerOp { requestLoopCPU[name, default: []].append(c) }
                if let m = r.rssMiB { requestRSS[name, default: []].append(m) }
                progress("round \(round)  requests/s  \(requestConnections) connections  \(name): \(Int(r.perSecond)) (errors \(r.errors))")
            }
        }
        report.rounds = rounds
        report.chunksPerSecond = chunks.mapValues(Self.median)
        report.requestsPerSecond = requests.mapValues(Self.median)
        report.cpuUsPerChunk = chunkCPU.mapValues(Self.median)
        report.cpuUsPerRequest = requestCPU.mapValues(Self.median)
        report.loopCpuUsPerChunk = chunkLoopCPU.mapValues(Self.median)
        report.loopCpuUsPerRequest = requestLoopCPU.mapValues(Self.median)
        report.rssMiBChunks = chunkRSS.compactMapValues { $0.max() }
        report.rssMiBRequests = requestRSS.compactMapValues { $0.max() }
        try await upstream.shutdownAndWait()
        try await upstreamGroup.shutdownGracefully()
        try await clientGroup.shutdownGracefully()
        if json { print(report.json().prettyText()) } else { report.printText(throughputStreams: throughputStreams, connections: requestConnections) }
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    func progress(_ s: String) {
        if !json { FileHandle.standardError.write(Data(("  … " + s + "\n").utf8)) }
    }

    /// The proxy process the benchmark starts: forwarding to `--upstream`, recording to
    /// `--proxy-record` when given.
    func runChild() async throws {
        ProcessSignals.prepare()
        guard let upstream else { throw CLIError.input("--proxy-child needs --upstream") }
        var o = RecordingProxyOptions()
        o.listenPort = 0
        o.output = proxyRecord
        o.drain = .seconds(1)
        do { try o.routes.add(prefix: "/", upstream: upstream) } catch { throw CLIError.input(error.description) }
        var logger = Logger(label: "tapedeck.bench")
        logger.logLevel = .error
        let p = try RecordingProxy(options: o, logger: logger)
        try await p.start()
        FileHandle.standardError.write(Data("listening on \(p.baseURL)\n".utf8))
        try await ServiceGroup(configuration: .init(services: p.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        await p.shutdownClient()
    }
}

extension HTTPServer {
    /// Shuts down and waits for ``run()``-less servers: closes the listener and connections.
    func shutdownAndWait() async throws {
        shutdown()
        try await Task.sleep(for: .milliseconds(100))
    }
}
