import Foundation

/// Writes exchange records straight to bytes, without building their JSON tree first.
///
/// The bytes are the same as `toJSON(storedRequestBody:).write(into:)`, key for key (a test
/// holds the two together); only the request body, facts' MCP values and other nested JSON
/// values are written through ``JSON/write(into:sortedKeys:)``. Building and freeing the tree
/// of every record, with a string for each number, was a third of the writer's time.
extension Exchange {
    /// Appends this exchange's record (no newline), with the request body in its stored form
    /// when content de-duplication replaced parts of it.
    func writeRecord(into o: inout [UInt8], storedRequestBody: (body: JSONObject, refs: JSONObject)?) {
        RecordBytes.raw("{\"type\":\"exchange\",\"id\":", &o)
        JSON.writeString(id, into: &o)
        RecordBytes.raw(",\"start_unix_ns\":", &o); RecordBytes.int(startUnixNs, &o)
        RecordBytes.raw(",\"start_mono_ns\":", &o); RecordBytes.int(startMonoNs, &o)
        RecordBytes.raw(",\"timing\":{", &o)
        var first = true
        RecordBytes.field("sent_ns", timing.sentNs, &first, &o)
        RecordBytes.field("head_ns", timing.headNs, &first, &o)
        RecordBytes.field("end_ns", timing.endNs, &first, &o)
        o.append(UInt8(ascii: "}"))
        if let u = upstream { RecordBytes.raw(",\"upstream\":", &o); JSON.writeString(u, into: &o) }
        RecordBytes.raw(",\"request\":{\"method\":", &o)
        JSON.writeString(request.method, into: &o)
        RecordBytes.raw(",\"url\":", &o)
        JSON.writeString(request.url, into: &o)
        RecordBytes.raw(",\"headers\":", &o)
        RecordBytes.headers(request.headers, &o)
        if let s = storedRequestBody, case .json(_, let layout) = request.body {
            Body.json(.object(s.body), layout).writeStored(into: &o)
            RecordBytes.raw(",\"body_refs\":", &o)
            JSON.object(s.refs).write(into: &o)
        } else {
            request.body.writeStored(into: &o)
        }
        o.append(UInt8(ascii: "}"))
        if let r = response {
            RecordBytes.raw(",\"response\":{\"status\":", &o)
            RecordBytes.int(Int64(r.status), &o)
            RecordBytes.raw(",\"headers\":", &o)
            RecordBytes.headers(r.headers, &o)
            if let e = r.encoding { RecordBytes.raw(",\"encoding\":", &o); JSON.writeString(e, into: &o) }
            if let raw = r.compactBytes.bytes, case .json(_, .compact) = r.body {
                RecordBytes.raw(",\"body\":", &o)
                o.append(contentsOf: raw)
            } else {
                r.body.writeStored(into: &o)
            }
            RecordBytes.raw(",\"chunks\":[", &o)
            r.chunks.withUnsafeBufferPointer { cs in
                for k in cs.indices {
                    if k > 0 { o.append(UInt8(ascii: ",")) }
                    o.append(UInt8(ascii: "["))
                    RecordBytes.int(Int64(cs[k].length), &o)
                    o.append(UInt8(ascii: ","))
                    RecordBytes.int(cs[k].tNs, &o)
                    o.append(UInt8(ascii: "]"))
                }
            }
            RecordBytes.raw("]}", &o)
        }
        RecordBytes.raw(",\"facts\":", &o)
        facts.writeRecord(into: &o)
        if let v = trajectory { RecordBytes.raw(",\"trajectory\":", &o); JSON.writeString(v, into: &o) }
        if let v = turn { RecordBytes.raw(",\"turn\":", &o); RecordBytes.int(Int64(v), &o) }
        if let v = parent { RecordBytes.raw(",\"parent\":", &o); JSON.writeString(v, into: &o) }
        if let l = link {
            RecordBytes.raw(",\"link\":{\"exchange\":", &o)
            JSON.writeString(l.exchange, into: &o)
            if let c = l.toolCallId { RecordBytes.raw(",\"tool_call_id\":", &o); JSON.writeString(c, into: &o) }
            o.append(UInt8(ascii: "}"))
        }
        RecordBytes.raw(",\"outcome\":", &o)
        JSON.writeString(outcome.rawValue, into: &o)
        if let e = error { RecordBytes.raw(",\"error\":", &o); JSON.writeString(e, into: &o) }
        o.append(UInt8(ascii: "}"))
    }
}

extension ExchangeFacts {
    func writeRecord(into o: inout [UInt8]) {
        RecordBytes.raw("{\"dialect\":", &o)
        JSON.writeString(dialect.rawValue, into: &o)
        if let m = model { RecordBytes.raw(",\"model\":", &o); JSON.writeString(m, into: &o) }
        RecordBytes.raw(stream ? ",\"stream\":true" : ",\"stream\":false", &o)
        if let v = ttftNs { RecordBytes.raw(",\"ttft_ns\":", &o); RecordBytes.int(v, &o) }
        if let v = ttfoNs { RecordBytes.raw(",\"ttfo_ns\":", &o); RecordBytes.int(v, &o) }
        if !tokenNs.isEmpty {
            RecordBytes.raw(",\"token_ns\":[", &o)
            for (k, t) in tokenNs.enumerated() {
                if k > 0 { o.append(UInt8(ascii: ",")) }
                RecordBytes.int(t, &o)
            }
            o.append(UInt8(ascii: "]"))
        }
        if let u = usage {
            RecordBytes.raw(",\"usage\":{\"input\":", &o); RecordBytes.int(Int64(u.input), &o)
            RecordBytes.raw(",\"output\":", &o); RecordBytes.int(Int64(u.output), &o)
            RecordBytes.raw(",\"cached\":", &o); RecordBytes.int(Int64(u.cached), &o)
            RecordBytes.raw(",\"reasoning\":", &o); RecordBytes.int(Int64(u.reasoning), &o)
            o.append(UInt8(ascii: "}"))
            if usageCounted { RecordBytes.raw(",\"usage_counted\":true", &o) }
        }
        if !toolCalls.isEmpty {
            RecordBytes.raw(",\"tool_calls\":[", &o)
            for (k, c) in toolCalls.enumerated() {
                if k > 0 { o.append(UInt8(ascii: ",")) }
                o.append(UInt8(ascii: "{"))
                if let id = c.id { RecordBytes.raw("\"id\":", &o); JSON.writeString(id, into: &o); o.append(UInt8(ascii: ",")) }
                RecordBytes.raw("\"name\":", &o); JSON.writeString(c.name, into: &o)
                RecordBytes.raw(",\"arguments\":", &o); JSON.writeString(c.arguments, into: &o)
                o.append(UInt8(ascii: "}"))
            }
            o.append(UInt8(ascii: "]"))
        }
        if let f = finishReason { RecordBytes.raw(",\"finish_reason\":", &o); JSON.writeString(f, into: &o) }
        if let t = outputText { RecordBytes.raw(",\"output_text\":", &o); JSON.writeString(t, into: &o) }
        if let m = mcp { RecordBytes.raw(",\"mcp\":", &o); m.toJSON().write(into: &o) }
        o.append(UInt8(ascii: "}"))
    }
}

extension Body {
    /// Appends `,"body":…` (with `body_layout`), `,"body_text":…` or `,"body_b64":…`, as ``store(into:)`` adds them.
    func writeStored(into o: inout [UInt8]) {
        switch self {
        case .none: break
        case .json(let v, let layout):
            RecordBytes.raw(",\"body\":", &o)
            v.write(into: &o)
            if layout != .compact { RecordBytes.raw(",\"body_layout\":", &o); JSON.writeString(layout.rawValue, into: &o) }
        case .text(let s):
            RecordBytes.raw(",\"body_text\":", &o)
            JSON.writeString(s, into: &o)
        case .binary(let b):
            RecordBytes.raw(",\"body_b64\":", &o)
            JSON.writeString(Data(b).base64EncodedString(), into: &o)
        }
    }
}

/// Byte-level pieces of record serialization.
enum RecordBytes {
    @inline(__always) static func raw(_ s: StaticString, _ o: inout [UInt8]) {
        o.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of `v`, as `String(v)` writes them.
    @inline(__always) static func int(_ v: Int64, _ o: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            let p = buf.baseAddress!  // Capacity 20: non-nil.
            var m = v.magnitude
            var k = 20
            repeat {
                k -= 1
                p[k] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
                m /= 10
            } while m > 0
            if v < 0 { o.append(UInt8(ascii: "-")) }
            o.append(contentsOf: UnsafeBufferPointer(start: p + k, count: 20 - k))
        }
    }

    /// An optional integer member of an object being written.
    @inline(__always) static func field(_ key: StaticString, _ v: Int64?, _ first: inout Bool, _ o: inout [UInt8]) {
        guard let v else { return }
        if !first { o.append(UInt8(ascii: ",")) }
        first = false
        o.append(UInt8(ascii: "\""))
        raw(key, &o)
        raw("\":", &o)
        int(v, &o)
    }

    static func headers(_ h: [Header], _ o: inout [UInt8]) {
        o.append(UInt8(ascii: "["))
        for (k, x) in h.enumerated() {
            if k > 0 { o.append(UInt8(ascii: ",")) }
            o.append(UInt8(ascii: "["))
            JSON.writeString(x.name, into: &o)
            o.append(UInt8(ascii: ","))
            JSON.writeString(x.value, into: &o)
            o.append(UInt8(ascii: "]"))
        }
        o.append(UInt8(ascii: "]"))
    }
}
