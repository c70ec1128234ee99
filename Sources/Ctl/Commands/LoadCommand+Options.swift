import ArgumentParser
import Cassette
import Foundation
import Proxy
import Replay
import Scoring

/// The options `load` and `sweep` share: what to replay, where, and how the traffic is shaped.
struct TrafficOptions: ParsableArguments {
    @Argument(help: "Cassette files to replay.") var cassettes: [String] = []
    @Option(help: "The endpoint under test (http://host:port[/v1]). Without it, the simulator runs in-process.") var target: String?
    @Option(help: "Simulator profile when no --target is given: a bundled name or a YAML file.") var profile = "tiny"
    @Option(help: "Write the embedded simulator's ground-truth trace (JSON Lines) here.") var simTrace: String?
    @Option(help: "Model name every request asks for (default: the recorded one).") var model: String?
    @Option(help: "Output length: recorded (pin max_tokens, ignore_eos), free, or cap:N.") var osl = "recorded"
    @Option(help: "The max_tokens ceiling.") var maxTokens = 16384
    @Option(help: "Tool/think gaps between turns: recorded, scale:F or cap:SECONDS.") var gaps = "recorded"
    @Option(help: "History sent each turn: recorded (as AA-AgentPerf) or live (the target's own replies, OpenAI chat).") var history = "recorded"
    @Option(help: "Seed of the agents' trajectory order (the same in every phase).") var seed: UInt64 = 1
    @Option(help: "Time every agent must be active before steady state starts (AA: 30s).") var warmup = "30s"
    @Option(help: "Agents' first requests are spread over this long.") var rampUp = "5s"
    @Option(help: "A request that has not ended after this long fails with 'timeout'.") var requestTimeout = "10m"
    @Option(help: "Reuse a kept-alive connection only if idle less than this (servers often close at 5s).") var keepaliveIdle = "4s"
    @Option(help: "A phase fails when more than this fraction of its requests fail (0.01 or 1%).") var maxErrorRate = "1%"
    @Option(help: "API key: sent as 'Authorization: Bearer' (and 'x-api-key' to Anthropic). Default: $TAPEDECK_API_KEY.") var apiKey: String?
    @Option(help: "Client event-loop threads (default: one per core).") var threads: Int?
    @Option(help: "Write one JSON Lines record per request here.") var requests: String?

    /// The traffic policy.
    func policy() throws -> TrafficPolicy {
        guard let o = OutputLength(osl) else { throw CLIError.input("--osl must be recorded, free or cap:N (N > 0), not '\(osl)'") }
        guard let g = GapPolicy(gaps) else { throw CLIError.input("--gaps must be recorded, scale:F or cap:SECONDS, not '\(gaps)'") }
        guard let h = HistoryMode(rawValue: history) else { throw CLIError.input("--history must be recorded or live, not '\(history)'") }
        guard maxTokens > 0 else { throw CLIError.input("--max-tokens must be at least 1 (got \(maxTokens))") }
        return TrafficPolicy(model: model, outputLength: o, maxTokens: maxTokens, gaps: g, history: h)
    }

    /// The error-rate limit as a fraction.
    func errorRateLimit() throws -> Double {
        let t = maxErrorRate.trimmingCharacters(in: .whitespaces)
        let v = t.hasSuffix("%") ? Double(t.dropLast()).map { $0 / 100 } : Double(t)
        guard let v, v >= 0, v <= 1 else { throw CLIError.input("--max-error-rate must be a fraction from 0 to 1 or a percentage, not '\(maxErrorRate)'") }
        return v
    }

    /// Reads the cassettes into a workload, streaming each file.
    func workload(_ policy: TrafficPolicy) throws -> Workload {
        guard !cassettes.isEmpty else { throw CLIError.input("give at least one cassette file to replay") }
        var builder = WorkloadBuilder(policy: policy)
        for path in cassettes {
            var exchanges = 0
            let report = try CassetteFile.readRecords(path: path) { line in
                if case .exchange(let e) = try line.result.get() { builder.add(e, source: path); exchanges += 1 }
            }
            if let issue = report.issue { CLI.warn("\(path): \(issue); replaying the \(exchanges) exchanges before it") }
        }
        let w = builder.finish()
        guard w.turnCount > 0 else {
            let s = w.stats
            throw CLIError.input("\(cassettes.joined(separator: ", ")): no LLM turns to replay (\(s.exchanges) exchanges: \(s.nonLLM) not LLM calls, \(s.skipped) failed or without a JSON body)")
        }
        return w
    }

    /// Parses a duration such as `10m`, `30s`, `500ms`, `1h`, `1m30s` or plain seconds, in ns.
    /// A phase's stopping rules from the command line: the steady time comes from `steadyOption`
    /// (`--duration` for load, `--phase-min` for sweep), the warm-up from `--warmup`.
    func rules(minTrajectories: Int, minPerAgent: Int, steady: String, steadyOption: String, maxPhase: String) throws -> PhaseMonitor.Rules {
        PhaseMonitor.Rules(minTrajectories: minTrajectories, minPerAgent: minPerAgent,
                           minSteadyNs: try Self.duration(steady, option: steadyOption),
                           warmupNs: try Self.duration(warmup, option: "--warmup"),
                           maxPhaseNs: try Self.duration(maxPhase, option: "--max-phase"))
    }

    static func duration(_ text: String, option: String) throws -> Int64 {
        var total = 0.0
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { throw CLIError.input("\(option) needs a duration such as 30s, 10m or 500ms") }
        if let plain = Double(rest), plain >= 0 { return Int64(plain * 1e9) }
        while !rest.isEmpty {
            let num = rest.prefix { $0.isNumber || $0 == "." }
            let unit = rest.dropFirst(num.count).prefix { $0.isLetter }
            guard let v = Double(num), !unit.isEmpty else { throw CLIError.input("\(option): '\(text)' is not a duration (use e.g. 30s, 10m, 1h, 500ms)") }
            let scale: Double
            switch unit {
            case "ms": scale = 1e-3
            case "s": scale = 1
            case "m", "min": scale = 60
            case "h": scale = 3600
            default: throw CLIError.input("\(option): unknown unit '\(unit)' in '\(text)' (use ms, s, m or h)")
            }
            total += v * scale
            rest = rest.dropFirst(num.count + unit.count)
        }
        return Int64(total * 1e9)
    }

    /// The API key to send, if any.
    var resolvedAPIKey: String? { apiKey ?? ProcessInfo.processInfo.environment["TAPEDECK_API_KEY"] }

    /// Client event-loop threads.
    var loopThreads: Int { max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount) }
}

/// Maps the load runner's results to what Scoring measures.
enum LoadMapping {
    static func sample(_ r: RequestResult) -> Scoring.LoadSample {
        LoadSample(scheduledNs: r.scheduledNs, sentNs: r.sentNs, firstTokenNs: r.firstTokenNs, firstOutputNs: r.firstOutputNs,
                   tokenEventNs: r.tokenEventNs, endNs: r.endNs, outputTokens: r.outputTokens, inputTokens: r.inputTokens,
                   cachedTokens: r.cachedTokens, usageCounted: r.usageCounted, errorKind: r.errorKind, clientLagNs: r.dispatchLagNs)
    }

    static func facts(_ r: LoadRunResult) -> RunFacts {
        RunFacts(wallSeconds: r.wallSeconds, windowStart: Double(r.window.startNs - r.startNs) / 1e9, timedOut: r.timedOut,
                 trajectoriesCompleted: r.trajectoriesCompleted, minPerAgent: r.minPerAgent, clientCPUSeconds: r.clientCPUSeconds,
                 processCPUSeconds: r.processCPUSeconds, maxLoopUtilization: r.maxLoopUtilization, loopThreads: r.loopThreads,
                 connectionsOpened: r.connectionsOpened, eventsParsed: r.eventsParsed, abandoned: r.abandoned,
                 bytesSent: r.bytesSent, bytesReceived: r.bytesReceived,
                 outputTokensAll: r.requests.reduce(0) { $0 + ($1.errorKind == nil ? $1.outputTokens : 0) })
    }

    /// Judges a phase's results.
    static func report(_ r: LoadRunResult, phase: Int, tiers: [SLOTier], maxErrorRate: Double) -> PhaseReport {
        let metrics = LoadMetrics(samples: r.requests.map(sample), window: SteadyWindow(startNs: r.window.startNs, endNs: r.window.endNs))
        return PhaseReport(phase: phase, agents: r.agents, metrics: metrics, run: facts(r), tiers: tiers, maxErrorRate: maxErrorRate)
    }
}
