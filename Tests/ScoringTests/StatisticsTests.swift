import Cassette
import Testing
@testable import Scoring

@Suite struct StatisticsTests {
    /// Reference values from SciPy 1.x `mannwhitneyu(a, b, alternative="two-sided", method=…)`, computed once and written here.
    @Test(arguments: [
        ([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10], 0.0, 0.007936507936507936, true),
        ([1.1, 2.2, 3.3, 4.4], [2.5, 3.6, 4.7, 5.8, 6.9], 3.0, 0.1111111111111111, true),
        ([1.0, 2, 2, 3, 3, 3, 4], [3.0, 4, 4, 5, 5, 6], 3.5, 0.012999854364387305, false),
        ([10.0, 12, 11, 13, 10, 12], [10.0, 12, 11, 13, 10, 12], 18.0, 1.0, false),
    ])
    func mannWhitneyMatchesSciPy(_ a: [Double], _ b: [Double], _ u: Double, _ p: Double, _ exact: Bool) throws {
        let r = try #require(Significance.mannWhitney(a, b))
        #expect(r.u == u)
        #expect(abs(r.p - p) < 1e-9, "p = \(r.p), SciPy \(p)")
        #expect(r.exact == exact)
    }

    @Test func exactDistributionIsAProbabilityTable() {
        let d = Significance.exactDistribution(4, 6)
        #expect(d.count == 25)
        #expect(d.reduce(0, +) == 210)  // C(10, 4)
        #expect(zip(d, d.reversed()).allSatisfy { $0 == $1 })  // symmetric
    }

    @Test func bootstrapIsDeterministicAndCentred() throws {
        var rng = SplitMix64(seed: 1)
        let a = (0..<60).map { _ in 100 + Double(rng.next() % 1000) / 100 }
        let b = a.map { $0 * 1.5 }
        let med: ([Double]) -> Double? = { Percentiles.of($0, 50) }
        let ci = try #require(Significance.bootstrapRelativeCI(a, b, statistic: med))
        let again = try #require(Significance.bootstrapRelativeCI(a, b, statistic: med))
        #expect(ci.low == again.low && ci.high == again.high)
        #expect(ci.low > 0.3 && ci.high < 0.7, "a 50% shift lies in its CI: \(ci)")
    }

    @Test func percentilesMatchNumPyLinear() {
        // numpy.percentile([1, 2, 3, 4], [25, 50, 95]) == [1.75, 2.5, 3.85]
        #expect(Percentiles.of([4, 1, 3, 2], 25) == 1.75)
        #expect(Percentiles.of([4, 1, 3, 2], 50) == 2.5)
        #expect(abs((Percentiles.of([4, 1, 3, 2], 95) ?? 0) - 3.85) < 1e-12)
    }

    @Test func formatting() {
        #expect(Fmt.num(12) == "12" && Fmt.num(0.25) == "0.25" && Fmt.num(1234.5678, digits: 1) == "1234.6")
        #expect(Fmt.num(0.0000001) == "0.0000001")
        #expect(Fmt.fixed(-0.004, 2) == "0.00" && Fmt.fixed(-1.5, 1) == "-1.5")
        #expect(Fmt.ms(850) == "850 ms" && Fmt.ms(2345) == "2.35 s" && Fmt.ms(192_000) == "3 m 12 s")
    }
}
