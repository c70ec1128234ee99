/// Decides when a phase's steady state starts and when the phase may stop (AA-AgentPerf rules).
///
/// Steady state starts once every agent has been active for the warm-up time (AA: 30 s).
/// The phase may stop once all three hold: at least `minTrajectories` trajectories have
/// completed, every agent has completed at least `minPerAgent`, and at least `minSteady` of
/// steady state has passed. A phase that runs past `maxPhase` stops anyway, marked incomplete.
/// Pure: events and times in, decisions out.
public struct PhaseMonitor: Sendable {
    /// The stopping rules.
    public struct Rules: Sendable, Equatable {
        /// Trajectories that must complete in the phase (AA: 30).
        public var minTrajectories: Int
        /// Trajectories every agent must complete (AA: 3).
        public var minPerAgent: Int
        /// Steady-state time that must pass, ns (AA: 10 min).
        public var minSteadyNs: Int64
        /// How long every agent must have been active before steady state starts, ns (AA: 30 s).
        public var warmupNs: Int64
        /// A phase that has not met the rules after this long stops anyway, ns.
        public var maxPhaseNs: Int64
        /// Rules; the defaults are AA-AgentPerf's, with a one-hour limit per phase.
        public init(minTrajectories: Int = 30, minPerAgent: Int = 3, minSteadyNs: Int64 = 600_000_000_000,
                    warmupNs: Int64 = 30_000_000_000, maxPhaseNs: Int64 = 3_600_000_000_000) {
            self.minTrajectories = max(0, minTrajectories); self.minPerAgent = max(0, minPerAgent)
            self.minSteadyNs = max(0, minSteadyNs); self.warmupNs = max(0, warmupNs); self.maxPhaseNs = max(1, maxPhaseNs)
        }
    }

    /// What the phase should do now.
    public enum Decision: Sendable, Equatable {
        /// Keep going.
        case run
        /// Every rule is met: measurement ends; the window is final.
        case stop(SteadyWindowNs)
        /// The time limit passed first: stop, with the window measured so far (empty if steady state never began).
        case timedOut(SteadyWindowNs)
    }

    /// A steady window in monotonic ns, [start, end).
    public struct SteadyWindowNs: Sendable, Equatable {
        /// Start.
        public var startNs: Int64
        /// End.
        public var endNs: Int64
    }

    /// The rules.
    public let rules: Rules
    /// When the phase started.
    public let startNs: Int64
    /// The number of agents.
    public let agents: Int
    var activeSince: [Int64?]
    var activeCount = 0
    /// Trajectories completed by each agent.
    public private(set) var completedPerAgent: [Int]
    /// Trajectories completed in all.
    public private(set) var completed = 0

    /// A monitor for a phase of `agents` agents starting at `startNs`.
    public init(agents: Int, rules: Rules, startNs: Int64) {
        self.agents = agents; self.rules = rules; self.startNs = startNs
        activeSince = Array(repeating: nil, count: agents)
        completedPerAgent = Array(repeating: 0, count: agents)
    }

    /// Agent `agent` sent its first request at `t`.
    public mutating func agentStarted(_ agent: Int, at t: Int64) {
        guard activeSince[agent] == nil else { return }
        activeSince[agent] = t
        activeCount += 1
        if activeCount == agents { allActiveNs = t }
    }

    /// When the last agent became active.
    public private(set) var allActiveNs: Int64?

    /// Agent `agent` finished a trajectory.
    public mutating func trajectoryCompleted(_ agent: Int) {
        completedPerAgent[agent] += 1
        completed += 1
    }

    /// When steady state starts (once known).
    public var steadyStartNs: Int64? { allActiveNs.map { $0 + rules.warmupNs } }

    /// Whether the trajectory rules hold.
    public var trajectoriesMet: Bool {
        completed >= rules.minTrajectories && (completedPerAgent.min() ?? 0) >= rules.minPerAgent
    }

    /// The decision at time `now`.
    public func decide(now: Int64) -> Decision {
        if let s = steadyStartNs, now >= s + rules.minSteadyNs, trajectoriesMet {
            return .stop(SteadyWindowNs(startNs: s, endNs: now))
        }
        if now - startNs >= rules.maxPhaseNs {
            let s = steadyStartNs ?? now
            return .timedOut(SteadyWindowNs(startNs: min(s, now), endNs: now))
        }
        return .run
    }

    /// The earliest time the phase could stop if the trajectory rules were met (for timers).
    public var earliestStopNs: Int64? { steadyStartNs.map { $0 + rules.minSteadyNs } }
}
