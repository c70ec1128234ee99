import ArgumentParser
import Cassette
import Foundation
import NIOCore
import NIOPosix
import Proxy
import Replay
import Scoring

/// What a `load` or `sweep` run holds for its whole length: the target (maybe an embedded
/// simulator), the client's event loops, the request log.
final class LoadSession {
    let options: TrafficOptions
    let group: MultiThreadedEventLoopGroup
    let target: Target
    let sim: SimServer?
    let simProfile: String?
    var requestLog: FileHandle?
    let startedUnixNs = HostFacts.unixNs()
    let originNs = MonoClock.now()

    private init(options: TrafficOptions, group: MultiThreadedEventLoopGroup, target: Target, sim: SimServer?, simProfile: String?) {
        self.options = options; self.group = group; self.target = target; self.sim = sim; self.simProfile = simProfile
    }

    /// Opens the target: probes `--target` (failing fast), or starts the simulator in-process.
    static func open(_ o: TrafficOptions) async throws -> LoadSession {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: o.loopThreads)
        do {
            if let url = o.target {
                let t: Target
                switch Target.parse(url) {
                case .success(let x): t = x
                case .failure(let e): throw CLIError.input(e.description)
                }
                do { try await TargetProbe.check(t, group: group) } catch let e as TargetError { throw CLIError.input(e.description) }
                return try LoadSession(options: o, group: group, target: t, sim: nil, simProfile: nil).openLog()
            }
            let profile: SimProfile
            do { profile = try SimProfile.resolve(o.profile) } catch let e as SimConfigError { throw CLIError.input(e.message) }
            let sim: SimServer
            do { sim = try await SimServer.start(profile: profile, seed: o.seed, tracePath: o.simTrace) } catch let e as SimConfigError {
                throw CLIError.input(e.message)
            }
            guard case .success(let t) = Target.parse(sim.baseURL) else { throw CLIError.failed("the embedded simulator has a bad URL \(sim.baseURL)") }
            return try LoadSession(options: o, group: group, target: t, sim: sim, simProfile: profile.name).openLog()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    func openLog() throws -> LoadSession {
        if let path = options.requests {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CLIError.input("cannot write --requests file \(path)") }
            requestLog = FileHandle(forWritingAtPath: path)
        }
        return self
    }

    /// Appends a phase's requests to the request log.
    func log(_ r: LoadRunResult, phase: Int, workload: Workload) {
        guard let h = requestLog else { return }
        var out: [UInt8] = []
        out.reserveCapacity(r.requests.count * 600)
        for q in r.requests.sorted(by: { $0.sentNs < $1.sentNs }) {
            let inWindow = q.sentNs >= r.window.startNs && q.sentNs < r.window.endNs
            var j = q.toJSON(originNs: originNs, phase: phase, agents: r.agents, trajectoryId: workload.trajectories[q.trajectory].id)
            j["measured"] = .bool(inWindow)
            j.write(into: &out)
            out.append(0x0A)
        }
        h.write(Data(out))
    }

    /// Stops the simulator and the event loops.
    func close() async {
        try? requestLog?.close()
        if let sim { try? await sim.shutdown() }
        try? await group.shutdownGracefully()
    }

    /// The phase configuration for `agents` agents.
    func config(agents: Int, phase: Int, rules: PhaseMonitor.Rules, policy: TrafficPolicy, nonce: UInt64) throws -> LoadConfig {
        LoadConfig(target: target, agents: agents, rules: rules, gaps: policy.gaps, history: policy.history, seed: options.seed,
                   phaseNonce: nonce, rampUpNs: try TrafficOptions.duration(options.rampUp, option: "--ramp-up"),
                   requestTimeoutNs: try TrafficOptions.duration(options.requestTimeout, option: "--request-timeout"),
                   keepAliveIdleNs: try TrafficOptions.duration(options.keepaliveIdle, option: "--keepalive-idle"),
                   apiKey: options.resolvedAPIKey, phase: phase)
    }

    /// The run descriptor every output carries.
    func manifest(command: String, workload: Workload, policy: TrafficPolicy, extra: [(String, JSON)]) -> JSONObject {
        var m = JSONObject()
        m["command"] = .string(command)
        m["tool"] = .string("tapedeck \(Tapedeck.version)")
        m["started"] = .string(ISOTime.format(unixNs: startedUnixNs))
        m["host"] = .object(HostFacts.current())
        m["cassettes"] = .array(options.cassettes.map { .string($0) })
        m["target"] = .string(target.url)
        m["sim_profile"] = simProfile.map { .string($0) } ?? .null
        m["model"] = policy.model.map { .string($0) } ?? .null
        m["osl"] = .string(policy.outputLength.description)
        m["max_tokens"] = .int(policy.maxTokens)
        m["gaps"] = .string(policy.gaps.description)
        m["history"] = .string(policy.history.rawValue)
        m["seed"] = .number(JSONNumber(text: String(options.seed)))
        m["warmup"] = .string(options.warmup)
        m["ramp_up"] = .string(options.rampUp)
        m["request_timeout"] = .string(options.requestTimeout)
        m["keepalive_idle"] = .string(options.keepaliveIdle)
        m["client_threads"] = .int(options.loopThreads)
        let s = workload.stats
        m["workload"] = .obj([
            ("trajectories", .int(workload.trajectories.count)), ("turns", .int(workload.turnCount)),
            ("exchanges_read", .int(s.exchanges)), ("non_llm_exchanges", .int(s.nonLLM)), ("skipped", .int(s.skipped)),
            ("linked_by_prefix", .int(s.linkedByPrefix)), ("turns_without_nonce_site", .int(s.withoutNonce)),
            ("body_bytes_stored", .int(s.storedBodyBytes)), ("body_bytes_sent_per_pass", .int(s.logicalBodyBytes)),
        ])
        for (k, v) in extra { m[k] = v }
        return m
    }

    /// A fresh nonce for a phase: from the system's random source, so that reruns never share a prefix cache.
    static func freshNonce() -> UInt64 {
        var g = SystemRandomNumberGenerator()
        return g.next()
    }
}

/// The live progress line on a terminal.
enum ProgressLine {
    static let isTTY = isatty(2) != 0

    static func show(_ p: LoadProgress) {
        guard isTTY else { return }
        let ttft = Percentiles.of(p.recentTTFT, 95).map { String(format: "%.3fs", $0) } ?? "–"
        let speed = Percentiles.of(p.recentSpeed, 25).map { String(format: "%.1f tok/s", $0) } ?? "–"
        let steady = p.steady.map { String(format: "steady %.0fs", $0) } ?? "warming up"
        let line = "phase \(p.phase) · \(p.agents) agents · \(Int(p.elapsed))s (\(steady)) · done \(p.done) · in flight \(p.inFlight)"
            + " · trajectories \(p.trajectories) · P25 speed \(speed) · P95 TTFT \(ttft) · errors \(p.errors)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    static func clear() {
        guard isTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
