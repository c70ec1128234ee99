import Testing
@testable import Scoring

@Suite struct LoadTierTests {
    @Test func parsesTheIssueExample() throws {
        let t = try SLOTierParser.parse("gold: speed_p25>=180, ttft_p95<=3s")
        #expect(t.name == "gold")
        #expect(t.conditions == [SLOCondition(.percentile(.speed, 25), .ge, 180), SLOCondition(.percentile(.ttft, 95), .le, 3)])
        #expect(t.description == "gold: speed_p25>=180, ttft_p95<=3s")
    }

    @Test func unitsScaleToBaseUnits() throws {
        let t = try SLOTierParser.parse(" fast tier : ttft_p99 < 250ms , itl_p50<=20 ms, error_rate<1%, throughput>1000 tok/s, tpot_p90 <= 500us")
        #expect(t.name == "fast tier")
        #expect(t.conditions[0] == SLOCondition(.percentile(.ttft, 99), .lt, 0.25))
        #expect(t.conditions[1] == SLOCondition(.percentile(.itl, 50), .le, 0.02))
        #expect(t.conditions[2] == SLOCondition(.errorRate, .lt, 0.01))
        #expect(t.conditions[3] == SLOCondition(.throughput, .gt, 1000))
        #expect(t.conditions[4] == SLOCondition(.percentile(.tpot, 90), .le, 0.0005))
        #expect(try SLOTierParser.parse("x: scheduled_e2e_p99.9<=30s").conditions[0] == SLOCondition(.percentile(.scheduledE2E, 99.9), .le, 30))
    }

    @Test(arguments: [
        "gold speed_p25>=180", ": speed_p25>=1", "gold: ", "gold: speed_p25>=180,", "gold: speed_p25=180",
        "gold: speedy_p25>=1", "gold: speed_p101>=1", "gold: speed_p25>=fast", "gold: ttft_p95<=3 tok/s",
        "gold: speed_p25>=3s", "gold: error_rate<=2ms", "gold: ttft<=3s", "gold: speed_p25>=-1",
    ])
    func rejectsBadTiers(_ text: String) {
        #expect(throws: SLOTierError.self) { try SLOTierParser.parse(text) }
        do { _ = try SLOTierParser.parse(text) } catch {
            #expect(error.description.contains("Grammar:"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func defaultSetIsAAs() {
        let set = SLOTier.defaultSet
        #expect(set.source.contains("AA-AgentPerf"))
        #expect(set.tiers.map(\.description) == [
            "slo1: speed_p25>=20, ttft_p95<=10s", "slo2: speed_p25>=60, ttft_p95<=5s", "slo3: speed_p25>=180, ttft_p95<=3s",
        ])
        #expect(SLOTier.builtInSet(named: "aa-gpt-oss-120b")?.tiers.count == 4)
    }

    @Test func evaluatesAgainstMetrics() throws {
        // Ten requests: TTFT 0.1…1.0 s, 11 tokens over 0.1…1.0 s → speeds 100…10 tok/s.
        var samples: [LoadSample] = []
        for i in 1...10 {
            let sent = Int64(i) * 1_000_000_000
            let first = sent + Int64(i) * 100_000_000
            let last = first + Int64(i) * 100_000_000
            samples.append(LoadSample(scheduledNs: sent, sentNs: sent, firstTokenNs: first, firstOutputNs: first,
                                      tokenEventNs: [first, last], endNs: last, outputTokens: 11))
        }
        let m = LoadMetrics(samples: samples, window: SteadyWindow(startNs: 0, endNs: 100_000_000_000))
        // speed p25 over [10, 11.1, 12.5, 14.3, 16.7, 20, 25, 33, 50, 100] (NumPy linear) = 13.39…
        let p25 = try #require(m.percentile(.speed, 25))
        #expect(abs(p25 - (12.5 + (100.0 / 7 - 12.5) * 0.25)) < 1e-9)
        let pass = try SLOTierParser.parse("a: speed_p25>=12.9, ttft_p95<=1s").evaluate(m)
        #expect(pass.pass)
        let fail = try SLOTierParser.parse("b: speed_p25>=14, ttft_p95<=0.9s").evaluate(m)
        #expect(!fail.pass)
        #expect(fail.reasons.count == 2)
        let empty = LoadMetrics(samples: [], window: SteadyWindow(startNs: 0, endNs: 1))
        #expect(!(try SLOTierParser.parse("c: speed_p25>=1").evaluate(empty)).pass)
    }
}
