import ArgumentParser
import Cassette
import Foundation
import Replay
import Scoring

/// `tapedeck bench sweep-check`: the sweep's answers against an exhaustive scan at fixed agent counts.
struct BenchSweepCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-check",
        abstract: "Check the sweep: its answer per tier against an exhaustive scan of every agent count (release mode).",
        discussion: """
            Runs the sweep (ramp + binary search), then measures every agent count from 1 to --scan-max with the same \
            phase settings, and compares per tier: the scan's answer is the largest count that passed below the first \
            count that failed. Passes when every tier's sweep answer is within one step (±5 % or ±1 agent) of it. \
            Exit 1 when a tier is outside. Without --target the simulator runs in-process (default profile tiny).
            """)

    @OptionGroup var traffic: TrafficOptions
    @Option(name: .customLong("tier"), help: "A tier (repeatable). Default: three tiers scaled to the tiny profile.") var tiers: [String] = []
    @Option(help: "The largest agent count scanned (and the sweep's --max-agents).") var scanMax = 48
    @Option(help: "Steady-state time per phase.") var phaseMin = "4s"
    @Option(help: "Trajectories that must complete per phase.") var minTrajectories = 8
    @Option(help: "Trajectories every agent must complete per phase.") var minPerAgent = 1
    @Option(help: "Write the comparison JSON here.") var output: String?

    /// Tiers on the tiny profile's scale (2 ms decode steps + 0.05 ms per running sequence; 32 sequences at most).
    static let defaultTiers = ["fast: speed_p25>=380, ttft_p95<=0.05s", "standard: speed_p25>=320, ttft_p95<=0.15s",
                               "relaxed: speed_p25>=250, ttft_p95<=0.5s"]

    func run() async throws {
        #if DEBUG
        CLI.warn("this is a debug build; run the check with 'swift build -c release'")
        #endif
        guard scanMax >= 1 else { throw CLIError.input("--scan-max must be at least 1") }
        let tierList: [SLOTier]
        do { tierList = try (tiers.isEmpty ? Self.defaultTiers : tiers).map { try SLOTierParser.parse($0) } } catch let e as SLOTierError {
            throw CLIError.input(e.description)
        }
        let policy = try traffic.policy()
        let maxErrorRate = try traffic.errorRateLimit()
        let rules = PhaseMonitor.Rules(minTrajectories: minTrajectories, minPerAgent: minPerAgent,
                                       minSteadyNs: try TrafficOptions.duration(phaseMin, option: "--phase-min"),
                                       warmupNs: try TrafficOptions.duration(traffic.warmup, option: "--warmup"))
        let workload = try traffic.workload(policy)
        let session = try await LoadSession.open(traffic)
        var sweep = SweepRun()
        var scan: [PhaseReport] = []
        do {
            print("sweep-check: tiers " + tierList.map(\.description).joined(separator: " | "))
            sweep = try await SweepRun.execute(session: session, workload: workload, tiers: tierList, rules: rules, policy: policy,
                                               search: .init(start: 1, maxAgents: scanMax, resolution: 0.05), maxErrorRate: maxErrorRate) { p, _ in
                print("sweep " + SweepTable.phaseLine(p, tiers: tierList))
            }
            var nonces: [JSON] = []
            for n in 1...scanMax {
                let p = try await SweepRun.phase(session: session, workload: workload, agents: n, number: 1000 + n, tiers: tierList,
                                                 rules: rules, policy: policy, maxErrorRate: maxErrorRate, nonces: &nonces)
                scan.append(p)
                print("scan  " + SweepTable.phaseLine(p, tiers: tierList))
            }
            await session.close()
        } catch {
            await session.close()
            throw error
        }
        var rows: [JSON] = []
        var allWithin = true
        print("")
        print("tier        sweep  scan  tolerance  within  (sweep phases \(sweep.phases.count), scan phases \(scan.count))")
        for (i, t) in tierList.enumerated() {
            let firstFail = scan.first { !$0.passes(i) }?.agents
            let exhaustive = scan.filter { $0.passes(i) && (firstFail == nil || $0.agents < firstFail!) }.map(\.agents).max() ?? 0  // firstFail checked.
            let maxPassing = scan.filter { $0.passes(i) }.map(\.agents).max() ?? 0
            let answer = sweep.answers[i].agents
            let tolerance = max(1, Int((Double(exhaustive) * 0.05).rounded(.down)))
            let within = abs(answer - exhaustive) <= tolerance
            allWithin = allWithin && within
            print("\(t.name.padding(toLength: 10, withPad: " ", startingAt: 0))  \(String(answer).padding(toLength: 5, withPad: " ", startingAt: 0))  "
                + "\(String(exhaustive).padding(toLength: 4, withPad: " ", startingAt: 0))  ±\(String(tolerance).padding(toLength: 8, withPad: " ", startingAt: 0))  "
                + "\(within ? "yes" : "NO")   (largest passing count anywhere in the scan: \(maxPassing))")
            rows.append(.obj([("tier", .string(t.description)), ("sweep", .int(answer)), ("scan", .int(exhaustive)),
                              ("scan_max_passing", .int(maxPassing)), ("tolerance", .int(tolerance)), ("within", .bool(within))]))
        }
        let invalid = (sweep.phases + scan).filter { !$0.valid }.count
        if invalid > 0 { print("note: \(invalid) of \(sweep.phases.count + scan.count) phases were not valid measurements") }
        if let output {
            let o: JSON = .obj([("tiers", .array(rows)), ("sweep_phases", .int(sweep.phases.count)), ("scan_phases", .int(scan.count)),
                                ("invalid_phases", .int(invalid)),
                                ("scan", .array(scan.map { p in .obj([("agents", .int(p.agents)), ("pass", .array(tierList.indices.map { .bool(p.passes($0)) })),
                                                                      ("speed_p25", p.metrics.summaries[.speed]?[25].map { .double($0) } ?? .null),
                                                                      ("ttft_p95", p.metrics.summaries[.ttft]?[95].map { .double($0) } ?? .null)]) }))])
            try CassetteWriting.writeText(path: output, o.prettyText() + "\n")
        }
        if !allWithin { throw CLIError.failed("a tier's sweep answer is outside one step of the exhaustive scan") }
    }
}
