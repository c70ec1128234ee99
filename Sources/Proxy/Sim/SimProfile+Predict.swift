/// What the performance model predicts for a closed-loop workload, computed in virtual time.
public struct SimPrediction: Sendable, Equatable {
    /// Concurrent streams.
    public var concurrency: Int
    /// Requests averaged (after each stream's warm-up requests).
    public var requests: Int
    /// Mean time to first token, seconds.
    public var meanTTFT: Double
    /// Mean per-request output speed, tokens/s after the first token: (N − 1) / (t_last − t_first).
    public var meanOutputSpeed: Double
    /// Mean end-to-end latency (request sent to last token), seconds.
    public var meanE2E: Double
    /// Output tokens per second of the whole system over the averaged requests' span.
    public var systemTokensPerSecond: Double
}

extension SimProfile {
    /// Predicts TTFT and output speed for `concurrency` closed-loop streams, each sending
    /// `requestsPerStream` requests back to back (the next one the moment the previous ends),
    /// with `promptTokens`-token prompts (distinct, so no prefix-cache hits unless
    /// `sharedPrefixTokens` > 0) and exactly `outputTokens` output tokens.
    ///
    /// The prediction is the scheduler itself run in virtual time with no I/O: it is what the
    /// simulator would produce with a network that takes no time. Averages skip the first
    /// `warmupPerStream` requests of each stream, so they describe the steady state.
    public func predict(concurrency: Int, promptTokens: Int, outputTokens: Int, requestsPerStream: Int = 4,
                        warmupPerStream: Int = 1, sharedPrefixTokens: Int = 0) -> SimPrediction {
        let n = max(1, concurrency), perStream = max(1, requestsPerStream)
        let warm = min(max(0, warmupPerStream), perStream - 1)
        var s = SimScheduler(model: performance)
        let bs = performance.prefixBlockTokens
        let blocks = promptTokens / bs
        let shared = min(blocks, sharedPrefixTokens / bs)
        var nextHash: UInt64 = 1 << 40

        struct Req { var stream: Int; var ordinal: Int; var sent: Int64; var first: Int64?; var last: Int64? }
        var reqs: [UInt64: Req] = [:]
        var done: [Req] = []
        var nextID: UInt64 = 0
        var due: Int64?

        func job(_ stream: Int, _ ordinal: Int, at t: Int64) -> SimJob {
            var h: [UInt64] = (0..<shared).map { UInt64($0 + 1) }
            for _ in shared..<blocks { h.append(nextHash); nextHash += 1 }
            let id = nextID
            nextID += 1
            reqs[id] = Req(stream: stream, ordinal: ordinal, sent: t)
            return SimJob(id: id, promptTokens: promptTokens, outputTokens: outputTokens, blockHashes: h)
        }

        func take(_ o: SimSchedulerOutput, now: Int64, _ follow: inout [(Int, Int)]) {
            for t in o.tokens {
                guard var r = reqs[t.id] else { continue }
                if t.index == 0 { r.first = t.at }
                if t.last {
                    r.last = t.at
                    reqs[t.id] = nil
                    done.append(r)
                    if r.ordinal + 1 < perStream { follow.append((r.stream, r.ordinal + 1)) }
                } else {
                    reqs[t.id] = r
                }
            }
            if let d = o.nextStepAt { due = d }
        }

        var follow: [(Int, Int)] = []
        for k in 0..<n { take(s.submit(job(k, 0, at: 0), now: 0), now: 0, &follow) }
        while let d = due {
            due = nil
            follow.removeAll(keepingCapacity: true)
            take(s.stepDue(now: d), now: d, &follow)
            for (stream, ordinal) in follow { take(s.submit(job(stream, ordinal, at: d), now: d), now: d, &follow) }
        }

        let steady = done.filter { $0.ordinal >= warm }
        var ttft = 0.0, speed = 0.0, e2e = 0.0
        var t0 = Int64.max, t1 = Int64.min
        for r in steady {
            guard let f = r.first, let l = r.last else { continue }
            ttft += Double(f - r.sent) / 1e9
            e2e += Double(l - r.sent) / 1e9
            if outputTokens > 1, l > f { speed += Double(outputTokens - 1) / (Double(l - f) / 1e9) }
            t0 = min(t0, r.sent)
            t1 = max(t1, l)
        }
        let c = Double(max(1, steady.count))
        let span = t1 > t0 ? Double(t1 - t0) / 1e9 : 1
        return SimPrediction(concurrency: n, requests: steady.count, meanTTFT: ttft / c, meanOutputSpeed: speed / c,
                             meanE2E: e2e / c, systemTokensPerSecond: Double(steady.count * outputTokens) / span)
    }
}
