import Cassette

/// A JSONPath expression (Goessner's syntax, the subset assertion suites use):
/// `$`, `.name`, `['name']`, `[n]` (negative from the end), `[*]`, `.*` and `..name`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    /// One step.
    public enum Step: Sendable, Equatable {
        /// An object member.
        case member(String)
        /// An array element; negative counts from the end.
        case index(Int)
        /// Every member or element.
        case wildcard
        /// The named member at any depth.
        case descendant(String)
    }
    /// The steps after `$`.
    public let steps: [Step]
    /// The expression as written.
    public let description: String

    /// Why an expression does not parse, with the character position.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Character offset, from 0.
        public var position: Int
        /// What is wrong.
        public var reason: String
        public var description: String { "\(reason) at character \(position + 1)" }
    }

    /// Whether the path selects at most one value (no wildcard or descent).
    public var isDefinite: Bool { !steps.contains { if case .index = $0 { return false }; if case .member = $0 { return false }; return true } }

    /// Parses an expression; a leading `$` is optional (`data.id` means `$.data.id`).
    public init(_ text: String) throws(ParseError) {
        description = text
        let c = Array(text)
        var i = 0
        var steps: [Step] = []
        func fail(_ r: String) -> ParseError { ParseError(position: min(i, max(c.count - 1, 0)), reason: r) }
        func name() -> String {
            var s = ""
            while i < c.count, c[i] != ".", c[i] != "[" { s.append(c[i]); i += 1 }
            return s
        }
        if c.isEmpty { throw ParseError(position: 0, reason: "empty path") }
        if c[0] == "$" { i = 1 } else {
            let n = name()
            guard !n.isEmpty else { throw fail("expected '$' or a member name") }
            steps.append(n == "*" ? .wildcard : .member(n))
        }
        while i < c.count {
            if c[i] == "." {
                i += 1
                if i < c.count, c[i] == "." {
                    i += 1
                    let n = name()
                    guard !n.isEmpty else { throw fail("expected a member name after '..'") }
                    steps.append(n == "*" ? .wildcard : .descendant(n))
                    continue
                }
                let n = name()
                guard !n.isEmpty else { throw fail("expected a member name after '.'") }
                steps.append(n == "*" ? .wildcard : .member(n))
            } else if c[i] == "[" {
                i += 1
                guard i < c.count else { throw fail("unclosed '['") }
                if c[i] == "'" || c[i] == "\"" {
                    let q = c[i]
                    i += 1
                    var s = ""
                    while i < c.count, c[i] != q { s.append(c[i]); i += 1 }
                    guard i < c.count else { throw fail("unclosed quote") }
                    i += 1
                    steps.append(.member(s))
                } else if c[i] == "*" {
                    i += 1
                    steps.append(.wildcard)
                } else {
                    var s = ""
                    while i < c.count, c[i] != "]" { s.append(c[i]); i += 1 }
                    guard let n = Int(s.filter { $0 != " " }) else {
                        i -= s.count
                        throw fail(s.isEmpty ? "empty subscript" : "subscript '\(s)' is not an index, '*' or a quoted name")
                    }
                    steps.append(.index(n))
                }
                guard i < c.count, c[i] == "]" else { throw fail("expected ']'") }
                i += 1
            } else {
                throw fail("unexpected '\(c[i])'")
            }
        }
        self.steps = steps
    }

    /// Every value the path selects, in document order.
    public func select(_ root: JSON) -> [JSON] {
        var current = [root]
        for step in steps {
            var next: [JSON] = []
            for v in current { Self.apply(step, v, &next) }
            current = next
        }
        return current
    }

    static func apply(_ step: Step, _ v: JSON, _ out: inout [JSON]) {
        switch step {
        case .member(let k): if let x = v[k] { out.append(x) }
        case .index(let n):
            if let a = v.arrayValue {
                let i = n < 0 ? a.count + n : n
                if i >= 0, i < a.count { out.append(a[i]) }
            }
        case .wildcard:
            if let a = v.arrayValue { out += a } else if let o = v.objectValue { for (_, x) in o { out.append(x) } }
        case .descendant(let k):
            if let x = v[k] { out.append(x) }
            if let a = v.arrayValue { for x in a { apply(step, x, &out) } } else if let o = v.objectValue { for (_, x) in o { apply(step, x, &out) } }
        }
    }
}
