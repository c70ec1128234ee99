/// The continuous-batching performance model of a simulated serving stack.
///
/// Every engine step runs the decode of the sequences that have finished prefill (one token
/// each) plus a chunk of prefill work, as vLLM's chunked-prefill scheduler does. A step lasts
///
///     step_base + step_per_sequence · decoding + step_per_context_token · context + prefill_tokens / P
///
/// where `decoding` is the number of sequences that decode in the step, `context` the sum of
/// their context lengths (prompt plus tokens generated so far) and `prefill_tokens` the prompt
/// tokens computed in the step (at most `maxBatchedTokens − decoding`, shared equally by the
/// sequences in prefill). All times are nanoseconds.
public struct SimPerformanceModel: Sendable, Equatable {
    /// B: the most sequences in the running batch; more requests wait in a FIFO queue.
    public var maxSequences: Int
    /// The token budget of one step (decode tokens plus prefill chunk), vLLM's `max_num_batched_tokens`.
    public var maxBatchedTokens: Int
    /// KV-cache capacity in tokens; a request is admitted only when prompt plus planned output of
    /// the running batch and itself fit. 0 means unlimited.
    public var kvCapacityTokens: Int
    /// P: prefill throughput in prompt tokens per second.
    public var prefillTokensPerSecond: Double
    /// a: the fixed time of a step, ns.
    public var stepBaseNs: Double
    /// b: the time added per decoding sequence, ns.
    public var stepPerSequenceNs: Double
    /// c: the time added per context token of the decoding sequences, ns.
    public var stepPerContextTokenNs: Double
    /// Prefix-cache block size in tokens.
    public var prefixBlockTokens: Int
    /// Prefix-cache capacity in tokens (LRU eviction beyond it); 0 disables the cache.
    public var prefixCacheCapacityTokens: Int

    /// A performance model from its parameters.
    public init(maxSequences: Int, maxBatchedTokens: Int, kvCapacityTokens: Int = 0, prefillTokensPerSecond: Double,
                stepBaseNs: Double, stepPerSequenceNs: Double, stepPerContextTokenNs: Double,
                prefixBlockTokens: Int = 16, prefixCacheCapacityTokens: Int = 0) {
        self.maxSequences = maxSequences
        self.maxBatchedTokens = maxBatchedTokens
        self.kvCapacityTokens = kvCapacityTokens
        self.prefillTokensPerSecond = prefillTokensPerSecond
        self.stepBaseNs = stepBaseNs
        self.stepPerSequenceNs = stepPerSequenceNs
        self.stepPerContextTokenNs = stepPerContextTokenNs
        self.prefixBlockTokens = prefixBlockTokens
        self.prefixCacheCapacityTokens = prefixCacheCapacityTokens
    }

    /// The duration of one step, rounded to the nearest nanosecond (at least 1 ns).
    public func stepDurationNs(decoding: Int, contextTokens: Int, prefillTokens: Int) -> Int64 {
        var ns = stepBaseNs + stepPerSequenceNs * Double(decoding) + stepPerContextTokenNs * Double(contextTokens)
        if prefillTokens > 0 { ns += Double(prefillTokens) * 1e9 / prefillTokensPerSecond }
        return max(1, Int64(ns.rounded()))
    }

    /// Checks the parameters; the message names the bad one.
    func validate(source: String) throws {
        func bad(_ m: String) -> SimConfigError { SimConfigError("\(source): \(m)") }
        if maxSequences < 1 { throw bad("scheduler.max_sequences must be at least 1") }
        if maxBatchedTokens < 1 { throw bad("scheduler.max_batched_tokens must be at least 1") }
        if kvCapacityTokens < 0 { throw bad("scheduler.kv_capacity_tokens must not be negative") }
        if !(prefillTokensPerSecond > 0) || !prefillTokensPerSecond.isFinite { throw bad("prefill.tokens_per_second must be positive") }
        if stepBaseNs < 0 || stepPerSequenceNs < 0 || stepPerContextTokenNs < 0 { throw bad("decode step times must not be negative") }
        if stepBaseNs + stepPerSequenceNs <= 0 { throw bad("decode.step_base_ms plus decode.step_per_sequence_ms must be positive") }
        if prefixBlockTokens < 1 { throw bad("prefix_cache.block_tokens must be at least 1") }
        if prefixCacheCapacityTokens < 0 { throw bad("prefix_cache.capacity_tokens must not be negative") }
    }
}
