import Testing
@testable import Scoring

@Suite struct LoadMetricsTests {
    static let s: Int64 = 1_000_000_000

    @Test func perRequestDefinitions() throws {
        let x = LoadSample(scheduledNs: 0, sentNs: 2_000_000, firstTokenNs: 502_000_000, firstOutputNs: 802_000_000,
                           tokenEventNs: [502_000_000, 802_000_000, 1_502_000_000], endNs: 1_600_000_000, outputTokens: 21)
        #expect(x.ttft == 0.5)
        #expect(x.ttfo == 0.8)
        #expect(x.e2e == 1.5)
        #expect(x.scheduledE2E == 1.502)
        #expect(x.outputSpeed == 20)  // (21 − 1) / 1 s
        #expect(x.tpot == 0.05)
        #expect(x.dispatchLag == 0.002)
        let one = LoadSample(scheduledNs: 0, sentNs: 0, firstTokenNs: 5, tokenEventNs: [5], endNs: 6, outputTokens: 1)
        #expect(one.outputSpeed == nil)
    }

    @Test func windowFiltersAndErrorsCountAgainstAttainment() {
        let w = SteadyWindow(startNs: 10 * Self.s, endNs: 20 * Self.s)
        let before = LoadSample(scheduledNs: 5 * Self.s, sentNs: 5 * Self.s, firstTokenNs: 6 * Self.s, tokenEventNs: [6 * Self.s, 7 * Self.s],
                                endNs: 7 * Self.s, outputTokens: 10)
        let inside = LoadSample(scheduledNs: 11 * Self.s, sentNs: 11 * Self.s, firstTokenNs: 12 * Self.s,
                                tokenEventNs: [12 * Self.s, 13 * Self.s], endNs: 13 * Self.s, outputTokens: 10)
        let failed = LoadSample(scheduledNs: 12 * Self.s, sentNs: 12 * Self.s, endNs: 12 * Self.s, errorKind: "http_503")
        let counted = LoadSample(scheduledNs: 14 * Self.s, sentNs: 14 * Self.s, firstTokenNs: 15 * Self.s,
                                 tokenEventNs: [15 * Self.s, 16 * Self.s], endNs: 16 * Self.s, outputTokens: 2, usageCounted: true)
        let m = LoadMetrics(samples: [before, inside, failed, counted], window: w)
        #expect(m.requests == 3)
        #expect(m.succeeded == 2)
        #expect(m.errors == ["http_503": 1])
        #expect(abs(m.errorRate - 1.0 / 3) < 1e-12)
        #expect(m.usageCounted == 1)
        #expect(m.summaries[.ttft]?.count == 2)
        #expect(m.percentile(.ttft, 50) == 1)
        #expect(m.summaries[.dispatchLag]?.count == 3)
        // Throughput: 10 + 2 tokens inside the 10 s window.
        #expect(abs(m.throughput - 1.2) < 1e-12)
    }

    @Test func throughputSplitsRequestsThatStraddleTheWindow() {
        let w = SteadyWindow(startNs: 10 * Self.s, endNs: 20 * Self.s)
        // 4 events of 25 tokens; two fall inside the window. Sent before the window, it still counts for throughput.
        let x = LoadSample(scheduledNs: 8 * Self.s, sentNs: 8 * Self.s, firstTokenNs: 9 * Self.s,
                           tokenEventNs: [9 * Self.s, 9_500_000_000, 10 * Self.s, 19 * Self.s], endNs: 21 * Self.s, outputTokens: 100)
        let y = LoadSample(scheduledNs: 19 * Self.s, sentNs: 19 * Self.s, firstTokenNs: 19_500_000_000,
                           tokenEventNs: [19_500_000_000, 20 * Self.s], endNs: 20 * Self.s, outputTokens: 4)
        let m = LoadMetrics(samples: [x, y], window: w)
        #expect(abs(m.throughput - (50 + 2) / 10.0) < 1e-12)
        #expect(m.requests == 1)
        #expect(m.values(.itl) == [0.5])
    }

    @Test func distributionMatchesNumPy() throws {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 95]) == [2.0, 8.8]
        let d = Distribution([10, 1, 3, 2, 4])
        #expect(d[25] == 2)
        #expect(abs(d[95]! - 8.8) < 1e-12)
        #expect(d.mean == 4)
        #expect(d.min == 1 && d.max == 10 && d.count == 5)
        #expect(Distribution([]).count == 0 && Distribution([]).p(50) == nil)
    }

    @Test func compactSummaryMatchesNumPy() throws {
        let d = try #require(MetricSummary(sorted: [1, 2, 3, 4, 10]))
        #expect(d[25] == 2)
        #expect(abs(d[95]! - 8.8) < 1e-12)
        #expect(d.mean == 4 && d.min == 1 && d.max == 10 && d.count == 5)
        #expect(MetricSummary(sorted: []) == nil)
    }
}
