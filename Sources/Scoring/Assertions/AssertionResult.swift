import Cassette

/// The verdict of one assertion, with expected and actual values for reports.
public struct AssertionResult: Sendable, Equatable {
    /// The assertion type (`tool_called`, `anyOf`…).
    public var type: String
    /// Whether it passed.
    public var passed: Bool
    /// One line saying what was found.
    public var message: String
    /// What was expected, for people.
    public var expected: String?
    /// What was found, for people.
    public var actual: String?
    /// What it was judged on (`run`, `trajectory t-1`, `t-1 turn 2`).
    public var scope: String
    /// Where the assertion was written.
    public var location: SourceLocation?
    /// Child verdicts: combinator children, or the failing trajectories/turns of a narrowed assertion.
    public var children: [AssertionResult]

    /// A verdict.
    public init(type: String, passed: Bool, message: String, expected: String? = nil, actual: String? = nil,
                scope: String, location: SourceLocation? = nil, children: [AssertionResult] = []) {
        self.type = type; self.passed = passed; self.message = message; self.expected = expected; self.actual = actual
        self.scope = scope; self.location = location; self.children = children
    }
}

/// A leaf check's verdict before it is dressed as an ``AssertionResult``.
public struct Verdict: Sendable, Equatable {
    /// Whether it passed.
    public var passed: Bool
    /// What was found.
    public var message: String
    /// Expected, for people.
    public var expected: String?
    /// Actual, for people.
    public var actual: String?

    /// A verdict.
    public init(_ passed: Bool, _ message: String, expected: String? = nil, actual: String? = nil) {
        self.passed = passed; self.message = message; self.expected = expected; self.actual = actual
    }
}
