/// One measured phase of a load run or sweep: its metrics, how the client fared, and the verdicts.
public struct PhaseReport: Sendable {
    /// The phase number, from 1.
    public var phase: Int
    /// Concurrent agents.
    public var agents: Int
    /// The metrics over the steady window (raw samples dropped).
    public var metrics: LoadMetrics
    /// How the run went on the client side.
    public var run: RunFacts
    /// One verdict per tier, in tier order.
    public var verdicts: [SLOVerdict]
    /// The most failed ÷ sent requests a passing phase may have.
    public var maxErrorRate: Double
    /// TTFT quantiles 0…100 % (101 values), seconds, for the distribution chart.
    public var ttftQuantiles: [Double]

    /// Judges `metrics` against `tiers` and keeps what the reports need.
    public init(phase: Int, agents: Int, metrics: LoadMetrics, run: RunFacts, tiers: [SLOTier], maxErrorRate: Double) {
        self.phase = phase
        self.agents = agents
        self.run = run
        self.maxErrorRate = maxErrorRate
        self.verdicts = tiers.map { $0.evaluate(metrics) }
        self.ttftQuantiles = metrics.quantiles(.ttft)
        self.metrics = metrics.withoutSamples()
    }

    /// Whether the error rate stayed within the limit.
    public var errorsOK: Bool { metrics.errorRate <= maxErrorRate }

    /// Whether tier `i` passed: its conditions held and the error rate stayed within the limit.
    public func passes(_ i: Int) -> Bool { verdicts[i].pass && errorsOK && metrics.requests > 0 }

    /// Why the measurement itself cannot be trusted; empty when it can.
    ///
    /// A phase is invalid when the client's dispatch lag p99 exceeds 5 ms (it could not keep
    /// its schedule), when a client event-loop thread was busy 90 % of the time or more (CPU
    /// saturated), or when nothing was measured.
    public var invalidReasons: [String] {
        var out: [String] = []
        if let lag = metrics.summaries[.dispatchLag]?[99], lag > Self.maxLagP99 {
            out.append("client dispatch lag p99 \(Self.ms(lag)) > 5 ms")
        }
        if run.maxLoopUtilization >= Self.maxLoopUtilization {
            out.append("client CPU saturated (busiest event loop \(Int((run.maxLoopUtilization * 100).rounded())) % busy)")
        }
        if metrics.requests == 0 { out.append("no request was sent inside the steady window") }
        return out
    }

    /// Whether the measurement can be trusted.
    public var valid: Bool { invalidReasons.isEmpty }

    /// The dispatch-lag p99 above which a phase is invalid, seconds.
    public static let maxLagP99 = 0.005
    /// The event-loop busy fraction at or above which the client counts as saturated.
    public static let maxLoopUtilization = 0.9

    static func ms(_ s: Double) -> String { String((s * 1e5).rounded() / 100) + " ms" }
}

/// The client side of a phase: time, CPU, connections. Filled by the command from the load runner.
public struct RunFacts: Sendable, Equatable {
    /// Phase wall time, seconds.
    public var wallSeconds: Double
    /// When the steady window started, seconds after the phase started.
    public var windowStart: Double
    /// True when the phase hit its time limit before the stopping rules were met.
    public var timedOut: Bool
    /// Trajectories completed in the phase.
    public var trajectoriesCompleted: Int
    /// The fewest trajectories any agent completed.
    public var minPerAgent: Int
    /// CPU seconds of the client's event-loop threads.
    public var clientCPUSeconds: Double
    /// CPU seconds of the whole process (an embedded simulator included).
    public var processCPUSeconds: Double
    /// The busiest client event loop's CPU ÷ wall time.
    public var maxLoopUtilization: Double
    /// Client event-loop threads.
    public var loopThreads: Int
    /// Connections opened.
    public var connectionsOpened: Int
    /// SSE events parsed.
    public var eventsParsed: Int
    /// Requests in flight (not measured) abandoned at the end.
    public var abandoned: Int
    /// Bytes sent and received.
    public var bytesSent: Int, bytesReceived: Int
    /// Output tokens received over the whole phase (for CPU per token).
    public var outputTokensAll: Int

    /// Facts.
    public init(wallSeconds: Double, windowStart: Double, timedOut: Bool, trajectoriesCompleted: Int, minPerAgent: Int,
                clientCPUSeconds: Double, processCPUSeconds: Double, maxLoopUtilization: Double, loopThreads: Int,
                connectionsOpened: Int, eventsParsed: Int, abandoned: Int, bytesSent: Int, bytesReceived: Int, outputTokensAll: Int) {
        self.wallSeconds = wallSeconds; self.windowStart = windowStart; self.timedOut = timedOut
        self.trajectoriesCompleted = trajectoriesCompleted; self.minPerAgent = minPerAgent
        self.clientCPUSeconds = clientCPUSeconds; self.processCPUSeconds = processCPUSeconds
        self.maxLoopUtilization = maxLoopUtilization; self.loopThreads = loopThreads
        self.connectionsOpened = connectionsOpened; self.eventsParsed = eventsParsed; self.abandoned = abandoned
        self.bytesSent = bytesSent; self.bytesReceived = bytesReceived; self.outputTokensAll = outputTokensAll
    }

    /// Client CPU seconds per million output tokens received.
    public var cpuSecondsPerMillionTokens: Double? {
        outputTokensAll > 0 ? clientCPUSeconds / Double(outputTokensAll) * 1e6 : nil
    }
}
