import Testing
@testable import Replay

/// The search against simulated phase outcomes: a tier passes at `n` agents when `n <= limit`.
@Suite struct SweepSearchTests {
    /// Runs the search to the end against fixed limits; returns the counts measured, in order.
    static func drive(_ search: inout SweepSearch, limits: [Int], maxPhases: Int = 100) -> [Int] {
        var phases = 0
        while let n = search.next() {
            phases += 1
            if phases > maxPhases { Issue.record("search did not converge"); break }
            search.record(agents: n, passes: limits.map { n <= $0 })
        }
        return search.history
    }

    @Test func rampsThenBisects() {
        var s = SweepSearch(tiers: 1, config: .init(start: 1, factor: 2, maxAgents: 1024, resolution: 0))
        let history = Self.drive(&s, limits: [37])
        #expect(Array(history.prefix(7)) == [1, 2, 4, 8, 16, 32, 64])
        #expect(Array(history.dropFirst(7)) == [48, 40, 36, 38, 37])
        #expect(s.answer(0) == .init(agents: 37, failedAt: 38, capped: false, nonMonotone: false))
    }

    @Test(arguments: [0, 1, 2, 3, 5, 17, 100, 101, 250, 511, 512, 999, 1000])
    func answerIsWithinOneStepOfTheLimit(limit: Int) {
        var s = SweepSearch(tiers: 1, config: .init(maxAgents: 1000, resolution: 0.05))
        _ = Self.drive(&s, limits: [limit])
        let a = s.answer(0)
        #expect(a.agents <= limit)
        #expect(limit - a.agents <= max(1, limit / 20))
        if limit >= 1000 { #expect(a.capped && a.agents == 1000) } else { #expect(!a.capped && a.failedAt != nil) }
    }

    @Test func bisectionBoundsShrinkAndStayOrdered() {
        var s = SweepSearch(tiers: 1, config: .init(resolution: 0))
        var lo = 0, hi = Int.max
        while let n = s.next() {
            #expect(n > lo && n < hi || hi == Int.max)
            let pass = n <= 300
            s.record(agents: n, passes: [pass])
            if pass { lo = max(lo, n) } else { hi = min(hi, n) }
            let b = s.bounds(0)
            #expect(b.lo == lo)
            #expect(b.hi == (hi == Int.max ? nil : hi))
        }
        #expect(hi - lo == 1)
    }

    @Test func phasesAreSharedAcrossTiers() {
        // Three tiers; the ramp is measured once for all of them and no count is measured twice.
        var s = SweepSearch(tiers: 3, config: .init(resolution: 0))
        let history = Self.drive(&s, limits: [200, 50, 3])
        #expect(Set(history).count == history.count)
        #expect(s.answer(0).agents == 200)
        #expect(s.answer(1).agents == 50)
        #expect(s.answer(2).agents == 3)
        // Ramp to the first count above the loosest limit (256), not three separate ramps.
        #expect(history.filter { [1, 2, 4, 8, 16, 32, 64, 128, 256].contains($0) }.count == 9)
        #expect(!history.contains(512))
        // Separate searches would need more phases than the shared one.
        var separate = 0
        for limit in [200, 50, 3] {
            var one = SweepSearch(tiers: 1, config: .init(resolution: 0))
            separate += Self.drive(&one, limits: [limit]).count
        }
        #expect(history.count < separate)
    }

    @Test func failingAtTheFirstCountAnswersZero() {
        var s = SweepSearch(tiers: 2, config: .init(start: 1))
        let h = Self.drive(&s, limits: [0, 4])
        #expect(s.answer(0) == .init(agents: 0, failedAt: 1, capped: false, nonMonotone: false))
        #expect(s.answer(1).agents == 4)
        #expect(h.first == 1)
    }

    @Test func maxAgentsCapsTheRampAndIsMeasured() {
        var s = SweepSearch(tiers: 1, config: .init(start: 1, maxAgents: 100))
        #expect(s.rampPoints == [1, 2, 4, 8, 16, 32, 64, 100])
        _ = Self.drive(&s, limits: [5000])
        #expect(s.answer(0) == .init(agents: 100, failedAt: nil, capped: true, nonMonotone: false))
    }

    @Test func noisyNonMonotoneOutcomesAreFlagged() {
        var s = SweepSearch(tiers: 2, config: .init(resolution: 0))
        // Tier 0 fails at 8 by noise but passes at 16 (measured for tier 1's ramp);
        // the search trusts the first failure and says so.
        while let n = s.next() { s.record(agents: n, passes: [n != 8 && n <= 20, n <= 100]) }
        let a = s.answer(0)
        #expect(a.agents == 7 && a.failedAt == 8 && a.nonMonotone)
    }

    @Test func resolutionStopsWithinFivePercent() {
        var s = SweepSearch(tiers: 1, config: .init(resolution: 0.05))
        let h = Self.drive(&s, limits: [700])
        let a = s.answer(0)
        #expect(a.failedAt! - a.agents <= s.step(a.agents))
        var exact = SweepSearch(tiers: 1, config: .init(resolution: 0))
        #expect(h.count < Self.drive(&exact, limits: [700]).count)
    }
}
