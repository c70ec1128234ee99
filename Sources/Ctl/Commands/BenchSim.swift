import ArgumentParser
import Cassette
import Foundation
import NIOCore
import NIOPosix
import Proxy
import Scoring

/// `tapedeck bench sim`: calibration (client-measured TTFT and output speed against the
/// model's prediction) and capacity (concurrent streams and token events/s on one core).
struct BenchSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Calibrate the simulator against its model's prediction and measure its one-core capacity.")

    @Option(help: "Profile for the calibration (bundled name or YAML file).") var profile = "h100-70b"
    @Option(help: "Concurrencies for the calibration, comma-separated.") var concurrency = "1,8,64,256"
    @Option(help: "Approximate prompt tokens per calibration request.") var promptTokens = 256
    @Option(help: "Output tokens per calibration request (ignore_eos).") var outputTokens = 64
    @Option(help: "Requests per stream; the first of each stream is warm-up.") var requests = 3
    @Option(help: "Concurrent streams to try for capacity, comma-separated.") var capacityStreams = "1000,2500,5000,7500"
    @Option(help: "Decode step (ms) of the capacity model.") var capacityStepMs = 50.0
    @Option(help: "Streams for the token-rate ceiling.") var rateStreams = 1000
    @Option(help: "Decode step (ms) for the token-rate ceiling.") var rateStepMs = 2.0
    @Option(help: "Seconds each capacity point is measured.") var window = 5.0
    @Flag(help: "Skip the calibration.") var skipCalibration = false
    @Flag(help: "Skip the capacity measurement.") var skipCapacity = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        #if DEBUG
        CLI.warn("this is a debug build; benchmark figures are only meaningful with 'swift build -c release'")
        #endif
        let levels = try Self.ints(concurrency, "--concurrency")
        let capLevels = try Self.ints(capacityStreams, "--capacity-streams")
        guard promptTokens > 0, outputTokens > 1, requests > 1, window > 0, capacityStepMs > 0, rateStepMs > 0, rateStreams > 0 else {
            throw CLIError.input("--prompt-tokens, --window and step times must be positive; --output-tokens and --requests at least 2")
        }
        let p: SimProfile
        do { p = try SimProfile.resolve(profile) } catch let e as SimConfigError { throw CLIError.input(e.message) }
        BenchSimLimits.raiseFileLimit()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var report = JSONObject()
        report["machine"] = .object(HostFacts.current())
        do {
            if !skipCalibration {
                var rows: [JSON] = []
                for n in levels {
                    let row = try await calibrate(profile: p, concurrency: n, group: group)
                    rows.append(.object(row))
                    if !json { Self.printCalibration(row) }
                }
                report["calibration"] = .obj([("profile", .string(p.name)), ("levels", .array(rows))])
            }
            if !skipCapacity {
                report["capacity"] = .object(try await BenchSimCapacity(window: window, group: group, quiet: json)
                    .run(streams: capLevels, stepMs: capacityStepMs, rateStreams: rateStreams, rateStepMs: rateStepMs))
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
        if json { Output.line(JSON.object(report).prettyText()) }
    }

    static func ints(_ s: String, _ flag: String) throws -> [Int] {
        let v = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ ($0 ?? 0) > 0 }) else { throw CLIError.input("\(flag) must be a comma-separated list of positive integers") }
        return v.compactMap { $0 }
    }

    /// Runs `concurrency` closed-loop streams against a fresh simulator and compares with `predict`.
    func calibrate(profile p: SimProfile, concurrency n: Int, group: EventLoopGroup) async throws -> JSONObject {
        let server = try await SimServer.start(profile: p, seed: 1)
        let model = p.models.first ?? "sim"
        // A filler that, with the tag and template, makes about `promptTokens` tokens.
        let filler = Array(repeating: "sed", count: max(1, promptTokens - 14)).joined(separator: " ")
        let probe = BenchSimClient.chatBody(model: model, stream: 0, ordinal: 0, filler: filler, maxTokens: outputTokens)
        let promptCount = Self.serverPromptTokens(probe)
        let tally = BenchSimClient.Tally()
        let out = outputTokens
        let t0 = HostFacts.monoNs()
        let channels = try await BenchSimClient.open(group: group, port: server.port, streams: n, requestsPerStream: requests, tally: tally) { s, o in
            BenchSimClient.chatBody(model: model, stream: s, ordinal: o, filler: filler, maxTokens: out)
        }
        for c in channels { try? await c.closeFuture.get() }
        let wall = Double(HostFacts.monoNs() - t0) / 1e9
        let finished = try await group.next().submit { tally.finished }.get()
        let failures = try await group.next().submit { tally.failures }.get()
        let stats = try await server.stats()
        try await server.shutdown()

        let pred = p.predict(concurrency: n, promptTokens: promptCount, outputTokens: outputTokens, requestsPerStream: requests, warmupPerStream: 1)
        let steady = finished.filter { $0.ordinal >= 1 && $0.status == 200 }
        var ttft: [Double] = [], speed: [Double] = []
        var wrongCounts = 0
        for r in steady {
            guard let f = r.first, let l = r.last else { continue }
            if r.tokens != outputTokens { wrongCounts += 1 }
            ttft.append(Double(f - r.sent) / 1e9)
            if l > f { speed.append(Double(r.tokens - 1) / (Double(l - f) / 1e9)) }
        }
        let mTTFT = ttft.reduce(0, +) / Double(max(1, ttft.count))
        let mSpeed = speed.reduce(0, +) / Double(max(1, speed.count))
        func r4(_ x: Double) -> JSON { .double((x * 10_000).rounded() / 10_000) }
        var row = JSONObject()
        row["concurrency"] = .int(n)
        row["prompt_tokens"] = .int(promptCount)
        row["output_tokens"] = .int(outputTokens)
        row["requests_measured"] = .int(ttft.count)
        row["failures"] = .int(failures + wrongCounts)
        row["predicted_ttft_s"] = r4(pred.meanTTFT)
        row["measured_ttft_s"] = r4(mTTFT)
        row["ttft_deviation_pct"] = .double(((mTTFT / pred.meanTTFT - 1) * 1000).rounded() / 10)
        row["measured_ttft_p95_s"] = r4(Percentiles.of(ttft, 95) ?? 0)
        row["predicted_speed_tok_s"] = .double((pred.meanOutputSpeed * 10).rounded() / 10)
        row["measured_speed_tok_s"] = .double((mSpeed * 10).rounded() / 10)
        row["speed_deviation_pct"] = .double(((mSpeed / pred.meanOutputSpeed - 1) * 1000).rounded() / 10)
        row["server_step_lag_mean_us"] = .double(Double(stats.stepLagTotalNs) / Double(max(1, stats.steps)) / 1000)
        row["wall_s"] = .double((wall * 10).rounded() / 10)
        return row
    }

    /// The prompt tokens the simulator counts for a chat body (same parser and tokenizer).
    static func serverPromptTokens(_ body: [UInt8]) -> Int {
        guard case .success(let r) = SimRequest.parse(body, dialect: .chat) else { return 0 }
        return SimTokenizer.count(r.conversation.promptText(model: r.model))
    }

    static func printCalibration(_ r: JSONObject) {
        func s(_ k: String) -> String { r[k]?.text() ?? "-" }
        Output.line("calibration c=\(s("concurrency")): TTFT predicted \(s("predicted_ttft_s")) s, measured \(s("measured_ttft_s")) s (\(s("ttft_deviation_pct"))%); "
            + "speed predicted \(s("predicted_speed_tok_s")) tok/s, measured \(s("measured_speed_tok_s")) tok/s (\(s("speed_deviation_pct"))%); "
            + "n=\(s("requests_measured")) failures=\(s("failures")) wall \(s("wall_s")) s")
        Output.flush()
    }
}

/// Raises the open-file limit to its hard maximum, so thousands of sockets fit.
enum BenchSimLimits {
    #if canImport(Glibc)
    static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    static let resource = RLIMIT_NOFILE
    #endif

    static func raiseFileLimit() {
        var l = rlimit()
        guard getrlimit(resource, &l) == 0 else { return }
        l.rlim_cur = l.rlim_max
        _ = setrlimit(resource, &l)
    }

    static var fileLimit: Int {
        var l = rlimit()
        guard getrlimit(resource, &l) == 0 else { return 1024 }
        return Int(l.rlim_cur)
    }
}
