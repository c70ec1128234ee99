import Testing
@testable import Replay

/// The AA stopping rules against a fake clock (plain numbers of ns).
@Suite struct PhaseMonitorTests {
    static let s: Int64 = 1_000_000_000
    static let rules = PhaseMonitor.Rules(minTrajectories: 4, minPerAgent: 2, minSteadyNs: 60 * s, warmupNs: 30 * s, maxPhaseNs: 600 * s)

    @Test func steadyStateStartsWhenEveryAgentHasBeenActiveForTheWarmup() {
        var m = PhaseMonitor(agents: 2, rules: Self.rules, startNs: 0)
        m.agentStarted(0, at: 1 * Self.s)
        #expect(m.steadyStartNs == nil)
        m.agentStarted(1, at: 5 * Self.s)
        m.agentStarted(1, at: 9 * Self.s)  // Only the first send counts.
        #expect(m.steadyStartNs == 35 * Self.s)
    }

    @Test func stopsOnlyWhenAllThreeRulesHold() {
        var m = PhaseMonitor(agents: 2, rules: Self.rules, startNs: 0)
        m.agentStarted(0, at: 0); m.agentStarted(1, at: 0)
        // Time alone is not enough.
        #expect(m.decide(now: 200 * Self.s) == .run)
        for _ in 0..<3 { m.trajectoryCompleted(0) }
        m.trajectoryCompleted(1)
        // 4 trajectories done, but agent 1 has only one.
        #expect(m.decide(now: 200 * Self.s) == .run)
        m.trajectoryCompleted(1)
        #expect(m.trajectoriesMet)
        // Rules met, but not yet 60 s of steady state (steady from 30 s).
        #expect(m.decide(now: 89 * Self.s) == .run)
        #expect(m.decide(now: 90 * Self.s) == .stop(.init(startNs: 30 * Self.s, endNs: 90 * Self.s)))
    }

    @Test func trajectoriesAloneAreNotEnough() {
        var m = PhaseMonitor(agents: 1, rules: Self.rules, startNs: 0)
        m.agentStarted(0, at: 0)
        for _ in 0..<10 { m.trajectoryCompleted(0) }
        #expect(m.decide(now: 50 * Self.s) == .run)
        #expect(m.earliestStopNs == 90 * Self.s)
    }

    @Test func timeLimitStopsAPhaseThatCannotMeetTheRules() {
        var m = PhaseMonitor(agents: 3, rules: Self.rules, startNs: 10 * Self.s)
        m.agentStarted(0, at: 10 * Self.s)
        #expect(m.decide(now: 609 * Self.s) == .run)
        // Never all active: the window is empty.
        #expect(m.decide(now: 610 * Self.s) == .timedOut(.init(startNs: 610 * Self.s, endNs: 610 * Self.s)))
        m.agentStarted(1, at: 20 * Self.s); m.agentStarted(2, at: 40 * Self.s)
        #expect(m.decide(now: 610 * Self.s) == .timedOut(.init(startNs: 70 * Self.s, endNs: 610 * Self.s)))
    }

    @Test func aaDefaults() {
        let r = PhaseMonitor.Rules()
        #expect(r.minTrajectories == 30 && r.minPerAgent == 3 && r.minSteadyNs == 600 * Self.s && r.warmupNs == 30 * Self.s)
    }
}
