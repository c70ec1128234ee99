import Cassette
import Testing
@testable import Scoring

@Suite struct DiffTests {
    @Test func gateParsing() throws {
        let g = try Gate.parse("ttft_p95:+10%, output_tokens:+20%,speed_p25:-5%,e2e_p50:+200ms,tool_sequence:changed,errors:+0")
        #expect(g.map(\.metric) == ["ttft_p95", "output_tokens", "speed_p25", "e2e_p50", "tool_sequence", "errors"])
        #expect(g[0].limit == .relative(0.10, direction: 1))
        #expect(g[2].limit == .relative(0.05, direction: -1))
        #expect(g[3].limit == .absolute(200, unit: "ms", direction: 1))
        #expect(g[4].limit == .changed)
        for bad in ["ttft_p95", "ttft_p95:+ten%", "tool_sequence:+1%", ":1%", ""] {
            #expect(throws: Gate.ParseError.self, "\(bad)") { try Gate.parse(bad) }
        }
    }

    @Test func noiseIsNotARegressionButAShiftIs() throws {
        var rng = SplitMix64(seed: 9)
        func sample(_ n: Int, _ scale: Double) -> [Double] { (0..<n).map { _ in scale * (400 + Double(rng.next() % 400)) } }
        let base = sample(12, 1), same = sample(12, 1), slower = sample(12, 1.6)
        let gates = try Gate.parse("ttft_p95:+5%")
        let noise = MetricComparison(key: "ttft_ms", unit: "ms", higherIsWorse: true, base: base, new: same)
        let (r1, u1) = GateEvaluator.evaluate(gates, behaviour: nil, metrics: [noise], alpha: 0.05)
        #expect(u1.isEmpty)
        // Whatever the p95 did between two draws of one distribution, it is not called a regression.
        #expect(!r1[0].tripped, "\(r1[0].message)")
        let shift = MetricComparison(key: "ttft_ms", unit: "ms", higherIsWorse: true, base: base, new: slower)
        let (r2, _) = GateEvaluator.evaluate(gates, behaviour: nil, metrics: [shift], alpha: 0.05)
        #expect(r2[0].tripped && r2[0].message.contains("REGRESSION"), "\(r2[0].message)")
        // A change beyond the limit that is not significant says so.
        let tiny = MetricComparison(key: "ttft_ms", unit: "ms", higherIsWorse: true, base: [100, 300], new: [120, 400])
        let (r3, _) = GateEvaluator.evaluate(gates, behaviour: nil, metrics: [tiny], alpha: 0.05)
        #expect(!r3[0].tripped && r3[0].message.contains("not significant"), "\(r3[0].message)")
    }

    @Test func totalsAreExact() throws {
        let m = MetricComparison(key: "output_tokens", unit: "tokens", higherIsWorse: true, base: [100], new: [125], isTotal: true)
        let (r, _) = GateEvaluator.evaluate(try Gate.parse("output_tokens:+20%"), behaviour: nil, metrics: [m], alpha: 0.05)
        #expect(r[0].tripped)
        let (ok, _) = GateEvaluator.evaluate(try Gate.parse("output_tokens:+30%"), behaviour: nil, metrics: [m], alpha: 0.05)
        #expect(!ok[0].tripped)
    }

    @Test func behaviourDiffPerTrajectory() throws {
        let base = CassetteView(exchanges: AssertionFixtures.exchanges(.main))
        var paris = AgentScript.weatherAgent(trajectory: "traj-1")
        paris.steps[0].calls[0].args = .obj([("city", "Paris"), ("units", "imperial"), ("opts", .obj([("detail", 2)]))])
        paris.steps.remove(at: 1)
        let tokyo = AgentScript.weatherAgent(trajectory: "traj-2", startMs: 60_000, idPrefix: "y", city: "Tokyo")
        let new = CassetteView(exchanges: paris.build() + tokyo.build())
        let d = BehaviourDiff(base: base, new: new)
        #expect(d.trajectories.count == 2)
        let t = d.trajectories[0]
        #expect(t.base == "traj-1" && t.sequence.map { "\($0.op)\($0.name)" } == [" get_weather", "-get_forecast"])
        #expect(t.paramChanges == ["get_weather #1: units: \"metric\" → \"imperial\""])
        #expect(!t.outputChanged && t.turnsBefore == 3 && t.turnsAfter == 2)
        #expect(!d.trajectories[1].changed)
        #expect(d.toolSequenceChanged && d.paramsChanged && !d.outputChanged && d.systemPrompt == nil && d.tools == nil)
    }

    @Test func lcsAndJSONDiffs() {
        #expect(BehaviourDiff.lcsDiff(["a", "b", "c"], ["a", "c", "d"]).map(String.init).joined() == " - +")
        #expect(BehaviourDiff.lcsDiff([], ["x"]) == ["+"])
        #expect(BehaviourDiff.jsonDiff(["a": 1, "b": ["c": 2]], ["a": 1, "b": ["c": 3], "d": true], path: "") == ["b.c: 2 → 3", "d: (absent) → true"])
        #expect(BehaviourDiff.jsonDiff(["x": 3], ["x": 3.0], path: "").isEmpty)
    }

    /// Load results in the layout `tapedeck load` writes (summary document plus per-request JSON Lines).
    @Test func loadResultFiles() throws {
        func doc(_ p95: Double, _ tput: Double) -> JSON {
            ["kind": "tapedeck.load", "schema_version": 1, "manifest": ["agents": 8, "seed": 1],
             "phase": ["agents": 8, "valid": true, "throughput_tok_s": .double(tput),
                       "metrics": ["ttft_s": ["count": 40, "p50": 0.2, "p95": .double(p95)], "speed_tok_s": ["p25": 180.0, "p50": 200.0]],
                       "tiers": ["gold": ["pass": true]]]]
        }
        var rng = SplitMix64(seed: 3)
        func reqs(_ scale: Double) -> [JSON] {
            (0..<40).map { i in
                ["agent": .int(i % 8), "turn": .int(i), "ttft_s": .double(scale * (0.2 + Double(rng.next() % 100) / 1000)),
                 "speed_tok_s": .double(190 + Double(rng.next() % 20)), "measured": .bool(i >= 4), "error": .null]
            }
        }
        let metrics = ResultFileDiff.compare(base: doc(0.30, 1500), new: doc(0.45, 1400), baseRequests: reqs(1), newRequests: reqs(1.5))
        let keys = Set(metrics.map(\.key))
        #expect(keys.isSuperset(of: ["ttft_s", "speed_tok_s", "phase.throughput_tok_s", "phase.metrics.ttft_s.p95", "phase.tiers.gold.pass"]))
        #expect(!keys.contains("turn") || metrics.first { $0.key == "turn" }?.isTotal == false)
        let ttft = try #require(metrics.first { $0.key == "ttft_s" })
        #expect(ttft.base.count == 36, "unmeasured requests are left out")
        #expect(ttft.unit == "s")
        let gates = try Gate.parse("ttft_p95:+10%,throughput:-5%,speed_p25:-10%,ttft_p50:+200ms")
        let (r, unknown) = GateEvaluator.evaluate(gates, behaviour: nil, metrics: metrics, alpha: 0.05)
        #expect(unknown.isEmpty, "\(unknown)")
        #expect(r.map(\.tripped) == [true, true, false, false], "\(r.map(\.message))")
        // A summary-only comparison resolves the same gate to the summary's p95.
        let summaryOnly = ResultFileDiff.compare(base: doc(0.30, 1500), new: doc(0.45, 1400))
        let (s, _) = GateEvaluator.evaluate(try Gate.parse("ttft_p95:+10%"), behaviour: nil, metrics: summaryOnly, alpha: 0.05)
        #expect(s[0].tripped && s[0].message.contains("0.3 → 0.45"), "\(s[0].message)")
    }

    /// Sweep results in the layout `tapedeck sweep` writes: list items named by tier and by agents.
    @Test func sweepResultFiles() throws {
        func sweep(_ gold: Int, _ tput: Double) -> JSON {
            ["kind": "tapedeck.sweep", "results": [["tier": "gold", "max_agents": .int(gold), "throughput_tok_s": .double(tput)],
                                                    ["tier": "silver", "max_agents": 32]],
             "phases": [["phase": 1, "agents": 8, "throughput_tok_s": 900.0], ["phase": 2, "agents": 16, "throughput_tok_s": .double(tput)]]]
        }
        let metrics = ResultFileDiff.compare(base: sweep(16, 1800), new: sweep(12, 1500))
        #expect(Set(metrics.map(\.key)).isSuperset(of: ["results[gold].max_agents", "results[silver].max_agents", "phases[16].throughput_tok_s"]))
        let (r, unknown) = GateEvaluator.evaluate(try Gate.parse("results[gold].max_agents:-10%,results[silver].max_agents:-10%,phases[16].throughput_tok_s:-5%"),
                                                  behaviour: nil, metrics: metrics, alpha: 0.05)
        #expect(unknown.isEmpty)
        #expect(r.map(\.tripped) == [true, false, true], "\(r.map(\.message))")
        // A big result file shows the metrics that moved, not every number in it.
        var big: [(String, JSON)] = []
        for i in 0..<100 { big.append(("m\(i)", .int(i == 7 ? 70 : i))) }
        let many = ResultFileDiff.compare(base: .obj(big.map { ($0.0, .int(Int($0.0.dropFirst())!)) }), new: .obj(big))  // keys are m<int>.
        let text = DiffReport.console(base: "a", new: "b", behaviour: nil, metrics: many, gates: [], alpha: 0.05)
        #expect(text.contains("m7 ") && !text.contains("m8 ") && text.contains("99 more metrics changed less than 1%"))
    }

    @Test func profileOfTheFixture() throws {
        let p = AgentProfile(AssertionFixtures.main.view, prices: AssertionFixtures.prices)
        #expect(p.trajectories == 2 && p.turns == 6)
        #expect(p.models.map(\.model) == ["gpt-4o-mini"] && p.models[0].ttftMs.count == 6)
        let weather = try #require(p.tools.first { $0.tool == "get_weather" })
        #expect(weather.calls == 2 && weather.mcpCalls == 2 && weather.gapMs.count == 2 && weather.mcpMs.p(50) == 40)
        let forecast = try #require(p.tools.first { $0.tool == "get_forecast" })
        #expect(forecast.mcpMs.p(50) == 120)
        #expect(p.totals.reasoning == 6 && p.cachedRatio > 0.4 && p.cachedRatio < 0.7)
        #expect(p.costUSD != nil && p.unpricedModels.isEmpty)
        let j = ProfileReport.json(p, file: "f")
        #expect(j["tools"]?[0]?["gap_ms"]?["p50"] == 500)
    }
}
