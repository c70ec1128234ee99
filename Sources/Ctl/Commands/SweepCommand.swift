import ArgumentParser
import Cassette
import Foundation
import Replay
import Scoring

/// `tapedeck sweep`: the AgentPerf SLO sweep — the most concurrent agents per service tier.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Find the most concurrent agents an endpoint supports at each SLO tier (AA-AgentPerf method).",
        discussion: """
            An exponential ramp of agent counts, then a binary search per tier; each phase is measured once and \
            judged for every tier. A phase runs until --min-trajectories have completed, every agent has completed \
            --min-per-agent, and --phase-min of steady state has passed; every phase gets a fresh prefix nonce. \
            Default tiers: \(SLOTier.defaultSet.source) (\(SLOTier.defaultSet.tiers.map(\.description).joined(separator: "; "))). \
            Other built-in sets: \(SLOTier.builtInSets.dropFirst().map(\.name).joined(separator: ", ")).
            Tier grammar: \(SLOTierParser.grammar)
            See docs/load-and-sweep.md.
            """)

    @OptionGroup var traffic: TrafficOptions
    @Option(name: .customLong("tier"), help: "A tier, e.g. \"gold: speed_p25>=180, ttft_p95<=3s\" (repeatable; replaces the default set).") var tiers: [String] = []
    @Option(help: "A built-in tier set (default \(SLOTier.defaultSet.name)).") var tierSet: String?
    @Option(help: "Steady-state time each phase must measure (AA: 10m).") var phaseMin = "10m"
    @Option(help: "Trajectories that must complete in each phase (AA: 30).") var minTrajectories = 30
    @Option(help: "Trajectories every agent must complete in each phase (AA: 3).") var minPerAgent = 3
    @Option(help: "A phase that has not met the rules after this long stops and is marked timed out.") var maxPhase = "1h"
    @Option(help: "The first agent count of the ramp.") var startAgents = 1
    @Option(help: "The most agents to try.") var maxAgents = 1024
    @Option(help: "The search stops within this fraction of the answer (or one agent).") var resolution = 0.05
    @Option(help: "Accelerators serving the target, for per-accelerator figures.") var accelerators: Int?
    @Option(help: "Power draw of the deployment in kW, for per-kW figures.") var powerKw: Double?
    @Option(name: .shortAndLong, help: "Write the sweep JSON here.") var output = "sweep.json"
    @Option(help: "Write the HTML report here.") var report = "sweep.html"

    func run() async throws {
        guard startAgents >= 1 else { throw CLIError.input("--start-agents must be at least 1 (got \(startAgents))") }
        guard maxAgents >= startAgents else { throw CLIError.input("--max-agents must be at least --start-agents (got \(maxAgents))") }
        guard resolution >= 0, resolution < 1 else { throw CLIError.input("--resolution must be from 0 to 1 (got \(resolution))") }
        if let a = accelerators, a < 1 { throw CLIError.input("--accelerators must be at least 1 (got \(a))") }
        if let p = powerKw, !(p > 0) { throw CLIError.input("--power-kw must be positive (got \(p))") }
        let (tierList, tierSource) = try resolveTiers()
        try checkWritable(output)
        try checkWritable(report)
        let policy = try traffic.policy()
        let maxErrorRate = try traffic.errorRateLimit()
        let rules = try traffic.rules(minTrajectories: minTrajectories, minPerAgent: minPerAgent,
                                      steady: phaseMin, steadyOption: "--phase-min", maxPhase: maxPhase)
        let workload = try traffic.workload(policy)
        let session = try await LoadSession.open(traffic)
        let run: SweepRun
        do {
            Output.line("sweep: \(workload.trajectories.count) trajectories, \(workload.turnCount) turns → \(session.target.url)"
                + (session.simProfile.map { " (embedded simulator, profile \($0))" } ?? ""))
            Output.line("tiers: " + tierList.map(\.description).joined(separator: " | "))
            Output.flush()
            run = try await SweepRun.execute(session: session, workload: workload, tiers: tierList, rules: rules, policy: policy,
                                             search: .init(start: startAgents, maxAgents: maxAgents, resolution: resolution),
                                             maxErrorRate: maxErrorRate) { p, partial in
                Output.line(SweepTable.phaseLine(p, tiers: tierList))
                Output.flush()
                // Keep the files current, so a long sweep that is interrupted still leaves its phases behind.
                try writeOutputs(partial, session: session, workload: workload, policy: policy, tiers: tierList, tierSource: tierSource,
                                 maxErrorRate: maxErrorRate, complete: false)
            }
            await session.close()
        } catch {
            await session.close()
            throw error
        }
        let sweep = try writeOutputs(run, session: session, workload: workload, policy: policy, tiers: tierList, tierSource: tierSource,
                                     maxErrorRate: maxErrorRate, complete: true)
        let phases = run.phases
        Output.line("")
        for line in SweepTable.tierTable(sweep) { Output.line(line) }
        let invalid = phases.filter { !$0.valid }.count
        if invalid > 0 { Output.line("note: \(invalid) of \(phases.count) phases were not valid measurements (see the phase table)") }
        Output.line("sweep: \(output)")
        Output.line("report: \(URL(fileURLWithPath: report).path)")
    }

    func resolveTiers() throws -> ([SLOTier], String) {
        if !tiers.isEmpty {
            if tierSet != nil { throw CLIError.input("give either --tier or --tier-set, not both") }
            do {
                let list = try tiers.map { try SLOTierParser.parse($0) }
                guard Set(list.map(\.name)).count == list.count else { throw CLIError.input("tier names must be different") }
                return (list, "command line")
            } catch let e as SLOTierError { throw CLIError.input(e.description) }
        }
        let name = tierSet ?? SLOTier.defaultSet.name
        guard let set = SLOTier.builtInSet(named: name) else {
            throw CLIError.input("unknown --tier-set '\(name)'; built in: \(SLOTier.builtInSets.map(\.name).joined(separator: ", "))")
        }
        return (set.tiers, "\(set.name): \(set.source)")
    }

    /// Writes sweep.json and the HTML report (atomically) for the phases so far.
    @discardableResult
    func writeOutputs(_ run: SweepRun, session: LoadSession, workload: Workload, policy: TrafficPolicy, tiers: [SLOTier], tierSource: String,
                      maxErrorRate: Double, complete: Bool) throws -> SweepReport {
        let manifest = session.manifest(command: "sweep", workload: workload, policy: policy, extra: [
            ("phase_min", .string(phaseMin)), ("min_trajectories", .int(minTrajectories)), ("min_per_agent", .int(minPerAgent)),
            ("max_phase", .string(maxPhase)), ("start_agents", .int(startAgents)), ("max_agents", .int(maxAgents)),
            ("resolution", .double(resolution)), ("max_error_rate", .double(maxErrorRate)), ("phase_nonces", .array(run.nonces)),
            ("accelerators", accelerators.map { .int($0) } ?? .null), ("power_kw", powerKw.map { .double($0) } ?? .null),
            ("complete", .bool(complete)),
        ])
        let sweep = SweepReport(manifest: manifest, tiers: tiers, tierSource: tierSource, phases: run.phases, answers: run.answers,
                                accelerators: accelerators, powerKW: powerKw)
        try CassetteWriting.writeText(path: output, (sweep.toJSON().prettyText()) + "\n")
        try CassetteWriting.writeText(path: report, SweepReportHTML.render(sweep))
        return sweep
    }

    /// Fails before any phase runs when an output cannot be written.
    func checkWritable(_ path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: dir.isEmpty ? "." : dir) else {
            throw CLIError.input("cannot write \(path): the folder \(dir) does not exist or is not writable")
        }
    }
}

/// The sweep loop: asks the search for the next agent count, runs and judges that phase, until every tier is settled.
struct SweepRun {
    var phases: [PhaseReport] = []
    var answers: [TierAnswer] = []
    var nonces: [JSON] = []

    static func execute(session: LoadSession, workload: Workload, tiers: [SLOTier], rules: PhaseMonitor.Rules, policy: TrafficPolicy,
                        search config: SweepSearch.Config, maxErrorRate: Double,
                        onPhase: (PhaseReport, SweepRun) throws -> Void) async throws -> SweepRun {
        var search = SweepSearch(tiers: tiers.count, config: config)
        var run = SweepRun()
        while let n = search.next() {
            let p = try await phase(session: session, workload: workload, agents: n, number: run.phases.count + 1, tiers: tiers,
                                    rules: rules, policy: policy, maxErrorRate: maxErrorRate, nonces: &run.nonces)
            run.phases.append(p)
            search.record(agents: n, passes: tiers.indices.map { p.passes($0) })
            run.answers = answers(search, tiers)
            try onPhase(p, run)
        }
        run.answers = answers(search, tiers)
        return run
    }

    static func answers(_ search: SweepSearch, _ tiers: [SLOTier]) -> [TierAnswer] {
        tiers.indices.map { i in
            let a = search.answer(i)
            return TierAnswer(tier: tiers[i].name, agents: a.agents, failedAt: a.failedAt, capped: a.capped, nonMonotone: a.nonMonotone)
        }
    }

    /// Runs and judges one phase with a fresh nonce.
    static func phase(session: LoadSession, workload: Workload, agents: Int, number: Int, tiers: [SLOTier], rules: PhaseMonitor.Rules,
                      policy: TrafficPolicy, maxErrorRate: Double, nonces: inout [JSON]) async throws -> PhaseReport {
        let nonce = LoadSession.freshNonce()
        nonces.append(.string(String(nonce, radix: 16)))
        let config = try session.config(agents: agents, phase: number, rules: rules, policy: policy, nonce: nonce)
        let result = try await LoadRunner.run(workload: workload, config: config, group: session.group, onProgress: ProgressLine.show)
        ProgressLine.clear()
        session.log(result, phase: number, workload: workload)
        return LoadMapping.report(result, phase: number, tiers: tiers, maxErrorRate: maxErrorRate)
    }
}

/// The sweep's text tables.
enum SweepTable {
    static func phaseLine(_ p: PhaseReport, tiers: [SLOTier]) -> String {
        let d = p.metrics.summaries
        let speed = d[.speed]?[25].map { String(format: "%7.1f", $0) } ?? "      –"
        let ttft = d[.ttft]?[95].map { String(format: "%7.3f", $0) } ?? "      –"
        let verdicts = tiers.indices.map { "\(tiers[$0].name) \(p.passes($0) ? "pass" : "fail")" }.joined(separator: ", ")
        var line = String(format: "phase %2d  %5d agents  ", p.phase, p.agents)
        line += "P25 speed \(speed) tok/s  P95 TTFT \(ttft) s  "
        line += String(format: "throughput %8.1f tok/s  %4d req  %3d err", p.metrics.throughput, p.metrics.requests, p.metrics.failed)
        line += "  [\(verdicts)]"
        if !p.valid { line += "  INVALID: " + p.invalidReasons.joined(separator: "; ") }
        return line
    }

    static func tierTable(_ s: SweepReport) -> [String] {
        var rows = [["tier", "conditions", "max agents", "throughput tok/s", "P25 speed", "P95 TTFT"]]
        if s.accelerators != nil { rows[0].append("agents/accel") }
        if s.powerKW != nil { rows[0].append("agents/kW") }
        for (i, a) in s.answers.enumerated() {
            let p = a.agents > 0 ? s.phase(agents: a.agents) : nil
            let conditions: String = s.tiers[i].conditions.map(\.description).joined(separator: ", ")
            let agents: String = "\(a.agents)" + (a.capped ? "+" : "") + (a.nonMonotone ? "*" : "")
            let throughput: String = p.map { String(format: "%.1f", $0.metrics.throughput) } ?? "–"
            let speed: Double? = p?.metrics.summaries[.speed]?[25]
            let ttft: Double? = p?.metrics.summaries[.ttft]?[95]
            var row: [String] = [a.tier, conditions, agents, throughput,
                                 speed.map { String(format: "%.1f", $0) } ?? "–", ttft.map { String(format: "%.3f s", $0) } ?? "–"]
            if let n = s.accelerators { row.append(String(format: "%.2f", Double(a.agents) / Double(n))) }
            if let kw = s.powerKW { row.append(String(format: "%.2f", Double(a.agents) / kw)) }
            rows.append(row)
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { r in r.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
    }
}
