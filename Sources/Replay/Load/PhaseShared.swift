import NIOCore
import Synchronization

/// A live view of a running phase, for the progress line.
public struct LoadProgress: Sendable {
    /// The phase label.
    public var phase: Int
    /// Agents in the phase.
    public var agents: Int
    /// Seconds since the phase started.
    public var elapsed: Double
    /// Seconds of steady state so far (nil before it starts).
    public var steady: Double?
    /// Requests ended.
    public var done: Int
    /// Requests in flight.
    public var inFlight: Int
    /// Failed requests.
    public var errors: Int
    /// Trajectories completed.
    public var trajectories: Int
    /// TTFT of the most recent successful requests, seconds.
    public var recentTTFT: [Double]
    /// Output speed of the most recent successful requests, tokens/s.
    public var recentSpeed: [Double]
}

/// The state all agents of a phase share: the monitor, the results, in-flight sends.
final class PhaseShared: Sendable {
    struct State {
        var monitor: PhaseMonitor
        var results: [RequestResult] = []
        var inFlightSent: [Int64?]
        var inFlight = 0
        var errors = 0
        var window: PhaseMonitor.SteadyWindowNs?
        var timedOut = false
        var finished = false
        var recentTTFT: [Double] = []
        var recentSpeed: [Double] = []
        var recentAt = 0
        var events = 0
        var bytesIn = 0
        var bytesOut = 0
        var connections = 0
        var abandoned = 0
    }

    let state: Mutex<State>
    let done: EventLoopPromise<Void>
    static let recentCapacity = 1024

    init(agents: Int, rules: PhaseMonitor.Rules, startNs: Int64, done: EventLoopPromise<Void>) {
        state = Mutex(State(monitor: PhaseMonitor(agents: agents, rules: rules, startNs: startNs),
                            inFlightSent: Array(repeating: nil, count: agents)))
        self.done = done
    }

    /// Whether agents should keep sending.
    var running: Bool { state.withLock { !$0.finished } }

    func connected() { state.withLock { $0.connections += 1 } }

    func sent(agent: Int, at t: Int64, bytes: Int) {
        state.withLock { s in
            s.monitor.agentStarted(agent, at: t)
            s.inFlightSent[agent] = t
            s.inFlight += 1
            s.bytesOut += bytes
        }
    }

    /// Records a finished request (sent or not); returns whether the agent should go on.
    func completed(_ r: RequestResult, wasInFlight: Bool, events: Int) -> Bool {
        let (finishedNow, goOn) = state.withLock { s -> (Bool, Bool) in
            s.results.append(r)
            if wasInFlight { s.inFlightSent[r.agent] = nil; s.inFlight -= 1 }
            s.events += events
            s.bytesIn += r.bytesReceived
            if r.errorKind != nil { s.errors += 1 } else {
                let ttft = r.firstTokenNs.map { Double($0 - r.sentNs) / 1e9 }
                var speed: Double?
                if r.outputTokens > 1, let a = r.firstTokenNs, let b = r.tokenEventNs.last, b > a {
                    speed = Double(r.outputTokens - 1) / (Double(b - a) / 1e9)
                }
                if let ttft, let speed {
                    if s.recentTTFT.count < Self.recentCapacity {
                        s.recentTTFT.append(ttft); s.recentSpeed.append(speed)
                    } else {
                        s.recentTTFT[s.recentAt] = ttft; s.recentSpeed[s.recentAt] = speed
                        s.recentAt = (s.recentAt + 1) % Self.recentCapacity
                    }
                }
            }
            let f = Self.checkDrained(&s)
            return (f, !s.finished)
        }
        if finishedNow { done.succeed(()) }
        return goOn
    }

    func trajectoryCompleted(agent: Int) { state.withLock { $0.monitor.trajectoryCompleted(agent) } }

    func abandoned() { state.withLock { $0.abandoned += 1 } }

    /// Applies the stopping rules at `now`.
    func tick(now: Int64) {
        let finishedNow = state.withLock { s -> Bool in
            guard s.window == nil else { return false }
            switch s.monitor.decide(now: now) {
            case .run: return false
            case .stop(let w): s.window = w
            case .timedOut(let w): s.window = w; s.timedOut = true
            }
            return Self.checkDrained(&s)
        }
        if finishedNow { done.succeed(()) }
    }

    /// Ends the phase once the window is closed and no request sent inside it is still in flight.
    static func checkDrained(_ s: inout State) -> Bool {
        guard !s.finished, let w = s.window else { return false }
        for t in s.inFlightSent { if let t, t >= w.startNs, t < w.endNs { return false } }
        s.finished = true
        return true
    }

    func progress(phase: Int, agents: Int, startNs: Int64, now: Int64) -> LoadProgress {
        state.withLock { s in
            LoadProgress(phase: phase, agents: agents, elapsed: Double(now - startNs) / 1e9,
                         steady: s.monitor.steadyStartNs.flatMap { now > $0 ? Double(now - $0) / 1e9 : nil },
                         done: s.results.count, inFlight: s.inFlight, errors: s.errors, trajectories: s.monitor.completed,
                         recentTTFT: s.recentTTFT, recentSpeed: s.recentSpeed)
        }
    }
}
