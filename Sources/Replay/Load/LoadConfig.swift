/// How one load phase runs: target, agents, pacing, rules and the client's fault handling.
public struct LoadConfig: Sendable {
    /// The endpoint.
    public var target: Target
    /// Concurrent agents.
    public var agents: Int
    /// When the phase may stop.
    public var rules: PhaseMonitor.Rules
    /// Gap replay.
    public var gaps: GapPolicy
    /// History mode.
    public var history: HistoryMode
    /// Seeds the trajectory assignment (the same for every phase).
    public var seed: UInt64
    /// This phase's nonce: every trajectory instance's prefix derives from it.
    public var phaseNonce: UInt64
    /// Agents' first requests are spread evenly over this long, ns.
    public var rampUpNs: Int64
    /// A request that has not ended after this long fails with `timeout`, ns.
    public var requestTimeoutNs: Int64
    /// A kept-alive connection idle for longer than this is closed before reuse, ns (below common server idle timeouts).
    public var keepAliveIdleNs: Int64
    /// A replacement connection is opened this long before it is needed, ns.
    public var preconnectNs: Int64
    /// The least wait after a failed request before the agent's next one, ns.
    public var errorBackoffNs: Int64
    /// Sent as `Authorization: Bearer …` (OpenAI dialects) or `x-api-key` (Anthropic), if given.
    public var apiKey: String?
    /// A label for request ids (phase number).
    public var phase: Int

    /// A configuration with the defaults: AA rules, 5 s ramp-up, 10 min request timeout,
    /// connections dropped after 4 s idle (uvicorn, which vLLM and SGLang use, closes at 5 s).
    public init(target: Target, agents: Int, rules: PhaseMonitor.Rules = .init(), gaps: GapPolicy = .recorded,
                history: HistoryMode = .recorded, seed: UInt64 = 1, phaseNonce: UInt64 = 1, rampUpNs: Int64 = 5_000_000_000,
                requestTimeoutNs: Int64 = 600_000_000_000, keepAliveIdleNs: Int64 = 4_000_000_000,
                preconnectNs: Int64 = 100_000_000, errorBackoffNs: Int64 = 100_000_000, apiKey: String? = nil, phase: Int = 0) {
        self.target = target; self.agents = agents; self.rules = rules; self.gaps = gaps; self.history = history
        self.seed = seed; self.phaseNonce = phaseNonce; self.rampUpNs = rampUpNs; self.requestTimeoutNs = requestTimeoutNs
        self.keepAliveIdleNs = keepAliveIdleNs; self.preconnectNs = preconnectNs; self.errorBackoffNs = errorBackoffNs
        self.apiKey = apiKey; self.phase = phase
    }
}

/// What a load phase measured.
public struct LoadRunResult: Sendable {
    /// The agents.
    public var agents: Int
    /// Every request that ended, measured or not (callers filter by the window).
    public var requests: [RequestResult]
    /// The steady-state window, monotonic ns.
    public var window: PhaseMonitor.SteadyWindowNs
    /// True when the phase hit its time limit before the rules were met.
    public var timedOut: Bool
    /// Phase start and end, monotonic ns.
    public var startNs: Int64, endNs: Int64
    /// Trajectories completed in the phase, and the fewest any agent completed.
    public var trajectoriesCompleted: Int, minPerAgent: Int
    /// CPU seconds of the client's event-loop threads during the phase.
    public var clientCPUSeconds: Double
    /// CPU seconds of the whole process during the phase (includes an embedded server).
    public var processCPUSeconds: Double
    /// The busiest client event-loop thread's CPU time ÷ the phase's wall time.
    public var maxLoopUtilization: Double
    /// Client event-loop threads.
    public var loopThreads: Int
    /// SSE events parsed.
    public var eventsParsed: Int
    /// Bytes received and sent.
    public var bytesReceived: Int, bytesSent: Int
    /// Connections opened.
    public var connectionsOpened: Int
    /// Requests still in flight (unmeasured) that were abandoned when the phase stopped.
    public var abandoned: Int

    /// Phase wall time, seconds.
    public var wallSeconds: Double { Double(endNs - startNs) / 1e9 }
}
