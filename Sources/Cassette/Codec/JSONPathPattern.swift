/// A dot path into a JSON value, with `*` matching every array element or object member.
///
/// Accepts `metadata.user_id`, `$.metadata.user_id`, `messages.*.content` and `a[0].b`.
public struct JSONPathPattern: Sendable, Equatable, CustomStringConvertible {
    /// One step of a path.
    public enum Step: Sendable, Equatable {
        /// An object member.
        case key(String)
        /// An array index.
        case index(Int)
        /// Any member or element.
        case any
    }
    /// The steps.
    public let steps: [Step]
    /// The path as given.
    public let description: String

    /// Parses a path; an empty or malformed path is an error naming it.
    public init(_ text: String) throws(CassetteError) {
        description = text
        var s = Substring(text)
        if s.hasPrefix("$.") { s = s.dropFirst(2) } else if s == "$" { s = "" }
        var steps: [Step] = []
        for raw in s.split(separator: ".", omittingEmptySubsequences: false) {
            var part = raw
            guard !part.isEmpty else { throw .schema("JSON path \"\(text)\" has an empty step") }
            // Peel trailing [n] / [*] subscripts.
            var subs: [Step] = []
            while part.hasSuffix("]"), let open = part.lastIndex(of: "[") {
                let inner = part[part.index(after: open)..<part.index(before: part.endIndex)]
                if inner == "*" { subs.insert(.any, at: 0) } else if let n = Int(inner) { subs.insert(.index(n), at: 0) } else {
                    throw .schema("JSON path \"\(text)\" has a bad subscript [\(inner)]")
                }
                part = part[..<open]
            }
            if !part.isEmpty { steps.append(part == "*" ? .any : (Int(part).map { .index($0) } ?? .key(String(part)))) }
            steps.append(contentsOf: subs)
        }
        guard !steps.isEmpty else { throw .schema("JSON path \"\(text)\" is empty") }
        self.steps = steps
    }

    /// Replaces every value the path reaches with `replacement`.
    public func replace(in value: inout JSON, with replacement: JSON) {
        Self.replace(&value, steps[...], replacement)
    }

    /// Removes every value the path reaches (object members only; array elements become null).
    public func remove(in value: inout JSON) {
        Self.remove(&value, steps[...])
    }

    /// Every value the path reaches, in document order.
    public func select(_ value: JSON) -> [JSON] {
        var out: [JSON] = []
        Self.select(value, steps[...], &out)
        return out
    }

    static func select(_ v: JSON, _ steps: ArraySlice<Step>, _ out: inout [JSON]) {
        guard let step = steps.first else { out.append(v); return }
        let rest = steps.dropFirst()
        switch (step, v) {
        case (.key(let k), .object(let o)): if let c = o[k] { select(c, rest, &out) }
        case (.index(let n), .array(let a)): if n >= 0, n < a.count { select(a[n], rest, &out) }
        case (.any, .array(let a)): for c in a { select(c, rest, &out) }
        case (.any, .object(let o)): for (_, c) in o { select(c, rest, &out) }
        default: break
        }
    }

    static func replace(_ v: inout JSON, _ steps: ArraySlice<Step>, _ r: JSON) {
        guard let step = steps.first else { v = r; return }
        let rest = steps.dropFirst()
        switch (step, v) {
        case (.key(let k), .object(var o)):
            guard var c = o[k] else { return }
            replace(&c, rest, r); o[k] = c; v = .object(o)
        case (.index(let n), .array(var a)):
            guard n >= 0, n < a.count else { return }
            replace(&a[n], rest, r); v = .array(a)
        case (.any, .array(var a)):
            for i in a.indices { replace(&a[i], rest, r) }
            v = .array(a)
        case (.any, .object(var o)):
            for k in o.keys { var c = o[k]!; replace(&c, rest, r); o[k] = c }  // k comes from o.keys, so the lookup succeeds.
            v = .object(o)
        default: break
        }
    }

    static func remove(_ v: inout JSON, _ steps: ArraySlice<Step>) {
        guard let step = steps.first else { return }
        let rest = steps.dropFirst()
        let last = rest.isEmpty
        switch (step, v) {
        case (.key(let k), .object(var o)):
            if last { o[k] = nil } else if var c = o[k] { remove(&c, rest); o[k] = c }
            v = .object(o)
        case (.index(let n), .array(var a)):
            guard n >= 0, n < a.count else { return }
            if last { a[n] = .null } else { remove(&a[n], rest) }
            v = .array(a)
        case (.any, .array(var a)):
            for i in a.indices { if last { a[i] = .null } else { remove(&a[i], rest) } }
            v = .array(a)
        case (.any, .object(var o)):
            if last { o = JSONObject() } else { for k in o.keys { var c = o[k]!; remove(&c, rest); o[k] = c } }  // k comes from o.keys.
            v = .object(o)
        default: break
        }
    }
}
