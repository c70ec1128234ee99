import Foundation

/// Converts exchanges to and from HAR 1.2, the HTTP Archive format of browsers and mitmproxy.
///
/// Export writes standard fields (readable by Chrome DevTools and mitmproxy) plus a
/// `_tapedeck` field per entry holding the full exchange, so that a round trip through HAR
/// gives equal exchanges. Import uses `_tapedeck` when present and otherwise builds
/// exchanges from the standard fields, deriving facts from the bodies.
public enum HAR {
    /// A HAR document holding `exchanges` (and, in `_tapedeck`, the header and stdio messages).
    public static func export(header: CassetteHeader?, exchanges: [Exchange], messages: [StdioMessage] = [], toolVersion: String) -> JSON {
        var log = JSONObject()
        log["version"] = "1.2"
        log["creator"] = .obj([("name", "tapedeck"), ("version", .string(toolVersion))])
        log["pages"] = .array([])
        log["entries"] = .array(exchanges.map(entry))
        var extra = JSONObject()
        if let header { extra["header"] = Record.header(header).toJSON() }
        if !messages.isEmpty { extra["messages"] = .array(messages.map { Record.message($0).toJSON() }) }
        if !extra.isEmpty { log["_tapedeck"] = .object(extra) }
        return .obj([("log", .object(log))])
    }

    static func ms(_ ns: Int64?) -> JSON {
        guard let ns else { return .int(-1) }
        return .double((Double(ns) / 1e6 * 1000).rounded() / 1000)
    }

    static func entry(_ ex: Exchange) -> JSON {
        let url = ex.upstream ?? ("http://localhost" + ex.request.url)
        var rq = JSONObject()
        rq["method"] = .string(ex.request.method)
        rq["url"] = .string(url)
        rq["httpVersion"] = "HTTP/1.1"
        rq["cookies"] = .array([])
        rq["headers"] = headers(ex.request.headers)
        rq["queryString"] = .array(query(url))
        if ex.request.body != .none {
            rq["postData"] = .obj([("mimeType", .string(ex.request.headers.first("content-type") ?? "application/json")),
                                   ("text", .string(ex.request.body.textValue ?? ""))])
        }
        rq["headersSize"] = -1
        rq["bodySize"] = .int(ex.request.body.count)
        var rs = JSONObject()
        let r = ex.response
        rs["status"] = .int(r?.status ?? 0)
        rs["statusText"] = .string(r.map { statusText($0.status) } ?? "")
        rs["httpVersion"] = "HTTP/1.1"
        rs["cookies"] = .array([])
        rs["headers"] = headers(r?.headers ?? [])
        var content = JSONObject()
        content["size"] = .int(r?.body.count ?? 0)
        content["mimeType"] = .string(r?.headers.first("content-type") ?? "application/octet-stream")
        if let b = r?.body {
            if let t = b.textValue { content["text"] = .string(t) } else {
                content["text"] = .string(Data(b.bytes).base64EncodedString())
                content["encoding"] = "base64"
            }
        }
        rs["content"] = .object(content)
        rs["redirectURL"] = .string(r?.headers.first("location") ?? "")
        rs["headersSize"] = -1
        rs["bodySize"] = .int(r?.body.count ?? 0)
        let sent = ex.timing.sentNs ?? 0
        let head = ex.timing.headNs
        let end = ex.timing.endNs
        var timings = JSONObject()
        for k in ["blocked", "dns", "connect", "ssl"] { timings[k] = -1 }
        timings["send"] = ms(sent)
        timings["wait"] = ms(head.map { $0 - sent } ?? 0)
        timings["receive"] = ms(head.flatMap { h in end.map { $0 - h } } ?? 0)
        var e = JSONObject()
        e["startedDateTime"] = .string(ISOTime.format(unixNs: ex.startUnixNs))
        e["time"] = ms(end ?? 0)
        e["request"] = .object(rq)
        e["response"] = .object(rs)
        e["cache"] = .object(JSONObject())
        e["timings"] = .object(timings)
        e["_tapedeck"] = ex.toJSON()
        return .object(e)
    }

    static func headers(_ h: [Header]) -> JSON {
        .array(h.map { .obj([("name", .string($0.name)), ("value", .string($0.value))]) })
    }

    static func query(_ url: String) -> [JSON] {
        guard let q = url.firstIndex(of: "?") else { return [] }
        return url[url.index(after: q)...].split(separator: "&").map { p in
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return .obj([("name", .string(String(kv[0]))), ("value", .string(kv.count > 1 ? String(kv[1]) : ""))])
        }
    }

    static func statusText(_ s: Int) -> String {
        switch s {
        case 200: return "OK"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return ""
        }
    }

    /// What an import produced.
    public struct Imported: Sendable {
        /// The header carried in the HAR, if it came from tapedeck.
        public var header: CassetteHeader?
        /// The exchanges.
        public var exchanges: [Exchange]
        /// Stdio messages carried in the HAR.
        public var messages: [StdioMessage]
    }

    /// Reads a HAR document. Entries from tapedeck come back exactly; others are rebuilt.
    public static func `import`(_ doc: JSON) throws(CassetteError) -> Imported {
        guard let log = doc["log"], let entries = log["entries"]?.arrayValue else {
            throw .schema("not a HAR file: expected an object with \"log\".\"entries\"")
        }
        var out = Imported(header: nil, exchanges: [], messages: [])
        if let h = log["_tapedeck"]?["header"], case .header(let hdr)? = try? Record(json: h) { out.header = hdr }
        for m in log["_tapedeck"]?["messages"]?.arrayValue ?? [] {
            if case .message(let msg)? = try? Record(json: m) { out.messages.append(msg) }
        }
        for (k, e) in entries.enumerated() {
            if let t = e["_tapedeck"] {
                out.exchanges.append(try Exchange(json: t))
            } else {
                out.exchanges.append(try rebuild(e, index: k))
            }
        }
        return out
    }

    static func fromMs(_ v: JSON?) -> Int64? {
        guard let d = v?.doubleValue, d >= 0 else { return nil }
        return Int64((d * 1e6).rounded())
    }

    static func rebuild(_ e: JSON, index: Int) throws(CassetteError) -> Exchange {
        guard let rq = e["request"], let method = rq["method"]?.stringValue, let url = rq["url"]?.stringValue else {
            throw .schema("HAR entry \(index) has no request method and url")
        }
        let start = e["startedDateTime"]?.stringValue.flatMap(ISOTime.parse) ?? 0
        var path = url
        if let r = url.range(of: "://"), let slash = url[r.upperBound...].firstIndex(of: "/") { path = String(url[slash...]) }
        let reqHeaders = (rq["headers"]?.arrayValue ?? []).compactMap { h -> Header? in
            guard let n = h["name"]?.stringValue, let v = h["value"]?.stringValue else { return nil }
            return Header(n, v)
        }
        let reqBytes = Array((rq["postData"]?["text"]?.stringValue ?? "").utf8)
        var ex = Exchange(id: String(format: "h%06d", index + 1), startUnixNs: start, startMonoNs: start,
                          request: RequestRecord(method: method, url: path, headers: reqHeaders, body: Body(bytes: reqBytes)))
        ex.upstream = url
        let t = e["timings"]
        let send = fromMs(t?["send"]) ?? 0
        let wait = fromMs(t?["wait"]) ?? 0
        let recv = fromMs(t?["receive"]) ?? 0
        ex.timing = Timing(sentNs: send, headNs: send + wait, endNs: send + wait + recv)
        let info = RequestInfo(method: method, path: path, body: ex.request.body.jsonValue)
        var analyzer = ResponseAnalyzer(request: info, mcpParams: ex.request.body.jsonValue?["params"])
        if let rs = e["response"], let status = rs["status"]?.intValue, status > 0 {
            let hs = (rs["headers"]?.arrayValue ?? []).compactMap { h -> Header? in
                guard let n = h["name"]?.stringValue, let v = h["value"]?.stringValue else { return nil }
                return Header(n, v)
            }
            var bytes: [UInt8] = []
            if let text = rs["content"]?["text"]?.stringValue {
                if rs["content"]?["encoding"]?.stringValue == "base64" { bytes = [UInt8](Data(base64Encoded: text) ?? Data()) } else { bytes = Array(text.utf8) }
            }
            let ct = hs.first("content-type") ?? rs["content"]?["mimeType"]?.stringValue
            analyzer.head(status: status, contentType: ct, contentEncoding: nil)
            let tHead = ex.timing.headNs ?? 0
            analyzer.ingest(bytes, tNs: tHead)
            ex.response = ResponseRecord(status: status, headers: hs, body: Body(bytes: bytes),
                                         chunks: bytes.isEmpty ? [] : [Chunk(length: bytes.count, tNs: tHead)])
            analyzer.finish(body: bytes, endNs: ex.timing.endNs)
        } else {
            ex.outcome = .upstreamError
            ex.error = "no response in HAR entry"
            analyzer.finish()
        }
        ex.facts = analyzer.facts
        return ex
    }
}
