import ArgumentParser
import Cassette
import Foundation
import NIOCore
import NIOPosix
import Proxy
import Replay
import Scoring

extension BenchLoad {
    /// One level: N agents each keeping a stream in flight; bias against the simulator's trace.
    func level(_ n: Int) async throws -> JSON {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tapedeck-bench-load-\(getpid())-\(n)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tracePath = dir.appendingPathComponent("trace.jsonl").path
        let profile = try SimProfile.parse(yaml: Self.profileYAML(interval: tokenInterval), source: "bench profile")
        let sim = try await SimServer.start(profile: profile, seed: 1, tracePath: tracePath)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        let result: LoadRunResult
        do {
            guard case .success(let target) = Target.parse(sim.baseURL) else { throw CLIError.failed("bad simulator URL") }
            let rules = PhaseMonitor.Rules(minTrajectories: 0, minPerAgent: 0, minSteadyNs: Int64(seconds * 1e9), warmupNs: 2_000_000_000,
                                           maxPhaseNs: Int64((seconds + 120) * 1e9))
            let config = LoadConfig(target: target, agents: n, rules: rules, gaps: .recorded, seed: 1, phaseNonce: 1,
                                    rampUpNs: min(2_000_000_000, Int64(n) * 2_000_000), phase: n)
            result = try await LoadRunner.run(workload: Self.workload(tokens: tokens), config: config, group: group)
            try await sim.shutdown()
            try await group.shutdownGracefully()
        } catch {
            try? await sim.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        return try Self.compare(result, tracePath: tracePath, streams: n)
    }

    /// A workload of single-turn trajectories that each ask for exactly `tokens` tokens.
    static func workload(tokens: Int) -> Workload {
        var b = WorkloadBuilder(policy: TrafficPolicy(model: "bench-model", outputLength: .recorded))
        for k in 0..<16 {
            let body: JSON = ["model": "bench-model", "stream": true,
                              "messages": [["role": "system", "content": "You are a benchmark."], ["role": "user", "content": .string("Request \(k): write.")]]]
            var e = Exchange(id: "b\(k)", startUnixNs: 0, startMonoNs: Int64(k), request: RequestRecord(method: "POST", url: "/v1/chat/completions",
                                                                                                          body: .json(body, .compact)))
            e.facts = ExchangeFacts(dialect: .openaiChat)
            e.facts.usage = Usage(input: 20, output: tokens)
            e.response = ResponseRecord(status: 200)
            e.trajectory = "bench-\(k)"
            b.add(e, source: "bench")
        }
        return b.finish()
    }

    /// A simulator profile that streams every sequence at a fixed token interval, with room for thousands of streams.
    static func profileYAML(interval: Double) -> String {
        """
        name: bench
        description: fixed-rate streams for the load-client benchmark
        models: [bench-model]
        accept_any_model: true
        scheduler:
          max_sequences: 100000
          max_batched_tokens: 100000000
          kv_capacity_tokens: 0
        prefill:
          tokens_per_second: 100000000
        decode:
          step_base_ms: \(interval)
          step_per_sequence_ms: 0
          step_per_context_token_us: 0
        prefix_cache:
          block_tokens: 16
          capacity_tokens: 0
        output:
          content: lorem
          min_tokens: 8
          max_tokens: 16
        """
    }
}
