import CScan
import Foundation

/// Removes secrets from records before they reach disk.
///
/// On by default: the `Authorization`, `Proxy-Authorization`, `x-api-key`, `api-key`,
/// `x-goog-api-key`, `Cookie` and `Set-Cookie` headers, API-key query parameters, and
/// anything shaped like a provider secret key (`sk-…`, `sk-ant-…`) in any text. Extra
/// headers, JSON paths and regular expressions can be added.
public struct Redactor: Sendable {
    /// What replaces a redacted value.
    public static let placeholder = "[REDACTED]"
    /// Header names redacted by default (lowercase).
    public static let defaultHeaders: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie", "set-cookie",
    ]
    /// Query parameters redacted by default (lowercase).
    public static let defaultQueryParams: Set<String> = ["key", "api_key", "apikey", "access_token", "token"]

    /// Header names to redact, lowercase.
    public var headers: Set<String> {
        // Kept lowercase, so that a lowercase header name is one set lookup.
        didSet {
            if headers.contains(where: Self.hasUppercase) { headers = Set(headers.map { $0.lowercased() }) }
            headerList = Self.list(headers)
        }
    }
    /// ``headers`` as a list when there are few of them (nil otherwise): a header name is then
    /// compared with each, which is cheaper than lowercasing and hashing it.
    private var headerList: [String]?
    /// Query parameter names to redact, lowercase.
    public var queryParams: Set<String>
    /// JSON paths into request and response bodies to redact.
    public var jsonPaths: [JSONPathPattern]
    /// Regular expressions whose matches are redacted from all text.
    public var patterns: [RedactionPattern]
    /// Whether to redact text shaped like provider keys (`sk-…`).
    public var secretKeyHeuristic: Bool

    /// The default rules.
    public init() {
        headers = Self.defaultHeaders
        headerList = Self.list(Self.defaultHeaders)
        queryParams = Self.defaultQueryParams
        jsonPaths = []
        patterns = []
        secretKeyHeuristic = true
    }

    /// A redactor that changes nothing (for tests and re-encoding already-redacted data).
    public static let disabled: Redactor = {
        var r = Redactor()
        r.headers = []; r.queryParams = []; r.secretKeyHeuristic = false
        return r
    }()

    /// Adds rules: header names, dot paths (`metadata.user_id`, `messages.*.content`) and regexes.
    public mutating func add(headers h: [String] = [], jsonPaths p: [String] = [], patterns rx: [String] = []) throws(CassetteError) {
        for n in h { headers.insert(n.lowercased()) }
        for s in p { jsonPaths.append(try JSONPathPattern(s)) }
        for s in rx { patterns.append(try RedactionPattern(s)) }
    }

    /// Redacts an exchange in place.
    public func redact(_ ex: inout Exchange) { redact(&ex, cleanPrefix: [:]) }

    /// Whether redacting a redacted value changes nothing, so that request entries equal to
    /// ones already redacted can be skipped: true unless user patterns are set (a pattern may
    /// match its own placeholder).
    public var skipsResentEntries: Bool { patterns.isEmpty }

    /// Redacts an exchange, leaving alone the first `cleanPrefix[key]` entries of the request
    /// body's `messages`/`input` arrays, which the caller knows to be clean (only valid when
    /// ``skipsResentEntries``).
    public func redact(_ ex: inout Exchange, cleanPrefix: [String: Int]) {
        ex.request.headers = redactHeaders(ex.request.headers)
        ex.request.url = redactURL(ex.request.url)
        if let b = redactedBody(ex.request.body, cleanPrefix: cleanPrefix) { ex.request.body = b }
        if var r = ex.response.take() {  // Taken out, so that changing it copies nothing.
            r.headers = redactHeaders(r.headers)
            // Compressed bodies are opaque bytes: text rules cannot apply to them. The chunk
            // lengths follow a body whose length changed (measuring a JSON body serializes it,
            // so only a changed one is measured).
            if let b = redactedBody(r.body) {
                let before = r.body.count
                r.body = b
                if b.count != before { r.chunks = Self.rechunk(r.chunks, newTotal: b.count) }
            }
            ex.response = r
        }
        if let t = ex.facts.outputText { ex.facts.outputText = redactText(t) }
        ex.facts.toolCalls = ex.facts.toolCalls.map { ToolCall(id: $0.id, name: $0.name, arguments: redactText($0.arguments)) }
        if var m = ex.facts.mcp {
            if let a = m.arguments { m.arguments = redactJSON(a) }
            if let r = m.result { m.result = redactJSON(r) }
            ex.facts.mcp = m
        }
        if let e = ex.error { ex.error = redactText(e) }
    }

    /// Redacts a stdio message in place.
    public func redact(_ m: inout StdioMessage) {
        m.message = redactJSON(m.message)
    }

    /// A JSON-RPC message as it would be recorded: replay redacts a live message this way before
    /// matching it against recorded (redacted) ones.
    public func redacted(message: JSON) -> JSON { redactJSON(message) }

    /// Redacts a header's `meta` in place with the text rules (the secret-key heuristic and
    /// the patterns): it holds command lines (`run`'s agent, `mcp-stdio`'s server), which may
    /// carry a key given as an argument. JSON paths address bodies and messages, not this.
    public func redact(_ h: inout CassetteHeader) {
        guard hasTextRules, let m = mapStrings(.object(h.meta)), case .object(let o) = m else { return }
        h.meta = o
    }

    /// Whether any text rule is active (so callers can skip work).
    var hasTextRules: Bool { secretKeyHeuristic || !patterns.isEmpty }

    func redactHeaders(_ hs: [Header]) -> [Header] {
        var out = hs
        let text = hasTextRules
        for k in hs.indices {
            if isRedactedHeader(hs[k].name) {
                out[k].value = Self.placeholder
            } else if text, let v = redactedText(hs[k].value) {
                out[k].value = v
            }
        }
        return out
    }

    /// Whether a header named `name` (any ASCII case) is one of ``headers``, which are lowercase.
    func isRedactedHeader(_ name: String) -> Bool {
        if let list = headerList {
            let n = name.utf8.count
            for h in list where h.utf8.count == n && Header.sameName(h, name) { return true }
            return false
        }
        return headers.contains(Self.hasUppercase(name) ? name.lowercased() : name)
    }

    static func list(_ names: Set<String>) -> [String]? { names.count <= 16 ? Array(names) : nil }

    static func hasUppercase(_ s: String) -> Bool { s.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } }

    func redactURL(_ url: String) -> String {
        guard let q = url.utf8.firstIndex(of: UInt8(ascii: "?")) else { return redactText(url) }
        let path = url[..<q]
        let params = url[url.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { p -> String in
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv.count == 2, queryParams.contains(kv[0].lowercased()) { return "\(kv[0])=\(Self.placeholder)" }
            return String(p)
        }
        return redactText(String(path) + "?" + params.joined(separator: "&"))
    }

    /// The redacted body, or nil when no rule can have changed it.
    func redactedBody(_ b: Body, cleanPrefix: [String: Int] = [:]) -> Body? {
        switch b {
        case .none, .binary: return nil
        case .json(let v, let layout):
            var v = v
            for p in jsonPaths { p.replace(in: &v, with: .string(Self.placeholder)) }
            let mapped = hasTextRules ? (cleanPrefix.isEmpty ? mapStrings(v) : mapTopLevel(v, skipping: cleanPrefix)) : nil
            if jsonPaths.isEmpty && mapped == nil { return nil }
            return .json(mapped ?? v, layout)
        case .text(let s):
            return redactedText(s).map { .text($0) }
        }
    }

    func redactJSON(_ v: JSON) -> JSON {
        var v = v
        for p in jsonPaths { p.replace(in: &v, with: .string(Self.placeholder)) }
        guard hasTextRules else { return v }
        return mapStrings(v) ?? v
    }

    /// The value with text rules applied to every string, or nil when nothing changed (the
    /// common case: no tree is rebuilt then).
    private func mapStrings(_ v: JSON) -> JSON? {
        switch v {
        case .string(let s): return redactedText(s).map { .string($0) }
        case .array(let a): return mapElements(a).map { .array($0) }
        case .object(let o): return mapElements(o.values).map { .object(JSONObject(uncheckedKeys: o.keys, values: $0)) }
        default: return nil
        }
    }

    /// The elements with text rules applied, or nil when none changed. Elements are read in
    /// place through the buffer, not copied out one by one.
    /// ``mapStrings(_:)`` of an object, with the first `skip[key]` elements of its array members left out.
    private func mapTopLevel(_ v: JSON, skipping skip: [String: Int]) -> JSON? {
        guard case .object(let o) = v else { return mapStrings(v) }
        var values: [JSON]?
        for (i, key) in o.keys.enumerated() {
            let r: JSON?
            if let n = skip[key], case .array(let a) = o.values[i] {
                r = mapElements(a, from: n).map { .array($0) }
            } else {
                r = mapStrings(o.values[i])
            }
            if let r {
                if values == nil { values = o.values }
                values![i] = r  // Set just above.
            }
        }
        return values.map { .object(JSONObject(uncheckedKeys: o.keys, values: $0)) }
    }

    private func mapElements(_ a: [JSON], from start: Int = 0) -> [JSON]? {
        var out: [JSON]?
        a.withUnsafeBufferPointer { b in
            for i in min(start, b.count)..<b.count {
                switch b[i] {
                case .string, .array, .object:
                    if let r = mapStrings(b[i]) {
                        if out == nil { out = a }
                        out![i] = r  // Set just above.
                    }
                default: break
                }
            }
        }
        return out
    }

    /// Applies the secret-key heuristic and the configured patterns to text.
    public func redactText(_ s: String) -> String { redactedText(s) ?? s }

    /// The redacted text, or nil when no rule changed it.
    func redactedText(_ s: String) -> String? {
        var out: String?
        if secretKeyHeuristic { out = SecretScanner.redacted(s, placeholder: Self.placeholder) }
        for p in patterns { if let r = p.applied(out ?? s, placeholder: Self.placeholder) { out = r } }
        return out
    }

    /// Keeps chunk times when a body's length changed: boundaries are scaled to the new total.
    static func rechunk(_ chunks: [Chunk], newTotal: Int) -> [Chunk] {
        guard !chunks.isEmpty else { return chunks }
        var out = chunks
        var remaining = newTotal
        for k in out.indices {
            if k == out.count - 1 { out[k].length = remaining } else {
                let l = min(remaining, out[k].length)
                out[k].length = l
                remaining -= l
            }
        }
        return out
    }
}

/// A user regex for redaction. Wraps `NSRegularExpression`, which is immutable and documented
/// as safe to use from several threads; hence `@unchecked Sendable`.
public struct RedactionPattern: @unchecked Sendable {
    /// The pattern as given.
    public let source: String
    let regex: NSRegularExpression

    /// Compiles a pattern; a bad pattern is an error that quotes it.
    public init(_ pattern: String) throws(CassetteError) {
        source = pattern
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw .schema("redaction pattern \"\(pattern)\" is not a valid regular expression")
        }
    }

    func apply(_ s: String, placeholder: String) -> String { applied(s, placeholder: placeholder) ?? s }

    /// The text with every match replaced, or nil when nothing matched.
    func applied(_ s: String, placeholder: String) -> String? {
        let ns = s as NSString
        let range = NSRange(location: 0, length: ns.length)
        guard regex.firstMatch(in: s, range: range) != nil else { return nil }
        return regex.stringByReplacingMatches(in: s, range: range, withTemplate: NSRegularExpression.escapedTemplate(for: placeholder))
    }
}

/// Finds text shaped like provider secret keys without a regex engine.
enum SecretScanner {
    /// Replaces `sk-` followed by 20 or more key characters (letters, digits, `-`, `_`).
    static func redact(_ s: String, placeholder: String) -> String { redacted(s, placeholder: placeholder) ?? s }

    /// Whether `s` holds `sk-` at all (with room for a key after it): sixteen positions at a
    /// time (`CScan`).
    static func mayHoldKey(_ s: String) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable({ scan($0) }) { return r }
        return Array(s.utf8).withUnsafeBufferPointer { scan($0) }
    }

    private static func scan(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 23, let base = b.baseAddress else { return false }
        return td_find_sk(base, b.count) < b.count
    }

    /// The text with every key replaced, or nil when it holds none.
    static func redacted(_ s: String, placeholder: String) -> String? {
        guard mayHoldKey(s) else { return nil }
        let b = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        var changed = false
        func keyChar(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
        while i < b.count {
            if i + 3 <= b.count, b[i] == UInt8(ascii: "s"), b[i + 1] == UInt8(ascii: "k"), b[i + 2] == UInt8(ascii: "-"),
               i == 0 || !keyChar(b[i - 1]) {
                var j = i + 3
                while j < b.count, keyChar(b[j]) { j += 1 }
                if j - (i + 3) >= 20 {
                    out.append(contentsOf: placeholder.utf8)
                    i = j
                    changed = true
                    continue
                }
            }
            out.append(b[i])
            i += 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : nil
    }
}
