/// Counters of a running simulator, read with `SimServer.stats()`.
public struct SimStats: Sendable, Equatable {
    /// HTTP requests received (all paths).
    public var requests = 0
    /// Inference requests accepted into the scheduler.
    public var inferenceRequests = 0
    /// Inference requests answered with an error (bad input or injected fault).
    public var errors = 0
    /// Inference requests now in flight (queued, in prefill or streaming).
    public var activeStreams = 0
    /// The most inference requests in flight at once.
    public var peakStreams = 0
    /// Requests that completed.
    public var completed = 0
    /// Requests whose client went away first.
    public var clientDisconnects = 0
    /// Token events written.
    public var tokenEvents = 0
    /// Scheduler steps carried out.
    public var steps = 0
    /// Sum of step-timer lateness (actual fire time minus scheduled end), ns.
    public var stepLagTotalNs: Int64 = 0
    /// Largest step-timer lateness, ns.
    public var stepLagMaxNs: Int64 = 0
    /// Steps that ran so late that the virtual timeline was re-anchored to the clock.
    public var reanchoredSteps = 0
    /// Bytes of response bodies written.
    public var bodyBytes = 0
    /// CPU time the simulator's event-loop thread has used, ns (`CLOCK_THREAD_CPUTIME_ID`).
    public var loopCPUTimeNs: Int64 = 0

    /// No counts yet.
    public init() {}
}
