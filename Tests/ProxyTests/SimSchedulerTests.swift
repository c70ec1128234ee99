import Testing
@testable import Proxy

/// The scheduler in virtual time: every expected time below is worked out by hand from the
/// model `a = 1 ms, b = 0.1 ms, c = 10 ns/token, P = 1M tokens/s (1 µs/token)`.
@Suite struct SimSchedulerTests {
    static func model(maxSequences: Int = 2, maxBatchedTokens: Int = 100, kv: Int = 0, cache: Int = 1024) -> SimPerformanceModel {
        SimPerformanceModel(maxSequences: maxSequences, maxBatchedTokens: maxBatchedTokens, kvCapacityTokens: kv,
                            prefillTokensPerSecond: 1_000_000, stepBaseNs: 1_000_000, stepPerSequenceNs: 100_000,
                            stepPerContextTokenNs: 10, prefixBlockTokens: 16, prefixCacheCapacityTokens: cache)
    }

    /// Runs the schedule to idle, firing each step exactly when it is due (virtual time).
    struct Run {
        var s: SimScheduler
        var tokens: [UInt64: [Int64]] = [:]
        var admitted: [UInt64: SimAdmission] = [:]
        var due: Int64?

        init(_ m: SimPerformanceModel) { s = SimScheduler(model: m) }

        mutating func take(_ o: SimSchedulerOutput) {
            for a in o.admitted { admitted[a.id] = a }
            for t in o.tokens {
                #expect(t.index == tokens[t.id, default: []].count)
                tokens[t.id, default: []].append(t.at)
            }
            if let n = o.nextStepAt { due = n }
        }

        mutating func submit(_ id: UInt64, prompt: Int, output: Int, blocks: [UInt64] = [], at now: Int64) {
            take(s.submit(SimJob(id: id, promptTokens: prompt, outputTokens: output, blockHashes: blocks), now: now))
        }

        /// Fires due steps up to `limit` (inclusive); with nil, until idle.
        mutating func advance(until limit: Int64? = nil) {
            while let d = due, d <= (limit ?? .max) {
                due = nil
                take(s.stepDue(now: d))
            }
        }
    }

    @Test func singleRequestTimesAreExact() {
        var r = Run(Self.model())
        r.submit(1, prompt: 40, output: 3, at: 0)
        #expect(r.due == 1_040_000)  // a + 40 prompt tokens × 1 µs
        r.advance()
        // Decode steps: a + b + c·(40 + generated).
        #expect(r.tokens[1] == [1_040_000, 2_140_410, 3_240_830])
        #expect(r.s.isIdle)
        #expect(r.admitted[1]?.cachedTokens == 0)
    }

    @Test func queueingOnceTheBatchIsFull() {
        var r = Run(Self.model(maxSequences: 2))
        for id: UInt64 in 1...3 { r.submit(id, prompt: 10, output: 5, at: 0) }
        #expect(r.s.runningCount == 1)  // the first step started with request 1 alone
        #expect(r.s.waitingCount == 2)
        r.advance(until: 1_010_000)
        #expect(r.s.runningCount == 2)  // request 2 joined at the step boundary; 3 waits
        #expect(r.s.waitingCount == 1)
        r.advance()
        #expect(r.tokens[1] == [1_010_000, 2_120_110, 3_320_340, 4_520_590, 5_720_860])
        #expect(r.tokens[2] == [2_120_110, 3_320_340, 4_520_590, 5_720_860, 6_831_000])
        // Request 3 enters only when request 1 leaves the batch.
        #expect(r.admitted[3]?.at == 5_720_860)
        #expect(r.tokens[3]?.first == 6_831_000)
        #expect(r.tokens[3]?.count == 5)
    }

    @Test func prefillIsSharedByTheRequestsInPrefill() {
        var r = Run(Self.model(maxSequences: 2, maxBatchedTokens: 100))
        r.submit(1, prompt: 1, output: 1, at: 0)  // occupies the first step (1,001,000 ns)
        r.submit(2, prompt: 150, output: 2, at: 0)
        r.submit(3, prompt: 150, output: 2, at: 0)
        r.advance()
        #expect(r.tokens[1] == [1_001_000])
        // Both get 50 of the 100-token budget per step: 3 steps of a + 100 µs, first tokens together.
        #expect(r.tokens[2]?.first == 4_301_000)
        #expect(r.tokens[3]?.first == 4_301_000)
    }

    @Test func aShortPromptTakesOnlyWhatItNeeds() {
        var r = Run(Self.model(maxSequences: 2, maxBatchedTokens: 100))
        r.submit(1, prompt: 1, output: 1, at: 0)
        r.submit(2, prompt: 30, output: 1, at: 0)
        r.submit(3, prompt: 150, output: 1, at: 0)
        r.advance()
        // Step 2: 30 + 70 tokens (1,100,000 ns); step 3: the last 80 of request 3 (1,080,000 ns).
        #expect(r.tokens[2] == [2_101_000])
        #expect(r.tokens[3] == [3_181_000])
    }

    @Test func decodeSlowsAsTheBatchGrows() {
        var alone = Run(Self.model())
        alone.submit(1, prompt: 10, output: 3, at: 0)
        alone.advance()
        var pair = Run(Self.model())
        pair.submit(1, prompt: 10, output: 3, at: 0)
        pair.submit(2, prompt: 10, output: 3, at: 0)
        pair.advance()
        let itlAlone = alone.tokens[1]![1] - alone.tokens[1]![0]  // the run produced 3 tokens (checked below)
        let itlPair = pair.tokens[1]![2] - pair.tokens[1]![1]
        #expect(alone.tokens[1]?.count == 3 && pair.tokens[1]?.count == 3)
        #expect(itlAlone == 1_100_110)  // a + b + c·11
        #expect(itlPair == 1_200_230)   // a + 2b + c·(12 + 11)
        #expect(itlPair > itlAlone)
    }

    @Test func prefixCacheHitsCutTimeToFirstToken() {
        var r = Run(Self.model())
        let blocks: [UInt64] = [11, 12]  // 40-token prompt: two full blocks of 16
        r.submit(1, prompt: 40, output: 1, blocks: blocks, at: 0)
        r.advance()
        #expect(r.tokens[1] == [1_040_000])
        r.submit(2, prompt: 40, output: 1, blocks: blocks, at: 2_000_000)
        r.advance()
        #expect(r.admitted[2]?.cachedTokens == 32)
        #expect(r.tokens[2] == [2_000_000 + 1_008_000])  // only 8 tokens to prefill
        // A different first block shares nothing, even with the same second hash.
        r.submit(3, prompt: 40, output: 1, blocks: [99, 12], at: 4_000_000)
        r.advance()
        #expect(r.admitted[3]?.cachedTokens == 0)
    }

    @Test func aFullyCachedPromptStillComputesItsLastBlock() {
        var r = Run(Self.model())
        r.submit(1, prompt: 32, output: 1, blocks: [1, 2], at: 0)
        r.advance()
        r.submit(2, prompt: 32, output: 1, blocks: [1, 2], at: 5_000_000)
        r.advance()
        #expect(r.admitted[2]?.cachedTokens == 16)
        #expect(r.tokens[2] == [5_000_000 + 1_016_000])
    }

    @Test func kvCapacityHoldsRequestsBack() {
        var r = Run(Self.model(maxSequences: 8, kv: 100))
        r.submit(1, prompt: 40, output: 20, at: 0)
        r.submit(2, prompt: 40, output: 20, at: 0)
        r.advance()
        // 60 + 60 > 100: request 2 is admitted only when request 1 has finished.
        #expect(r.admitted[2]!.at == r.tokens[1]!.last!)  // both ran to completion above
    }

    @Test func cancelledRequestsLeaveQueueAndBatch() {
        var r = Run(Self.model(maxSequences: 1))
        r.submit(1, prompt: 10, output: 100, at: 0)
        r.submit(2, prompt: 10, output: 3, at: 0)
        r.submit(3, prompt: 10, output: 3, at: 0)
        r.advance(until: 1_010_000)
        r.s.cancel(id: 2)  // still waiting
        r.s.cancel(id: 1)  // running
        r.advance()
        #expect(r.tokens[1]?.count == 1)
        #expect(r.tokens[2] == nil)
        #expect(r.tokens[3]?.count == 3)
        // The step in progress keeps its length; request 3 is admitted at its end.
        let expected: Int64 = 1_010_000 + 1_100_110
        #expect(r.admitted[3]?.at == expected)
        #expect(r.s.isIdle && r.s.runningCount == 0 && r.s.waitingCount == 0)
    }

    @Test func theSameEventsGiveTheSameSchedule() {
        func run() -> [UInt64: [Int64]] {
            var r = Run(SimProfile.builtinTiny.performance)
            for i in 0..<40 { r.submit(UInt64(i), prompt: 50 + i * 7, output: 5 + i % 9, blocks: [UInt64(i % 3)], at: Int64(i) * 300_000) }
            r.advance()
            return r.tokens
        }
        let a = run(), b = run()
        #expect(a == b)
        #expect(a.count == 40)
    }
}

extension SimProfile {
    static var builtinTiny: SimProfile { try! SimProfile.named("tiny") }  // Bundled; a parse failure fails the profile tests too.
}

@Suite struct SimPredictionTests {
    static var flat: SimProfile {
        var p = SimProfile.builtinTiny
        p.performance = SimPerformanceModel(maxSequences: 64, maxBatchedTokens: 4096, prefillTokensPerSecond: 1_000_000,
                                            stepBaseNs: 1_000_000, stepPerSequenceNs: 100_000, stepPerContextTokenNs: 0)
        return p
    }

    @Test func oneStreamMatchesTheClosedForm() {
        let p = Self.flat.predict(concurrency: 1, promptTokens: 100, outputTokens: 10, requestsPerStream: 3)
        #expect(p.requests == 2)
        #expect(abs(p.meanTTFT - 0.0011) < 1e-12)             // a + 100 × 1 µs
        #expect(abs(p.meanOutputSpeed - 1e9 / 1_100_000) < 1e-9)  // one token per a + b
    }

    @Test func speedFallsAndTTFTGrowsWithConcurrency() {
        let one = Self.flat.predict(concurrency: 1, promptTokens: 200, outputTokens: 50)
        let many = Self.flat.predict(concurrency: 32, promptTokens: 200, outputTokens: 50)
        #expect(many.meanOutputSpeed < one.meanOutputSpeed)
        #expect(many.meanTTFT > one.meanTTFT)
        #expect(many.systemTokensPerSecond > one.systemTokensPerSecond)
    }
}
