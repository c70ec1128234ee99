import Cassette
import NIOCore

extension LoadAgent {
    /// Ends the request in flight: records it, then moves to the next turn after its gap.
    func finish(error: String? = nil, detail: String? = nil, at t: Int64) {
        guard var f = flight else { return }
        flight = nil
        f.timeout?.cancel()
        f.analyzer.finish(endNs: t)
        var kind = error
        var detailText = detail
        if kind == nil, let s = f.status, s != 200 {
            kind = "http_\(s)"
            detailText = String(decoding: f.errorBody, as: UTF8.self).split(separator: "\n").first.map(String.init)
        } else if kind == nil, !f.eventStream {
            kind = "not_streamed"
            detailText = "the server answered without text/event-stream although stream was true"
        } else if kind == nil, !f.analyzer.sawTerminalEvent {
            kind = "incomplete"
            detailText = "the stream ended without its final event"
        }
        let facts = f.analyzer.facts
        let r = RequestResult(
            agent: index, trajectory: trajectoryIndex, instance: instance, turn: turnIndex, requestId: f.requestId,
            scheduledNs: f.scheduledNs, connectNs: f.connectNs, connectedNs: f.connectNs.map { _ in f.readyConnectedNs }, sentNs: f.sentNs, headNs: f.headNs,
            firstTokenNs: facts.ttftNs, firstOutputNs: facts.ttfoNs, tokenEventNs: facts.tokenNs, endNs: t,
            status: f.status, errorKind: kind, errorDetail: detailText,
            outputTokens: facts.usage?.output ?? facts.tokenNs.count, inputTokens: facts.usage?.input ?? 0,
            cachedTokens: facts.usage?.cached ?? 0, reasoningTokens: facts.usage?.reasoning ?? 0,
            usageCounted: facts.usageCounted || facts.usage == nil, finishReason: facts.finishReason,
            bytesSent: f.bytesSent, bytesReceived: f.bytesIn, events: f.analyzer.eventCount, readyNs: f.readyNs)
        if kind == nil, ctx.config.history == .live { live[turnIndex] = facts.outputText ?? "" }
        channelIdleSince = t
        if parser.state == .closed { dropChannel() }
        let goOn = ctx.shared.completed(r, wasInFlight: true, events: f.analyzer.eventCount)
        if goOn { advance(failed: kind != nil, at: t) }
    }

    /// Records a request that could not be sent (no connection) and moves on.
    func failUnsent(kind: String, detail: String) {
        let t = MonoClock.now()
        let r = RequestResult(
            agent: index, trajectory: trajectoryIndex, instance: instance, turn: turnIndex, requestId: "",
            scheduledNs: dueNs, connectNs: nil, connectedNs: nil, sentNs: t, headNs: nil, firstTokenNs: nil, firstOutputNs: nil,
            tokenEventNs: [], endNs: t, status: nil, errorKind: kind, errorDetail: detail, outputTokens: 0, inputTokens: 0,
            cachedTokens: 0, reasoningTokens: 0, usageCounted: false, finishReason: nil, bytesSent: 0, bytesReceived: 0,
            events: 0, readyNs: t)
        if ctx.shared.completed(r, wasInFlight: false, events: 0) { advance(failed: true, at: t) }
    }

    /// Moves to the next turn (after its gap) or the next trajectory (at once).
    func advance(failed: Bool, at t: Int64) {
        let traj = trajectory
        let gap = ctx.config.gaps.apply(traj.turns[turnIndex].gapAfterNs)
        turnIndex += 1
        var due = t + gap
        if turnIndex >= traj.turns.count {
            ctx.shared.trajectoryCompleted(agent: index)
            instance += 1
            turnIndex = 0
            newInstance()
            due = t
        }
        if failed { due = max(due, t + ctx.config.errorBackoffNs) }
        plan(due: due)
    }

    /// Stops the agent: cancels timers and closes its connection; a request in flight is abandoned.
    func stop() {
        stopped = true
        timer?.cancel()
        if let f = flight {
            f.timeout?.cancel()
            flight = nil
            ctx.shared.abandoned()
        }
        dropChannel()
    }
}
