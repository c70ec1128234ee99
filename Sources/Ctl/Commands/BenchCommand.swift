import ArgumentParser

/// `tapedeck bench …`: release-mode benchmarks, reported as ratios against baselines measured in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run release-mode benchmarks (build with -c release).",
        subcommands: [BenchCassette.self, BenchProxy.self, BenchSim.self, BenchServe.self, BenchLoad.self, BenchSweepCheck.self]
    )
}
