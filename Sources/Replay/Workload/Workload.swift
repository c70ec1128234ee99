import Cassette

/// The trajectories to replay, built once from cassettes, and what building them found.
public struct Workload: Sendable {
    /// The trajectories, in a stable order (by source, then first recorded start).
    public var trajectories: [Trajectory]
    /// How the workload was built.
    public var stats: WorkloadStats

    /// Every turn.
    public var turnCount: Int { trajectories.reduce(0) { $0 + $1.turns.count } }

    /// The seeded trajectory assignment of agents.
    public func assignment(seed: UInt64) -> Assignment { Assignment(count: trajectories.count, seed: seed) }
}

/// Which trajectories each agent runs, in order, deterministic for a seed.
///
/// A seeded permutation of the trajectories is shared by all agents; agent `i` starts at
/// position `i` and walks on, so agents begin on different trajectories and every phase
/// gives each agent the same sequence.
public struct Assignment: Sendable {
    /// The seeded permutation of trajectory indices.
    public let order: [Int]

    /// The assignment for `count` trajectories (Fisher–Yates with SplitMix64, stable across platforms).
    public init(count: Int, seed: UInt64) {
        var order = Array(0..<count)
        var rng = SplitMix64(seed: seed)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        self.order = order
    }

    /// The index of agent `agent`'s `k`-th trajectory.
    public func trajectory(agent: Int, k: Int) -> Int { order[(agent + k) % order.count] }
}

/// What building a workload found.
public struct WorkloadStats: Sendable, Equatable {
    /// Exchanges read.
    public var exchanges = 0
    /// LLM exchanges turned into turns.
    public var llmTurns = 0
    /// Exchanges that are not LLM calls (MCP, other traffic): their time is part of the gaps.
    public var nonLLM = 0
    /// LLM exchanges left out: failed, not JSON, or without a body.
    public var skipped = 0
    /// Turns with no text to put the nonce before.
    public var withoutNonce = 0
    /// Exchanges without a trajectory id, linked by shared message prefix.
    public var linkedByPrefix = 0
    /// Body bytes stored once shared (what memory holds).
    public var storedBodyBytes = 0
    /// Body bytes the turns send in all (what storing each request whole would cost).
    public var logicalBodyBytes = 0
    /// An empty count.
    public init() {}
}
