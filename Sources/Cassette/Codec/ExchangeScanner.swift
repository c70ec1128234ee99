import Foundation

/// The fast path had to give up on a record; the decoder reads it through the JSON tree, which
/// gives the authoritative result or error.
struct FastPathMiss: Error {}

/// Decodes exchange records straight from their bytes into ``Exchange`` values.
///
/// The tree path parses a record into a ``JSON`` value and then picks it apart; for the
/// skeleton of an exchange (timing, headers, chunk boundaries, token times, facts) that
/// means an allocation for every pair and a string for every number, then freeing it all.
/// Here the skeleton is read field by field and only bodies and MCP values become trees.
/// It handles exactly the shapes the writer produces; anything else (a type it does not
/// expect, an escaped key, a number with a fraction) is a ``FastPathMiss`` and the record goes
/// through the tree path, so results and error messages are the tree path's in every case.
enum ExchangeScanner {
    /// Decodes one exchange record line, expanding its blob references. Misses on any other
    /// record type, on an unusual shape, and on any error.
    /// `p` is a parser to reuse; it is pointed at `line`.
    static func decode(_ line: UnsafeRawBufferPointer, parser p: inout JSONParser, blobs: [BlobName: JSON],
                       lists: inout ContentDedup.ListTable) throws(FastPathMiss) -> Exchange {
        p.reset(line)
        try p.open(UInt8(ascii: "{"))
        guard try p.key() == .type, try p.string() == "exchange" else { throw FastPathMiss() }
        var id: String?, startUnix: Int64?, startMono: Int64 = 0
        var timing = Timing(), upstream: String?, trajectory: String?, turn: Int?, parent: String?
        var link: ToolLink?, outcome: Outcome?, error: String?
        var rq = RequestParts(), rs = ResponseParts()
        var facts = ExchangeFacts()
        try p.members(after: true) { k, p throws(FastPathMiss) in  // "type" was the first member.
            switch k {
            case .id: id = try p.string()
            case .startUnixNs: startUnix = try p.int64()
            case .startMonoNs: startMono = try p.int64()
            case .timing:
                timing = Timing()
                try p.members { k, p throws(FastPathMiss) in
                    switch k {
                    case .sentNs: timing.sentNs = try p.int64()
                    case .headNs: timing.headNs = try p.int64()
                    case .endNs: timing.endNs = try p.int64()
                    default: try p.skip()
                    }
                }
            case .upstream: upstream = try p.string()
            case .request:
                rq = RequestParts()
                rq.seen = true
                try p.members { k, p throws(FastPathMiss) in
                    switch k {
                    case .method: rq.method = try p.string()
                    case .url: rq.url = try p.string()
                    case .headers: rq.headers = try p.headers()
                    case .bodyRefs: rq.refs = try p.bodyRefs()
                    default: if try !rq.body.take(k, &p) { try p.skip() }
                    }
                }
            case .response:
                rs = ResponseParts()
                rs.seen = true
                try p.members { k, p throws(FastPathMiss) in
                    switch k {
                    case .status: rs.status = Int(try p.int64())
                    case .headers: rs.headers = try p.headers()
                    case .encoding: rs.encoding = try p.string()
                    case .chunks: rs.chunks = try p.chunks()
                    default: if try !rs.body.take(k, &p) { try p.skip() }
                    }
                }
            case .facts: facts = try p.facts()
            case .trajectory: trajectory = try p.string()
            case .turn: turn = Int(try p.int64())
            case .parent: parent = try p.string()
            case .link:
                var ex: String?, call: String?
                try p.members { k, p throws(FastPathMiss) in
                    switch k {
                    case .exchange: ex = try p.string()
                    case .toolCallId: call = try p.string()
                    default: try p.skip()
                    }
                }
                link = ex.map { ToolLink(exchange: $0, toolCallId: call) }
            case .outcome:
                guard let o = Outcome(rawValue: try p.string()) else { throw FastPathMiss() }
                outcome = o
            case .error: error = try p.string()
            default: try p.skip()
            }
        }
        p.skipWS()
        guard p.i == p.end, let id, let startUnix, rq.seen, let method = rq.method, let url = rq.url, let outcome else { throw FastPathMiss() }
        let reqBody: Body
        if let refs = rq.refs {
            guard case .object(var stored)? = rq.body.json, let layout = JSONLayout(rawValue: rq.body.layout ?? "compact") else { throw FastPathMiss() }
            rq.body.json = nil  // `stored` is then the tree's only owner, and is filled in place.
            do { try ContentDedup.join(&stored, refs: refs, table: blobs, lists: &lists) } catch { throw FastPathMiss() }
            reqBody = .json(.object(stored), layout)
        } else {
            reqBody = try rq.body.body()
        }
        var ex = Exchange(id: id, startUnixNs: startUnix, startMonoNs: startMono,
                          request: RequestRecord(method: method, url: url, headers: rq.headers, body: reqBody))
        ex.timing = timing
        ex.upstream = upstream
        if rs.seen {
            guard let status = rs.status else { throw FastPathMiss() }
            let body = try rs.body.body()
            if !rs.chunks.isEmpty {
                var total = 0
                for c in rs.chunks { total += c.length }
                guard total == body.count else { throw FastPathMiss() }
            }
            ex.response = ResponseRecord(status: status, headers: rs.headers, body: body, chunks: rs.chunks, encoding: rs.encoding)
        }
        ex.facts = facts
        ex.trajectory = trajectory
        ex.turn = turn
        ex.parent = parent
        ex.link = link
        ex.outcome = outcome
        ex.error = error
        return ex
    }

    struct RequestParts {
        var seen = false
        var method: String?, url: String?
        var headers: [Header] = []
        var body = StoredBody()
        var refs: [(key: String, ref: ContentDedup.Ref)]?
    }

    struct ResponseParts {
        var seen = false
        var status: Int?
        var headers: [Header] = []
        var body = StoredBody()
        var chunks: [Chunk] = []
        var encoding: String?
    }

    /// Reads a blob record line into `blobs`; misses on any other line.
    static func absorbBlob(_ line: UnsafeRawBufferPointer, parser p: inout JSONParser, into blobs: inout [BlobName: JSON]) throws(FastPathMiss) {
        p.reset(line)
        try p.open(UInt8(ascii: "{"))
        guard try p.key() == .type, try p.string() == "blob" else { throw FastPathMiss() }
        var hash: String?, value: JSON?
        try p.members(after: true) { k, p throws(FastPathMiss) in
            switch k {
            case .hash: hash = try p.string()
            case .value: value = try p.value()
            default: try p.skip()
            }
        }
        p.skipWS()
        guard p.i == p.end, let hash, let value else { throw FastPathMiss() }
        blobs[BlobName(hash)] = value
    }

    /// The body members of a request or response, as stored.
    struct StoredBody {
        var json: JSON?
        var layout: String?
        var text: String?
        var b64: String?

        /// Reads the value of `k` when it is a body member; false for other keys.
        mutating func take(_ k: Key, _ p: inout JSONParser) throws(FastPathMiss) -> Bool {
            switch k {
            case .body: json = try p.value()
            case .bodyLayout: layout = try p.string()
            case .bodyText: text = try p.string()
            case .bodyB64: b64 = try p.string()
            default: return false
            }
            return true
        }

        /// The body, with the tree path's precedence: `body`, then `body_text`, then `body_b64`.
        func body() throws(FastPathMiss) -> Body {
            if let json {
                guard let layout = JSONLayout(rawValue: layout ?? "compact") else { throw FastPathMiss() }
                return .json(json, layout)
            }
            if let text { return .text(text) }
            if let b64 {
                guard let d = Data(base64Encoded: b64) else { throw FastPathMiss() }
                return .binary([UInt8](d))
            }
            return .none
        }
    }
}

/// Cursor-style reading for the fast path: each call consumes one token or value.
extension JSONParser {
    /// Consumes `c` (after whitespace).
    @inline(__always) mutating func open(_ c: UInt8) throws(FastPathMiss) {
        skipWS()
        guard i < end, byte(i) == c else { throw FastPathMiss() }
        i += 1
    }

    /// Whether another member or element follows before `close`: consumes the comma before it,
    /// or the closing byte when there is none. `first` is true before the first member.
    mutating func more(_ close: UInt8, _ first: inout Bool) throws(FastPathMiss) -> Bool {
        skipWS()
        guard i < end else { throw FastPathMiss() }
        let c = byte(i)
        if first {
            first = false
            if c == close { i += 1; return false }
            return true
        }
        if c == close { i += 1; return false }
        guard c == UInt8(ascii: ",") else { throw FastPathMiss() }
        i += 1
        return true
    }

    /// Reads an object member by member: `each` gets every key and must consume its value.
    /// With `after`, the object is open and its first member already read.
    @inline(__always)
    mutating func members(after: Bool = false, _ each: (ExchangeScanner.Key, inout JSONParser) throws(FastPathMiss) -> Void) throws(FastPathMiss) {
        if !after { try open(UInt8(ascii: "{")) }
        var first = !after
        while try more(UInt8(ascii: "}"), &first) { try each(try key(), &self) }
    }

    /// Reads an array element by element: `each` must consume one element.
    @inline(__always)
    mutating func elements(_ each: (inout JSONParser) throws(FastPathMiss) -> Void) throws(FastPathMiss) {
        try open(UInt8(ascii: "["))
        var first = true
        while try more(UInt8(ascii: "]"), &first) { try each(&self) }
    }

    /// A string value.
    mutating func string() throws(FastPathMiss) -> String {
        skipWS()
        guard i < end, byte(i) == UInt8(ascii: "\"") else { throw FastPathMiss() }
        do { return try parseString() } catch { throw FastPathMiss() }
    }

    /// An integer written as plain digits, as the writer writes every integer.
    mutating func int64() throws(FastPathMiss) -> Int64 {
        skipWS()
        guard i < end else { throw FastPathMiss() }
        let negative = byte(i) == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        var v: Int64 = 0
        // Eighteen digits cannot overflow: no checks until then (timings have nine or ten).
        let unchecked = min(end, i + 18)
        while i < unchecked {
            let d = byte(i) &- 0x30
            guard d < 10 else { break }
            v = v &* 10 &+ Int64(d)
            i += 1
        }
        while i < end {
            let d = byte(i) &- 0x30
            guard d < 10 else { break }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1, !o2 else { throw FastPathMiss() }
            v = s
            i += 1
        }
        let n = i - start
        guard n > 0, n == 1 || byte(start) != UInt8(ascii: "0") else { throw FastPathMiss() }
        if i < end {
            let c = byte(i)
            guard c != UInt8(ascii: "."), c | 0x20 != UInt8(ascii: "e") else { throw FastPathMiss() }
        }
        return negative ? -v : v
    }

    /// `true` or `false`.
    mutating func bool() throws(FastPathMiss) -> Bool {
        skipWS()
        guard case .bool(let b) = try value() else { throw FastPathMiss() }
        return b
    }

    /// Any value, as a tree.
    mutating func value() throws(FastPathMiss) -> JSON {
        skipWS()
        do { return try parseValue(depth: 1) } catch { throw FastPathMiss() }
    }

    /// Reads a value and drops it.
    mutating func skip() throws(FastPathMiss) { _ = try value() }

    /// `body_refs`: member names kept as written, values read as blob names (a string, a list of
    /// them, or `{"base": name, "add": [names]}`) without building a tree.
    mutating func bodyRefs() throws(FastPathMiss) -> [(key: String, ref: ContentDedup.Ref)] {
        var out: [(key: String, ref: ContentDedup.Ref)] = []
        try open(UInt8(ascii: "{"))
        var first = true
        while try more(UInt8(ascii: "}"), &first) {
            let key = try string()
            try open(UInt8(ascii: ":"))
            skipWS()
            guard i < end else { throw FastPathMiss() }
            switch byte(i) {
            case UInt8(ascii: "\""): out.append((key, .blob(BlobName(try string()))))
            case UInt8(ascii: "["): out.append((key, .list(base: .empty, add: try blobNames())))
            default:
                var base: BlobName?, add: [BlobName]?
                try members { k, p throws(FastPathMiss) in
                    switch k {
                    case .base: base = BlobName(try p.string())
                    case .add: add = try p.blobNames()
                    default: throw FastPathMiss()
                    }
                }
                guard let base, let add else { throw FastPathMiss() }
                out.append((key, .list(base: base, add: add)))
            }
        }
        return out
    }

    /// An array of blob names.
    mutating func blobNames() throws(FastPathMiss) -> [BlobName] {
        var names: [BlobName] = []
        try elements { p throws(FastPathMiss) in names.append(BlobName(try p.string())) }
        return names
    }

    /// `[[name, value], …]`.
    mutating func headers() throws(FastPathMiss) -> [Header] {
        var out: [Header] = []
        try elements { p throws(FastPathMiss) in
            try p.open(UInt8(ascii: "["))
            let n = try p.string()
            try p.open(UInt8(ascii: ","))
            let v = try p.string()
            try p.open(UInt8(ascii: "]"))
            out.append(Header(n, v))
        }
        return out
    }

    /// `[[length, t_ns], …]`.
    mutating func chunks() throws(FastPathMiss) -> [Chunk] {
        var out: [Chunk] = []
        out.reserveCapacity(64)
        try elements { p throws(FastPathMiss) in
            try p.open(UInt8(ascii: "["))
            let l = try p.int64()
            try p.open(UInt8(ascii: ","))
            let t = try p.int64()
            try p.open(UInt8(ascii: "]"))
            out.append(Chunk(length: Int(l), tNs: t))
        }
        return out
    }

    /// The facts object.
    mutating func facts() throws(FastPathMiss) -> ExchangeFacts {
        var f = ExchangeFacts()
        try members { k, p throws(FastPathMiss) in
            switch k {
            case .dialect:
                guard let d = Dialect(rawValue: try p.string()) else { throw FastPathMiss() }
                f.dialect = d
            case .model: f.model = try p.string()
            case .stream: f.stream = try p.bool()
            case .ttftNs: f.ttftNs = try p.int64()
            case .ttfoNs: f.ttfoNs = try p.int64()
            case .tokenNs:
                var t: [Int64] = []
                t.reserveCapacity(64)
                try p.elements { p throws(FastPathMiss) in t.append(try p.int64()) }
                f.tokenNs = t
            case .usage:
                var u = Usage(input: 0, output: 0, cached: 0, reasoning: 0)
                try p.members { k, p throws(FastPathMiss) in
                    switch k {
                    case .input: u.input = Int(try p.int64())
                    case .output: u.output = Int(try p.int64())
                    case .cached: u.cached = Int(try p.int64())
                    case .reasoning: u.reasoning = Int(try p.int64())
                    default: try p.skip()
                    }
                }
                f.usage = u
            case .usageCounted: f.usageCounted = try p.bool()
            case .toolCalls:
                var calls: [ToolCall] = []
                try p.elements { p throws(FastPathMiss) in
                    var id: String?, name = "", arguments = ""
                    try p.members { k, p throws(FastPathMiss) in
                        switch k {
                        case .id: id = try p.string()
                        case .name: name = try p.string()
                        case .arguments: arguments = try p.string()
                        default: try p.skip()
                        }
                    }
                    calls.append(ToolCall(id: id, name: name, arguments: arguments))
                }
                f.toolCalls = calls
            case .finishReason: f.finishReason = try p.string()
            case .outputText: f.outputText = try p.string()
            case .mcp: f.mcp = MCPFacts(json: try p.value())
            default: try p.skip()
            }
        }
        return f
    }
}
