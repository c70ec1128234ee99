import ArgumentParser
import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy

/// `tapedeck bench serve`: offline replay's matched responses per second, and how closely
/// `--timing recorded` reproduces the recorded chunk gaps.
struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Measure tapedeck serve: matched responses/s with --timing instant, and replayed-gap accuracy with --timing recorded.",
        discussion: """
            The benchmark writes a cassette of synthetic streamed agent sessions (SyntheticSession: growing histories, \
            tool calls, usage chunks), starts 'tapedeck serve' on it as a separate process, and drives it from this \
            process with keep-alive connections that send the recorded request bodies. A response counts as matched \
            when it is a 200 with the x-tapedeck-replay header. The baseline, measured in the same run with the same \
            client, is a separate process that answers every request with one recorded response's bytes in the same \
            chunks, with no parsing and no matching. The timing run sends streamed requests under --timing recorded \
            and compares each event's arrival gap with the recorded gap. Build with -c release.
            """)

    @Option(help: "Synthetic sessions in the cassette.") var sessions = 100
    @Option(help: "Turns per session (each turn resends the growing history).") var turns = 8
    @Option(help: "Keep-alive connections for the responses/s runs.") var connections = 64
    @Option(help: "Measurement window of the responses/s runs, seconds (after 1 s of warm-up).") var window = 4.0
    @Option(help: "Concurrent streams for the --timing recorded run.") var streams = 100
    @Option(help: "Streams each connection runs in sequence in the timing run.") var rounds = 3
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: ArgumentHelp(visibility: .private)) var staticChild = false
    @Option(help: ArgumentHelp(visibility: .private)) var cassette: String?

    func run() async throws {
        if staticChild { try await runStaticChild(); return }
        guard sessions > 0, turns > 0, connections > 0, window > 0, streams > 0, rounds > 0 else {
            throw CLIError.input("--sessions, --turns, --connections, --window, --streams and --rounds must be positive")
        }
        #if DEBUG
        CLI.warn("this is a debug build; benchmark figures are only meaningful with 'swift build -c release'")
        #endif
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tapedeck-bench-serve-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exchanges = (0..<sessions).flatMap { SyntheticSession.generate(turns: turns, seed: UInt64($0)) }
        let path = dir + "/bench.cassette"
        try CassetteWriting.write(path: path, header: CassetteWriting.newHeader(), records: exchanges.map { .exchange($0) })
        let requests = exchanges.map { ByteBuffer(bytes: $0.request.body.bytes) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        var results: [String: Client.Result] = [:]
        for (name, args) in [("baseline", ["bench", "serve", "--static-child", "--cassette", path]),
                             ("tapedeck serve", ["serve", path, "--listen", "127.0.0.1:0", "--timing", "instant", "--allow-repeats", "--log-level", "error"])] {
            let t = try BenchProxy.spawnChild(name: name, args: args, dir: dir)
            defer { t.stop() }
            let r = try await Client.throughput(port: t.port, bodies: requests, connections: connections, window: window,
                                                requireReplayHeader: name != "baseline", group: group)
            results[name] = r
            progress("\(name): \(Int(r.perSecond)) responses/s over \(connections) connections (\(r.errors) errors)")
        }

        // Recorded timing: every stream plays a distinct recorded exchange, with its own recorded gaps.
        let t = try BenchProxy.spawnChild(name: "tapedeck serve (recorded)", args: ["serve", path, "--listen", "127.0.0.1:0", "--timing", "recorded", "--log-level", "error"], dir: dir)
        defer { t.stop() }
        let count = min(exchanges.count, streams * rounds)
        let timing = try await Client.timing(port: t.port, exchanges: Array(exchanges.prefix(count)), streams: streams, group: group)
        progress("timing: \(timing.gapDeviationsNs.count) gaps over \(timing.streams) streams (\(timing.errors) errors)")
        try await group.shutdownGracefully()

        let report = Report(sessions: sessions, turns: turns, exchanges: exchanges.count, cassetteBytes: fileSize(path),
                            connections: connections, baseline: results["baseline"]!, serve: results["tapedeck serve"]!,  // Both measured above.
                            timing: timing, streams: streams)
        if json { print(report.json().prettyText()) } else { report.printText() }
    }

    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    func progress(_ s: String) {
        if !json { FileHandle.standardError.write(Data(("  … " + s + "\n").utf8)) }
    }

    /// The baseline server: answers every request with the first recorded response, in its
    /// recorded chunks, without parsing or matching the request.
    func runStaticChild() async throws {
        guard let cassette else { throw CLIError.input("--static-child needs --cassette") }
        let (exchanges, _) = try CassetteFile.exchanges(path: cassette)
        guard let r = exchanges.first?.response else { throw CLIError.input("\(cassette) has no response to serve") }
        let bytes = r.body.bytes
        var parts: [ByteBuffer] = []
        var offset = 0
        for c in r.chunks {
            parts.append(ByteBuffer(bytes: bytes[offset..<min(bytes.count, offset + c.length)]))
            offset += c.length
        }
        let chunks = parts
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .milliseconds(100)),
                                handler: HTTPHandlerClosure { ex in
                                    ex.collectRequestBody(maxBytes: 64 << 20).whenSuccess { _ in
                                        var h = HTTPHeaders()
                                        h.add(name: "content-type", value: "text/event-stream")
                                        ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))
                                        // Written as replay writes instant chunks: all together, one flush at the end.
                                        for c in chunks { ex.writeBodyPart(c, flush: false) }
                                        ex.end()
                                    }
                                })
        try await server.start()
        FileHandle.standardError.write(Data("listening on http://127.0.0.1:\(server.port ?? 0)\n".utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
