import Cassette

/// Headline figures of a judged cassette.
public struct RunSummary: Sendable, Equatable {
    /// Trajectories.
    public var trajectories = 0
    /// LLM turns.
    public var turns = 0
    /// Tool calls (LLM-requested plus unlinked MCP calls).
    public var toolCalls = 0
    /// MCP calls.
    public var mcpCalls = 0
    /// Input tokens.
    public var inputTokens = 0
    /// Output tokens.
    public var outputTokens = 0
    /// Span from first request to last response, ms.
    public var durationMs = 0.0
    /// Failed exchanges and MCP calls.
    public var errors = 0

    /// An empty summary.
    public init() {}

    /// The summary of a cassette view.
    public init(_ view: CassetteView) {
        let s = Subject.run(view)
        trajectories = view.trajectories.count
        turns = s.turns.count
        toolCalls = s.toolCalls.count
        mcpCalls = view.mcpCalls.count
        inputTokens = s.turns.reduce(0) { $0 + $1.usage.input }
        outputTokens = s.turns.reduce(0) { $0 + $1.usage.output }
        durationMs = s.latencyMs
        errors = s.turns.filter(\.failed).count + view.mcpCalls.filter(\.failed).count
    }
}

/// One test judged on one cassette.
public struct TestResult: Sendable, Equatable {
    /// The test name (with the cassette's name when a test judges several).
    public var name: String
    /// The test's description.
    public var description: String?
    /// The cassette judged, as the suite named it.
    public var cassette: String
    /// Whether every assertion held (and the cassette could be read).
    public var passed: Bool
    /// The assertion verdicts.
    public var assertions: [AssertionResult]
    /// Headline figures of the cassette.
    public var summary: RunSummary
    /// Why the test could not be judged (unreadable cassette, failed agent run).
    public var error: String?

    /// A result.
    public init(name: String, description: String? = nil, cassette: String, passed: Bool, assertions: [AssertionResult],
                summary: RunSummary, error: String? = nil) {
        self.name = name; self.description = description; self.cassette = cassette; self.passed = passed
        self.assertions = assertions; self.summary = summary; self.error = error
    }
}

/// What running the suite's agent command did.
public struct AgentRunOutcome: Sendable, Equatable {
    /// The command line, for people.
    public var command: String
    /// Its exit code.
    public var exitCode: Int32
    /// The fresh cassette.
    public var cassette: String
    /// Seconds it took.
    public var seconds: Double
    /// Whether the replay diverged (exit 3 from `tapedeck run --replay`).
    public var diverged: Bool
    /// The last lines of its error output.
    public var stderrTail: String
    /// An outcome.
    public init(command: String, exitCode: Int32, cassette: String, seconds: Double, diverged: Bool, stderrTail: String) {
        self.command = command; self.exitCode = exitCode; self.cassette = cassette; self.seconds = seconds
        self.diverged = diverged; self.stderrTail = stderrTail
    }
}

/// The verdict of a whole suite.
public struct SuiteResult: Sendable, Equatable {
    /// The suite's name.
    public var name: String
    /// The suite file.
    public var file: String
    /// Test results, in suite order.
    public var tests: [TestResult]
    /// The required pass rate, if the suite set one.
    public var requiredRate: Double?
    /// The agent run, when the suite ran one.
    public var agentRun: AgentRunOutcome?
    /// When the report was made (ISO 8601), supplied by the caller.
    public var generatedAt: String?

    /// A result.
    public init(name: String, file: String, tests: [TestResult], requiredRate: Double?, agentRun: AgentRunOutcome? = nil, generatedAt: String? = nil) {
        self.name = name; self.file = file; self.tests = tests; self.requiredRate = requiredRate
        self.agentRun = agentRun; self.generatedAt = generatedAt
    }

    /// Tests that passed.
    public var passedCount: Int { tests.filter(\.passed).count }
    /// Tests that failed.
    public var failedCount: Int { tests.count - passedCount }
    /// The share of tests that passed.
    public var passRate: Double { tests.isEmpty ? 0 : Double(passedCount) / Double(tests.count) }
    /// Whether the suite passed: the required rate met (or every test passed when none is set).
    public var passed: Bool {
        if let r = requiredRate { return passRate >= r && !tests.isEmpty }
        return failedCount == 0 && !tests.isEmpty
    }
    /// Assertions evaluated (top level).
    public var assertionCount: Int { tests.reduce(0) { $0 + $1.assertions.count } }
    /// Top-level assertions that failed.
    public var failedAssertions: Int { tests.reduce(0) { $0 + $1.assertions.filter { !$0.passed }.count } }
}

/// Judges a parsed suite against cassette views. Pure: the caller reads files and runs agents.
public enum SuiteRunner {
    /// The cassettes each test judges: its own, else the suite's plus the fresh one.
    public static func cassettes(for test: TestSpec, in suite: Suite, fresh: String?) -> [String] {
        if let own = test.cassettes { return own.map(\.path) }
        return suite.cassettes.map(\.path) + (fresh.map { [$0] } ?? [])
    }

    /// Runs every test on its cassettes; `unreadable` holds the cassettes that could not be read, with why.
    public static func run(_ suite: Suite, views: [String: CassetteView], unreadable: [String: String] = [:], fresh: String? = nil,
                           context: EvaluationContext, agentRun: AgentRunOutcome? = nil, generatedAt: String? = nil) -> SuiteResult {
        var results: [TestResult] = []
        if let a = agentRun, a.exitCode != 0 {
            // The agent itself failed: a test of its own, so every report shows it.
            let why = a.diverged ? "the replay diverged from its cassette (exit 3)" : "the agent exited with code \(a.exitCode)"
            let tail = a.stderrTail.isEmpty ? "" : "; last output: " + Fmt.clip(a.stderrTail, 300)
            results.append(TestResult(name: "agent run", cassette: fresh ?? a.cassette, passed: false, assertions: [], summary: RunSummary(),
                                      error: "\(a.command): \(why)\(tail)"))
        }
        for test in suite.tests {
            let paths = cassettes(for: test, in: suite, fresh: fresh)
            for path in paths {
                let name = paths.count > 1 ? "\(test.name) [\(SuiteParser.baseName(path))]" : test.name
                guard let view = views[path] else {
                    let why = unreadable[path] ?? "cassette \(path) was not loaded"
                    results.append(TestResult(name: name, description: test.description, cassette: path, passed: false,
                                              assertions: [], summary: RunSummary(), error: why))
                    continue
                }
                let subject = Subject.run(view)
                let verdicts = test.assertions.map { Evaluator.evaluate($0, on: subject, defaultScope: test.scope, context: context) }
                results.append(TestResult(name: name, description: test.description, cassette: path, passed: verdicts.allSatisfy(\.passed),
                                          assertions: verdicts, summary: RunSummary(view)))
            }
        }
        return SuiteResult(name: suite.name, file: suite.file, tests: results, requiredRate: suite.successRate,
                           agentRun: agentRun, generatedAt: generatedAt)
    }
}
