import Cassette
import NIOCore
import NIOHTTP1

extension SimEngine {
    /// Delivers one token event to its stream: render, write (or hold), apply faults.
    func deliver(_ t: SimTokenEvent) {
        guard let s = streams[t.id] else { return }
        s.generated = t.index + 1
        if s.firstTokenMono == nil { s.firstTokenMono = Self.mono() }
        if s.request.stream {
            var b = s.render(index: t.index, last: t.last)
            if s.isHeld {
                s.hold(&b, tokens: 1, end: t.last)
            } else {
                write(s, b, tokens: 1, end: t.last)
            }
            if t.last { return }
            if let d = s.faults.disconnectAfter, s.generated == d { return abort(s) }
            if let st = s.faults.stallAfter, s.generated == st, s.heldUntil == nil { stall(s) }
        } else {
            if trace != nil { s.tokenMono.append(Self.mono()) }
            s.written += 1
            stats.tokenEvents += 1
            if let d = s.faults.disconnectAfter, s.generated == d, !t.last { return abort(s) }
            guard t.last else { return }
            if let st = s.faults.stallAfter, st <= s.generated, s.faults.stallNs > 0 {
                let id = s.id
                loop.scheduleTask(in: .nanoseconds(s.faults.stallNs)) { [self] in
                    if let s = streams[id] { respondWhole(s) }
                }
            } else {
                respondWhole(s)
            }
        }
    }

    func respondWhole(_ s: SimStream) {
        var body = s.renderer.body(usage: s.usage)
        if s.faults.malformedAfter != nil { body = Array(body.prefix(body.count / 2)) }
        var h: [(String, String)] = []
        if let r = s.requestID { h.append(("x-request-id", r)) }
        stats.bodyBytes += body.count
        s.handler.respond(status: .ok, headers: h, body: body)
        finish(s, outcome: "complete", status: 200)
    }

    func write(_ s: SimStream, _ b: ByteBuffer, tokens: Int, end: Bool) {
        stats.bodyBytes += b.readableBytes
        s.handler.sendBody(b)
        if trace != nil {
            let now = Self.mono()
            for _ in 0..<tokens { s.tokenMono.append(now) }
        }
        s.written += tokens
        stats.tokenEvents += tokens
        if end {
            finish(s, outcome: "complete", status: 200)
            s.handler.responseEnded()
        }
    }

    /// Writes a stream's held bytes once its socket drains and no stall holds it.
    func drain(_ id: UInt64) {
        guard let s = streams[id], s.heldUntil == nil, s.handler.isWritable, let p = s.pending else { return }
        s.pending = nil
        let n = s.pendingTokens, end = s.pendingEnd
        s.pendingTokens = 0
        s.pendingEnd = false
        write(s, p, tokens: n, end: end)
    }

    func stall(_ s: SimStream) {
        s.heldUntil = Self.mono() + s.faults.stallNs
        let id = s.id
        loop.scheduleTask(in: .nanoseconds(s.faults.stallNs)) { [self] in
            guard let s = streams[id] else { return }
            s.heldUntil = nil
            drain(id)
        }
    }

    /// Fault: close the connection in mid-response.
    func abort(_ s: SimStream) {
        scheduler.cancel(id: s.id)
        finish(s, outcome: "fault_disconnect", status: 200)
        s.handler.abort()
    }

    /// The client closed its connection.
    func clientGone(_ id: UInt64) {
        guard let s = streams[id] else { return }
        scheduler.cancel(id: id)
        stats.clientDisconnects += 1
        finish(s, outcome: "client_disconnect", status: 200)
    }

    func finish(_ s: SimStream, outcome: String, status: Int) {
        guard !s.done else { return }
        s.done = true
        streams[s.id] = nil
        if s.handler.streamID == s.id { s.handler.streamID = nil }
        stats.activeStreams -= 1
        if outcome == "complete" { stats.completed += 1 }
        if let trace { trace.append(traceRecord(s, outcome: outcome, status: status)) }
    }

    func traceRecord(_ s: SimStream, outcome: String, status: Int) -> JSONObject {
        let end = Self.mono()
        func n(_ v: Int64) -> JSON { .number(JSONNumber(text: String(v))) }
        func unix(_ m: Int64) -> Int64 { s.arrivalUnix + (m - s.arrivalMono) }
        var r = JSONObject()
        r["id"] = n(Int64(s.id))
        r["request_id"] = s.requestID.map(JSON.string) ?? .null
        r["response_id"] = .string(s.renderer.responseID)
        r["path"] = .string(s.path)
        r["dialect"] = .string(s.request.dialect.rawValue)
        r["model"] = .string(s.request.model)
        r["stream"] = .bool(s.request.stream)
        r["status"] = .int(status)
        r["outcome"] = .string(outcome)
        r["prompt_tokens"] = .int(s.promptTokens)
        r["cached_tokens"] = .int(s.cachedTokens)
        r["output_tokens"] = .int(s.written)
        r["planned_output_tokens"] = .int(s.plan.tokenCount)
        r["finish_reason"] = .string(s.renderer.finishReason(emitted: s.generated))
        r["prompt_hash"] = .string(SimIDs.hex(s.promptHash))
        r["faults"] = .array(s.faults.names.map(JSON.string))
        r["arrival_mono_ns"] = n(s.arrivalMono)
        r["arrival_unix_ns"] = n(s.arrivalUnix)
        r["admitted_mono_ns"] = s.admittedMono.map(n) ?? .null
        r["first_token_mono_ns"] = s.tokenMono.first.map(n) ?? .null
        r["first_token_unix_ns"] = s.tokenMono.first.map { n(unix($0)) } ?? .null
        r["end_mono_ns"] = n(end)
        r["end_unix_ns"] = n(unix(end))
        r["token_mono_ns"] = .array(s.tokenMono.map(n))
        r["token_unix_ns"] = .array(s.tokenMono.map { n(unix($0)) })
        if traceContent {
            r["prompt"] = .string(s.promptText ?? "")
            r["output"] = .string(s.plan.fullText(upTo: s.generated))
            if s.plan.openedToolCalls(upTo: s.generated) > 0 {
                r["tool_calls"] = .array((0..<s.plan.openedToolCalls(upTo: s.generated)).map { k in
                    .obj([("name", .string(s.plan.toolCalls[k].name)), ("arguments", .string(s.plan.arguments(of: k, upTo: s.generated)))])
                })
            }
        }
        return r
    }
}

extension SimFaultPlan {
    /// The names of the faults in the plan, for the trace.
    var names: [String] {
        var out: [String] = []
        if errorStatus != nil { out.append("error") }
        if retryAfterSeconds != nil { out.append("rate_limit") }
        if slowFirstTokenNs > 0 { out.append("slow_first_token") }
        if disconnectAfter != nil { out.append("disconnect") }
        if malformedAfter != nil { out.append("malformed") }
        if stallAfter != nil { out.append("stall") }
        return out
    }
}
