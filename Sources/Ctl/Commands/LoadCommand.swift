import ArgumentParser
import Cassette
import Foundation
import Replay
import Scoring

/// `tapedeck load`: N simulated agents replay captured trajectories against an endpoint.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Replay captured agent trajectories with N concurrent agents against an endpoint and measure it.",
        discussion: """
            Each agent runs trajectories in sequence (order fixed by --seed), sends every turn's recorded context \
            with a per-run prefix nonce, waits the recorded tool/think gap, and streams the reply. Metrics come \
            from the steady-state window only. Without --target the inference simulator runs in-process.
            Exit codes: 0 done, 1 a --tier failed or the error rate exceeded --max-error-rate, 2 bad input.
            See docs/load-and-sweep.md.
            """)

    @OptionGroup var traffic: TrafficOptions
    @Option(help: "Concurrent agents.") var agents = 8
    @Option(help: "Steady-state measurement time.") var duration = "60s"
    @Option(help: "Also wait until this many trajectories have completed.") var minTrajectories = 0
    @Option(help: "Also wait until every agent has completed this many trajectories.") var minPerAgent = 0
    @Option(help: "Stop the run after this long even if the rules above are not met.") var maxPhase = "1h"
    @Option(name: .customLong("tier"), help: "Judge the run against a tier, e.g. \"gold: speed_p25>=180, ttft_p95<=3s\" (repeatable).") var tiers: [String] = []
    @Option(name: .shortAndLong, help: "Write the summary JSON here.") var output: String?

    func run() async throws {
        guard agents >= 1 else { throw CLIError.input("--agents must be at least 1 (got \(agents))") }
        let policy = try traffic.policy()
        let maxErrorRate = try traffic.errorRateLimit()
        let tierList: [SLOTier]
        do { tierList = try tiers.map { try SLOTierParser.parse($0) } } catch let e as SLOTierError { throw CLIError.input(e.description) }
        let rules = try traffic.rules(minTrajectories: minTrajectories, minPerAgent: minPerAgent,
                                      steady: duration, steadyOption: "--duration", maxPhase: maxPhase)
        let workload = try traffic.workload(policy)
        let session = try await LoadSession.open(traffic)
        let report: PhaseReport
        let manifest: JSONObject
        do {
            var nonces: [JSON] = []
            report = try await SweepRun.phase(session: session, workload: workload, agents: agents, number: 1, tiers: tierList,
                                              rules: rules, policy: policy, maxErrorRate: maxErrorRate, nonces: &nonces)
            manifest = session.manifest(command: "load", workload: workload, policy: policy, extra: [
                ("agents", .int(agents)), ("duration", .string(duration)), ("min_trajectories", .int(minTrajectories)),
                ("min_per_agent", .int(minPerAgent)), ("phase_nonce", nonces.first ?? .null),
                ("max_error_rate", .double(maxErrorRate)),
            ])
            await session.close()
        } catch {
            await session.close()
            throw error
        }
        var o = JSONObject()
        o["kind"] = "tapedeck.load"
        o["schema_version"] = 1
        o["manifest"] = .object(manifest)
        o["tiers"] = .array(tierList.map { .string($0.description) })
        o["phase"] = report.toJSON(tiers: tierList)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data((JSON.object(o).prettyText() + "\n").utf8)) else {
                throw CLIError.input("cannot write \(output)")
            }
        }
        LoadSummary.print(report, tiers: tierList, output: output, requests: traffic.requests)
        Output.flush()
        if !report.valid { CLI.warn("this measurement is not trustworthy: " + report.invalidReasons.joined(separator: "; ")) }
        if !report.errorsOK {
            throw CLIError.failed(String(format: "error rate %.2f%% exceeds --max-error-rate %.2f%%", report.metrics.errorRate * 100, maxErrorRate * 100))
        }
        let failed = tierList.indices.filter { !report.passes($0) }.map { tierList[$0].name }
        if !failed.isEmpty { throw CLIError.failed("tier not met: " + failed.joined(separator: ", ")) }
    }
}

/// The human summary of a load run.
enum LoadSummary {
    static func print(_ r: PhaseReport, tiers: [SLOTier], output: String?, requests: String?) {
        let m = r.metrics
        func d(_ metric: LoadMetric, _ p: Double, _ scale: Double = 1, _ digits: Int = 3) -> String {
            m.summaries[metric]?[p].map { String(format: "%.\(digits)f", $0 * scale) } ?? "–"
        }
        Output.line("agents \(r.agents) · steady window \(String(format: "%.1f", m.window.seconds)) s · \(m.requests) requests (\(m.failed) failed)"
            + " · \(r.run.trajectoriesCompleted) trajectories")
        if !m.errors.isEmpty { Output.line("errors       " + m.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        Output.line("               p5        p25       p50       p75       p95       p99")
        for (name, metric, scale, digits) in [("TTFT s", LoadMetric.ttft, 1.0, 3), ("TTFO s", .ttfo, 1, 3), ("E2E s", .e2e, 1, 3),
                                               ("speed tok/s", .speed, 1, 1), ("ITL ms", .itl, 1000, 2), ("lag ms", .dispatchLag, 1000, 3)] {
            let cols = [5.0, 25, 50, 75, 95, 99].map { d(metric, $0, scale, digits).padding(toLength: 9, withPad: " ", startingAt: 0) }
            Output.line(name.padding(toLength: 13, withPad: " ", startingAt: 0) + "  " + cols.joined(separator: " "))
        }
        Output.line(String(format: "throughput   %.1f output tok/s · %.2f requests/s", m.throughput, m.requestRate))
        Output.line(String(format: "client       %.2f CPU-s on %d loops (busiest %.0f%%)", r.run.clientCPUSeconds, r.run.loopThreads, r.run.maxLoopUtilization * 100)
            + (r.run.cpuSecondsPerMillionTokens.map { String(format: " · %.1f CPU-s per million output tokens", $0) } ?? "")
            + " · valid: \(r.valid ? "yes" : "NO")")
        for (i, t) in tiers.enumerated() {
            Output.line("tier \(t.name): \(r.passes(i) ? "pass" : "FAIL")" + (r.verdicts[i].reasons.isEmpty ? "" : " (" + r.verdicts[i].reasons.joined(separator: "; ") + ")"))
        }
        if let output { Output.line("summary: \(output)") }
        if let requests { Output.line("requests: \(requests)") }
    }
}
