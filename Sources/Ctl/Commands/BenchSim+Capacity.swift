import Cassette
import Foundation
import NIOCore
import NIOPosix
import Proxy

/// The capacity half of `tapedeck bench sim`: long streams held open against a simulator whose
/// model has a fixed step time, measured over a window once every stream has started.
struct BenchSimCapacity {
    let window: Double
    let group: EventLoopGroup
    let quiet: Bool

    /// A model with a fixed decode step and unlimited batch, so the ideal rate is streams / step.
    static func profile(stepMs: Double) throws -> SimProfile {
        var p = try SimProfile.named("tiny")
        p.performance = SimPerformanceModel(maxSequences: 1 << 30, maxBatchedTokens: 1 << 30, prefillTokensPerSecond: 1e9,
                                            stepBaseNs: stepMs * 1e6, stepPerSequenceNs: 0, stepPerContextTokenNs: 0)
        return p
    }

    func run(streams: [Int], stepMs: Double, rateStreams: Int, rateStepMs: Double) async throws -> JSONObject {
        var points: [JSON] = []
        var maxKept = 0
        let cap = max(100, BenchSimLimits.fileLimit / 2 - 200)  // client and server sockets share this process's limit
        for n in streams {
            if n > cap {
                if !quiet { Output.line("capacity: skipping \(n) streams, above the open-file limit (\(BenchSimLimits.fileLimit) files)"); Output.flush() }
                continue
            }
            let pt = try await point(streams: n, stepMs: stepMs)
            points.append(.object(pt))
            if (pt["ratio"]?.doubleValue ?? 0) >= 0.95 { maxKept = max(maxKept, n) }
        }
        let rate = try await point(streams: rateStreams, stepMs: rateStepMs)
        var o = JSONObject()
        o["step_ms"] = .double(stepMs)
        o["points"] = .array(points)
        o["max_streams_kept_up"] = .int(maxKept)
        o["rate_ceiling"] = .object(rate)
        if !quiet {
            Output.line("capacity: max concurrent streams served at >= 95% of the model's rate (\(stepMs) ms steps): \(maxKept)")
            Output.line("capacity: token events/s ceiling (\(rateStreams) streams, \(rateStepMs) ms steps): server \(rate["server_events_per_s"]?.text() ?? "-"), client \(rate["client_events_per_s"]?.text() ?? "-") (ideal \(rate["ideal_events_per_s"]?.text() ?? "-"))")
            Output.flush()
        }
        return o
    }

    /// Holds `n` streams open and measures token events/s over the window.
    func point(streams n: Int, stepMs: Double) async throws -> JSONObject {
        let server = try await SimServer.start(profile: try Self.profile(stepMs: stepMs), seed: 1)
        let tally = BenchSimClient.Tally()
        let loop = group.next()
        let channels = try await BenchSimClient.open(group: group, port: server.port, streams: n, requestsPerStream: 1, tally: tally) { s, o in
            BenchSimClient.chatBody(model: "tiny-sim", stream: s, ordinal: o, filler: "capacity", maxTokens: 10_000_000)
        }
        // Wait (bounded) for every stream's first token.
        let deadline = HostFacts.monoNs() + 60_000_000_000
        while try await loop.submit({ tally.firstTokens }).get() < n, HostFacts.monoNs() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let started = try await loop.submit { tally.firstTokens }.get()
        let s0 = try await server.stats(), c0 = try await loop.submit { tally.tokens }.get(), t0 = HostFacts.monoNs()
        try await Task.sleep(nanoseconds: UInt64(window * 1e9))
        let s1 = try await server.stats(), c1 = try await loop.submit { tally.tokens }.get(), t1 = HostFacts.monoNs()
        let failures = try await loop.submit { tally.failures }.get()
        for c in channels { c.close(promise: nil) }
        for c in channels { try? await c.closeFuture.get() }
        try await server.shutdown()

        let dt = Double(t1 - t0) / 1e9
        let ideal = Double(n) * 1000 / stepMs
        let serverRate = Double(s1.tokenEvents - s0.tokenEvents) / dt
        let clientRate = Double(c1 - c0) / dt
        let steps = max(1, s1.steps - s0.steps)
        var o = JSONObject()
        o["streams"] = .int(n)
        o["streams_started"] = .int(started)
        o["failures"] = .int(failures)
        o["step_ms"] = .double(stepMs)
        o["ideal_events_per_s"] = .int(Int(ideal))
        o["server_events_per_s"] = .int(Int(serverRate))
        o["client_events_per_s"] = .int(Int(clientRate))
        o["ratio"] = .double((min(serverRate, clientRate) / ideal * 1000).rounded() / 1000)
        o["step_lag_mean_ms"] = .double((Double(s1.stepLagTotalNs - s0.stepLagTotalNs) / Double(steps) / 1e4).rounded() / 100)
        o["reanchored_steps"] = .int(s1.reanchoredSteps - s0.reanchoredSteps)
        // CPU-normalized: what one fully available core sustains, whatever else runs on the machine.
        let cpu = Double(s1.loopCPUTimeNs - s0.loopCPUTimeNs) / 1e9
        let events = Double(s1.tokenEvents - s0.tokenEvents)
        o["server_loop_cpu_utilization"] = .double((cpu / dt * 1000).rounded() / 1000)
        o["server_events_per_cpu_s"] = .int(cpu > 0 ? Int(events / cpu) : 0)
        o["server_cpu_us_per_event"] = .double(events > 0 ? (cpu / events * 1e7).rounded() / 10 : 0)
        if !quiet {
            Output.line("capacity \(n) streams @ \(stepMs) ms: server \(Int(serverRate)) ev/s, client \(Int(clientRate)) ev/s, ideal \(Int(ideal)) (ratio \(o["ratio"]!.text()), started \(started), mean step lag \(o["step_lag_mean_ms"]!.text()) ms); server loop CPU \(o["server_loop_cpu_utilization"]!.text()) of a core, \(o["server_events_per_cpu_s"]!.text()) events per CPU-second")  // both set just above
            Output.flush()
        }
        return o
    }
}
