import NIOCore
import NIOPosix
import Synchronization

/// Runs one load phase: N agents replaying a workload against a target until the phase's
/// stopping rules are met and every request sent inside the steady window has ended.
public enum LoadRunner {
    /// Runs a phase on `group` (the client's event loops; one per core is right).
    ///
    /// `onProgress` is called about once a second from an event loop.
    public static func run(workload: Workload, config: LoadConfig, group: EventLoopGroup,
                           onProgress: (@Sendable (LoadProgress) -> Void)? = nil) async throws -> LoadRunResult {
        precondition(config.agents > 0 && !workload.trajectories.isEmpty, "validated by the caller")  // Ctl checks both first.
        let address = try SocketAddress.makeAddressResolvingHost(config.target.host, port: config.target.port)
        var loops: [EventLoop] = []
        for l in group.makeIterator() { loops.append(l) }
        let cpu0 = try await loopCPU(loops)
        let proc0 = CPUTime.process()
        let startNs = MonoClock.now()
        let shared = PhaseShared(agents: config.agents, rules: config.rules, startNs: startNs, done: loops[0].makePromise())
        let ctx = RunContext(workload: workload, config: config, address: address, shared: shared)
        let agents = (0..<config.agents).map { LoadAgent(index: $0, loop: loops[$0 % loops.count], ctx: ctx) }
        let first = startNs + 20_000_000
        for a in agents {
            let at = first + (config.agents > 1 ? config.rampUpNs * Int64(a.index) / Int64(config.agents) : 0)
            a.loop.execute { a.start(at: at) }
        }
        let lastProgress = ProgressClock()
        let ticker = loops[0].scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(50)) { _ in
            let now = MonoClock.now()
            shared.tick(now: now)
            if let onProgress, lastProgress.due(now) {
                onProgress(shared.progress(phase: config.phase, agents: config.agents, startNs: startNs, now: now))
            }
        }
        try await shared.done.futureResult.get()
        let endNs = MonoClock.now()
        ticker.cancel()
        for a in agents { try await a.loop.submit { a.stop() }.get() }
        let cpu1 = try await loopCPU(loops)
        let proc1 = CPUTime.process()
        let wall = Double(endNs - startNs) / 1e9
        let perLoop = zip(cpu0, cpu1).map { $1 - $0 }
        return shared.state.withLock { s in
            LoadRunResult(agents: config.agents, requests: s.results, window: s.window ?? .init(startNs: endNs, endNs: endNs),
                          timedOut: s.timedOut, startNs: startNs, endNs: endNs, trajectoriesCompleted: s.monitor.completed,
                          minPerAgent: s.monitor.completedPerAgent.min() ?? 0, clientCPUSeconds: perLoop.reduce(0, +),
                          processCPUSeconds: proc1 - proc0, maxLoopUtilization: wall > 0 ? (perLoop.max() ?? 0) / wall : 0,
                          loopThreads: loops.count, eventsParsed: s.events, bytesReceived: s.bytesIn, bytesSent: s.bytesOut,
                          connectionsOpened: s.connections, abandoned: s.abandoned)
        }
    }

    /// Each loop thread's CPU seconds so far.
    static func loopCPU(_ loops: [EventLoop]) async throws -> [Double] {
        var out: [Double] = []
        for l in loops { out.append(try await l.submit { CPUTime.thread() }.get()) }
        return out
    }
}

/// Rate-limits progress callbacks to one a second.
final class ProgressClock: Sendable {
    let last = Mutex<Int64>(0)
    func due(_ now: Int64) -> Bool {
        last.withLock { l in
            if now - l >= 1_000_000_000 { l = now; return true }
            return false
        }
    }
}
