import Cassette
import NIOCore
import NIOHTTP1

extension SimEngine {
    func inference(_ dialect: SimDialect, path: String, head: HTTPRequestHead, body: [UInt8], tooLarge: Bool, handler: SimHTTPHandler) {
        let arrival = (Self.mono(), HostFacts.unixNs())
        let requestID = head.headers.first(name: "x-request-id") ?? head.headers.first(name: "x-tapedeck-request")
        let index = arrivals
        arrivals += 1
        func fail(_ e: SimAPIError, model: String? = nil, headers: [(String, String)] = [], outcome: String = "rejected") {
            reject(e, dialect: dialect, path: path, model: model, requestID: requestID, arrival: arrival, handler: handler,
                   headers: headers, outcome: outcome)
        }
        if tooLarge { return fail(SimAPIError(status: 413, kind: .invalidRequest, message: "Request body larger than 64 MiB.")) }
        let request: SimRequest
        switch SimRequest.parse(body, dialect: dialect) {
        case .failure(let e): return fail(e)
        case .success(let r): request = r
        }
        guard profile.accepts(model: request.model) else {
            let msg = dialect.isAnthropic ? "model: \(request.model)"
                : "The model `\(request.model)` does not exist. Served models: \(profile.models.joined(separator: ", "))."
            return fail(SimAPIError(status: 404, kind: .notFound, message: msg, param: "model"), model: request.model)
        }
        var faults = SimFaultPlan.draw(profile.faults, seed: seed, index: index)
        if let h = head.headers.first(name: SimFaultPlan.header) {
            do { try faults.apply(header: h) } catch { return fail(.invalid("\(error)", param: "X-Tapedeck-Fault")) }
        }
        if let status = faults.errorStatus {
            return fail(SimAPIError(status: status, kind: .server, message: "Injected server error (tapedeck sim fault)."),
                        model: request.model, outcome: "fault_error")
        }
        if let after = faults.retryAfterSeconds {
            return fail(SimAPIError(status: 429, kind: .rateLimit, message: "Rate limit reached (injected by tapedeck sim). Retry after \(after) s."),
                        model: request.model, headers: [("retry-after", String(after))], outcome: "fault_rate_limit")
        }

        // Tokenize the prompt: count, prefix-cache block hashes, and a hash that seeds the content.
        let promptText = request.conversation.promptText(model: request.model)
        let mseed = modelSeed[request.model] ?? Self.hash(request.model, seed: 0)
        let bs = profile.performance.prefixBlockTokens
        var text = promptText
        let (count, blocks, promptHash) = text.withUTF8 { buf -> (Int, [UInt64], UInt64) in
            let raw = UnsafeRawBufferPointer(buf)
            let pieces = SimTokenizer.pieces(raw)
            let blocks = SimPrefixCache.blockHashes(bytes: raw, pieces: pieces, blockTokens: bs, seed: mseed)
            return (pieces.count, blocks, XXH64.hash(raw, seed: mseed))
        }
        let requestHash = promptHash ^ Self.hash("\(dialect.rawValue)|\(request.maxTokens ?? -1)|\(request.ignoreEOS)", seed: 7)
        let plan = SimOutputPlan.make(output: profile.output, conversation: request.conversation, model: request.model,
                                      maxTokens: request.maxTokens, ignoreEOS: request.ignoreEOS, allowTools: request.toolsAllowed,
                                      seed: seed, requestHash: requestHash)
        let renderer = SimRenderer(request: request, plan: plan, created: arrival.1 / 1_000_000_000,
                                   idSeed: seed ^ requestHash ^ (index &* 0x2545_F491_4F6C_DD1D))
        let id = nextID
        nextID += 1
        let s = SimStream(id: id, request: request, plan: plan, renderer: renderer, faults: faults, handler: handler, path: path,
                          requestID: requestID, promptTokens: count, promptHash: promptHash, arrivalMono: arrival.0,
                          arrivalUnix: arrival.1, keepTimes: trace != nil)
        if traceContent { s.promptText = promptText }
        streams[id] = s
        handler.streamID = id
        stats.inferenceRequests += 1
        stats.activeStreams += 1
        stats.peakStreams = max(stats.peakStreams, stats.activeStreams)
        if request.stream {
            var h = [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache")]
            if let requestID { h.append(("x-request-id", requestID)) }
            handler.sendStreamHead(headers: h)
        }
        let job = SimJob(id: id, promptTokens: count, outputTokens: plan.tokenCount, blockHashes: blocks)
        if faults.slowFirstTokenNs > 0 {
            loop.scheduleTask(in: .nanoseconds(faults.slowFirstTokenNs)) { [self] in
                guard streams[id] != nil else { return }
                submit(job, now: Self.mono())
            }
        } else {
            submit(job, now: arrival.0)
        }
    }

    func submit(_ job: SimJob, now: Int64) {
        apply(scheduler.submit(job, now: now))
    }

    func apply(_ out: SimSchedulerOutput) {
        for a in out.admitted {
            guard let s = streams[a.id] else { continue }
            s.admittedMono = a.at
            s.cachedTokens = a.cachedTokens
        }
        for t in out.tokens { deliver(t) }
        if let next = out.nextStepAt { setTimer(next) }
    }

    func setTimer(_ at: Int64) {
        timer?.cancel()
        timerDue = at
        let delay = at - Self.mono()
        timer = loop.scheduleTask(deadline: .now() + .nanoseconds(max(0, delay))) { [self] in onTimer() }
    }

    func onTimer() {
        guard let due = timerDue else { return }
        timerDue = nil
        timer = nil
        let now = Self.mono()
        let lag = max(0, now - due)
        stats.steps += 1
        stats.stepLagTotalNs += lag
        stats.stepLagMaxNs = max(stats.stepLagMaxNs, lag)
        var start = due
        if lag > Self.reanchorNs { start = now; stats.reanchoredSteps += 1 }
        apply(scheduler.stepDue(now: start))
    }
}
