/// A request as the scheduler sees it: sizes and prompt block hashes, nothing else.
public struct SimJob: Sendable, Equatable {
    /// The request's id, unique while it lives.
    public var id: UInt64
    /// Prompt length in tokens (at least 1).
    public var promptTokens: Int
    /// Tokens the request will generate (at least 1).
    public var outputTokens: Int
    /// Chained hashes of the prompt's full blocks, for the prefix cache.
    public var blockHashes: [UInt64]

    /// A job.
    public init(id: UInt64, promptTokens: Int, outputTokens: Int, blockHashes: [UInt64] = []) {
        self.id = id
        self.promptTokens = max(1, promptTokens)
        self.outputTokens = max(1, outputTokens)
        self.blockHashes = blockHashes
    }
}

/// The continuous-batching scheduler: a pure, value-type discrete-event state machine.
///
/// Events go in (`submit`, `stepDue`, `cancel`), each with the current time from an injected
/// clock; what to do comes out (`SimSchedulerOutput`): admissions, token events and when the
/// step that is now running ends. It never reads a clock and never sleeps, so tests drive it
/// in virtual time and the network layer only carries out its schedule with one timer.
///
/// A step starts when the previous one ends (or at once when the engine is idle). At its
/// start, waiting requests are admitted FIFO while the batch has room (`maxSequences`, and the
/// KV capacity if set), each looking up its prompt in the prefix cache. The step then decodes
/// one token for every admitted sequence that has finished prefill and computes a prefill
/// chunk shared equally by the sequences still in prefill. When it ends, the decoded tokens and
/// the first tokens of the sequences whose prefill completed are emitted at the step's end time.
public struct SimScheduler: Sendable {
    /// The performance model.
    public let model: SimPerformanceModel
    /// The prefix cache.
    public private(set) var cache: SimPrefixCache
    private var waiting: [SimJob] = []
    private var waitingHead = 0
    private var running: [Seq] = []
    private var live: Set<UInt64> = []
    private var cancelled: Set<UInt64> = []
    private var reservedTokens = 0
    /// When the running step ends, or nil when idle.
    public private(set) var stepEndsAt: Int64?
    /// Steps completed so far.
    public private(set) var steps = 0

    struct Seq: Sendable {
        var id: UInt64
        var prompt: Int
        var target: Int
        var generated = 0
        var prefillLeft: Int
        var blocks: [UInt64]
        var decodingNow = false
        var prefillNow = 0
    }

    /// An idle scheduler with an empty cache.
    public init(model: SimPerformanceModel) {
        self.model = model
        self.cache = SimPrefixCache(blockTokens: model.prefixBlockTokens, capacityTokens: model.prefixCacheCapacityTokens)
    }

    /// Requests waiting for a batch slot.
    public var waitingCount: Int { waiting.count - waitingHead }
    /// Requests in the running batch.
    public var runningCount: Int { running.count }
    /// Whether nothing is queued or running.
    public var isIdle: Bool { stepEndsAt == nil }

    /// A request arrives at `now`. Starts a step at once when the engine is idle.
    public mutating func submit(_ job: SimJob, now: Int64) -> SimSchedulerOutput {
        live.insert(job.id)
        waiting.append(job)
        var out = SimSchedulerOutput()
        if stepEndsAt == nil { startStep(at: now, &out) }
        return out
    }

    /// The client went away: the request leaves the queue or the batch; the step in progress keeps its length.
    public mutating func cancel(id: UInt64) {
        if live.remove(id) != nil { cancelled.insert(id) }
    }

    /// The running step is over (the timer fired); `now` is when the next step starts.
    public mutating func stepDue(now: Int64) -> SimSchedulerOutput {
        var out = SimSchedulerOutput()
        guard let end = stepEndsAt else { return out }
        steps += 1
        var kept: [Seq] = []
        kept.reserveCapacity(running.count)
        for var s in running {
            if cancelled.remove(s.id) != nil { reservedTokens -= s.prompt + s.target; continue }
            if s.decodingNow {
                s.generated += 1
                out.tokens.append(SimTokenEvent(id: s.id, index: s.generated - 1, last: s.generated >= s.target, at: end))
            } else if s.prefillNow > 0 {
                s.prefillLeft -= s.prefillNow
                if s.prefillLeft == 0 {
                    s.generated = 1
                    cache.insert(s.blocks)
                    out.tokens.append(SimTokenEvent(id: s.id, index: 0, last: s.target == 1, at: end))
                }
            }
            s.decodingNow = false
            s.prefillNow = 0
            if s.generated >= s.target {
                reservedTokens -= s.prompt + s.target
                live.remove(s.id)
            } else {
                kept.append(s)
            }
        }
        running = kept
        stepEndsAt = nil
        startStep(at: now, &out)
        return out
    }

    private mutating func admit(at now: Int64, _ out: inout SimSchedulerOutput) {
        while waitingHead < waiting.count, running.count < model.maxSequences {
            let job = waiting[waitingHead]
            if cancelled.remove(job.id) != nil { waitingHead += 1; continue }
            let need = job.promptTokens + job.outputTokens
            if model.kvCapacityTokens > 0, !running.isEmpty, reservedTokens + need > model.kvCapacityTokens { break }
            waitingHead += 1
            let bs = model.prefixBlockTokens
            var cached = cache.lookup(job.blockHashes) * bs
            // At least one prompt token is always computed, to produce the first token.
            if cached >= job.promptTokens { cached = ((job.promptTokens - 1) / bs) * bs }
            reservedTokens += need
            running.append(Seq(id: job.id, prompt: job.promptTokens, target: job.outputTokens,
                               prefillLeft: job.promptTokens - cached, blocks: job.blockHashes))
            out.admitted.append(SimAdmission(id: job.id, cachedTokens: cached, at: now))
        }
        if waitingHead > 1024, waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    private mutating func startStep(at now: Int64, _ out: inout SimSchedulerOutput) {
        if !cancelled.isEmpty, !running.isEmpty {
            var freed = 0
            running.removeAll { s in
                guard cancelled.remove(s.id) != nil else { return false }
                freed += s.prompt + s.target
                return true
            }
            reservedTokens -= freed
        }
        admit(at: now, &out)
        guard !running.isEmpty else { stepEndsAt = nil; return }
        var decoding = 0, context = 0
        var prefilling: [Int] = []
        for i in running.indices {
            if running[i].prefillLeft == 0 {
                running[i].decodingNow = true
                decoding += 1
                context += running[i].prompt + running[i].generated
            } else {
                prefilling.append(i)
            }
        }
        // Share the prefill budget equally; a sequence needing less than its share frees the rest.
        var budget = max(0, model.maxBatchedTokens - decoding)
        var prefillTotal = 0
        if !prefilling.isEmpty, budget > 0 {
            prefilling.sort { (running[$0].prefillLeft, $0) < (running[$1].prefillLeft, $1) }
            for (k, i) in prefilling.enumerated() {
                let share = budget / (prefilling.count - k)
                let take = min(running[i].prefillLeft, share)
                running[i].prefillNow = take
                budget -= take
                prefillTotal += take
            }
        }
        if decoding == 0 && prefillTotal == 0 {
            // Unreachable with maxBatchedTokens >= 1, kept so that a bad model cannot spin.
            stepEndsAt = nil
            return
        }
        let end = now + model.stepDurationNs(decoding: decoding, contextTokens: context, prefillTokens: prefillTotal)
        stepEndsAt = end
        out.nextStepAt = end
    }
}

/// What the scheduler decided in response to one event.
public struct SimSchedulerOutput: Sendable, Equatable {
    /// Requests that joined the batch, with their prefix-cache hits.
    public var admitted: [SimAdmission] = []
    /// Tokens produced, in batch order.
    public var tokens: [SimTokenEvent] = []
    /// When a new step ends: the engine sets its one timer for then. Nil: no new step started.
    public var nextStepAt: Int64?
    /// Nothing happened.
    public init() {}
}

/// A request joined the running batch.
public struct SimAdmission: Sendable, Equatable {
    /// The request.
    public var id: UInt64
    /// Prompt tokens served from the prefix cache.
    public var cachedTokens: Int
    /// When it was admitted.
    public var at: Int64
}

/// One generated token of one request.
public struct SimTokenEvent: Sendable, Equatable {
    /// The request.
    public var id: UInt64
    /// The token's index in the response, from 0.
    public var index: Int
    /// Whether it is the request's last token.
    public var last: Bool
    /// The scheduler time at which it was produced (the end of its step).
    public var at: Int64
}
