import ArgumentParser
import Cassette
import Foundation
import NIOCore
import NIOPosix
import Proxy
import Replay
import Scoring

/// `tapedeck bench load`: the load client's accuracy and capacity against the simulator's ground truth.
struct BenchLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Measure the load client: TTFT and token-timing bias against the simulator's trace, sustained streams, parse rate, CPU per token.",
        discussion: """
            Each level runs N agents that keep one stream each in flight against the in-process simulator, \
            whose trace records when each request arrived and when each token was written. The bias is the \
            client's measurement minus the server's: TTFT bias = (first token read − request sent) − \
            (first token written − request arrived). Build with -c release.
            """)

    @Option(help: "Concurrent stream levels, comma-separated.") var streams = "100,1000,2500"
    @Option(help: "Steady-state seconds measured per level.") var seconds = 10.0
    @Option(help: "Output tokens per request.") var tokens = 64
    @Option(help: "Milliseconds between a stream's tokens on the simulator.") var tokenInterval = 20.0
    @Option(help: "Client event-loop threads (default: one per core).") var threads: Int?
    @Option(help: "Events in the single-core parse benchmark.") var parseEvents = 200_000
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        #if DEBUG
        CLI.warn("this is a debug build; benchmark figures are only meaningful with 'swift build -c release'")
        #endif
        let levels = streams.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }) else { throw CLIError.input("--streams must list positive counts, e.g. 100,1000,2500") }
        guard seconds > 0, tokens > 1, tokenInterval > 0, parseEvents > 0 else {
            throw CLIError.input("--seconds, --tokens (> 1), --token-interval and --parse-events must be positive")
        }
        var out = JSONObject()
        out["host"] = .object(HostFacts.current())
        out["parse"] = try parseBenchmark()
        var rows: [JSON] = []
        var sustained = 0
        for n in levels {
            let row = try await level(n)
            rows.append(row)
            if row["sustained"]?.boolValue == true { sustained = max(sustained, n) }
            if !json { print(BenchLoadText.levelLine(row)) }
        }
        out["levels"] = .array(rows)
        out["max_sustained_streams"] = .int(sustained)
        if json { print(JSON.object(out).prettyText()); return }
        print(BenchLoadText.parseLines(out["parse"]!).joined(separator: "\n"))  // Set above.
        print("max sustained streams: \(sustained) of the levels tried (no errors, dispatch lag p99 <= 5 ms, no loop saturated)")
    }

    /// Token events parsed per second on one core through the client's exact receive path.
    func parseBenchmark() throws -> JSON {
        let chunk = #"{"id":"chatcmpl-bench0123456789","object":"chat.completion.chunk","created":1795000000,"model":"bench-model","#
            + #""choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}"#
        let event = "data: \(chunk)\n\n"
        var sse = ""
        var http = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        for _ in 0..<parseEvents {
            http += String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n"
            sse += event
        }
        http += "0\r\n\r\n"
        func reads(_ s: String, size: Int) -> [ByteBuffer] {
            let b = ByteBuffer(string: s)
            return stride(from: 0, to: b.readableBytes, by: size).map { b.getSlice(at: $0, length: min(size, b.readableBytes - $0))! }  // In range.
        }
        let httpReads = reads(http, size: 16 * 1024), sseReads = reads(sse, size: 16 * 1024)
        var best = Double.infinity, bestFrame = Double.infinity
        var found = 0
        for _ in 0..<3 {
            let c0 = CPUTime.thread()
            found = ClientParsePath.parse(httpReads) ?? -1
            best = min(best, CPUTime.thread() - c0)
            let c1 = CPUTime.thread()
            _ = ClientParsePath.frameOnly(sseReads)
            bestFrame = min(bestFrame, CPUTime.thread() - c1)
        }
        guard found == parseEvents else { throw CLIError.failed("parse benchmark found \(found) token events, expected \(parseEvents)") }
        return .obj([("events", .int(parseEvents)), ("event_bytes", .int(event.utf8.count)),
                     ("events_per_cpu_second", .int(Int(Double(parseEvents) / best))),
                     ("sse_framing_only_events_per_cpu_second", .int(Int(Double(parseEvents) / bestFrame))),
                     ("full_path_vs_framing_only", .double((bestFrame / best * 1000).rounded() / 1000))])
    }
}
