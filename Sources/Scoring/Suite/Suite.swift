import Cassette

/// A file path written in a suite, with where it was written (relative paths are relative to the suite file).
public struct PathRef: Sendable, Equatable {
    /// The path as written.
    public var path: String
    /// Where it was written.
    public var location: SourceLocation
    /// A path reference.
    public init(path: String, location: SourceLocation) { self.path = path; self.location = location }
}

/// An agent command for `tapedeck test` to run, under `tapedeck run --replay` or `--record`.
public struct RunSpec: Sendable, Equatable {
    /// How the agent's traffic is served.
    public enum Mode: Sendable, Equatable {
        /// Offline, answered from this cassette (`tapedeck run --replay`).
        case replay(PathRef)
        /// Live, recorded (`tapedeck run --record`), forwarding to an upstream when given.
        case record(upstream: String?)
    }
    /// The command and its arguments.
    public var command: [String]
    /// Whether `command` is one shell line (run with `/bin/sh -c`).
    public var shell: Bool
    /// Replay or record.
    public var mode: Mode
    /// The replay mode passed to `--mode` (none, once, new-episodes, all).
    public var replayMode: String?
    /// Where to keep the fresh cassette; a temporary file when nil.
    public var output: PathRef?
    /// Kill the agent after this many seconds.
    public var timeoutSeconds: Double
    /// Extra environment for the agent.
    public var env: [String: String]
    /// The working directory, relative to the suite file; the suite's folder when nil.
    public var cwd: String?
    /// Where the block was written.
    public var location: SourceLocation

    /// A run block.
    public init(command: [String], shell: Bool, mode: Mode, replayMode: String? = nil, output: PathRef? = nil,
                timeoutSeconds: Double = 300, env: [String: String] = [:], cwd: String? = nil, location: SourceLocation) {
        self.command = command; self.shell = shell; self.mode = mode; self.replayMode = replayMode; self.output = output
        self.timeoutSeconds = timeoutSeconds; self.env = env; self.cwd = cwd; self.location = location
    }
}

/// One named test: assertions applied to one or more cassettes.
public struct TestSpec: Sendable, Equatable {
    /// The test's name.
    public var name: String
    /// A longer description, shown in reports.
    public var description: String?
    /// Cassettes this test judges; nil means the suite's.
    public var cassettes: [PathRef]?
    /// The default scope of its assertions.
    public var scope: Scope
    /// The assertions; all must pass.
    public var assertions: [AssertionSpec]
    /// Where it was written.
    public var location: SourceLocation

    /// A test.
    public init(name: String, description: String? = nil, cassettes: [PathRef]? = nil, scope: Scope = .run,
                assertions: [AssertionSpec], location: SourceLocation) {
        self.name = name; self.description = description; self.cassettes = cassettes; self.scope = scope
        self.assertions = assertions; self.location = location
    }
}

/// A `tapedeck test` suite file.
public struct Suite: Sendable, Equatable {
    /// The suite's name.
    public var name: String
    /// The file it was read from, as named.
    public var file: String
    /// Cassettes to judge as they are.
    public var cassettes: [PathRef]
    /// An agent to run first; its fresh cassette is judged too.
    public var run: RunSpec?
    /// The default baseline cassette for `system_prompt_unchanged` / `tools_unchanged`.
    public var baseline: PathRef?
    /// The price table for `cost_usd`.
    public var prices: PathRef?
    /// The share of tests that must pass (0…1); nil means all.
    public var successRate: Double?
    /// The tests.
    public var tests: [TestSpec]

    /// A suite.
    public init(name: String, file: String, cassettes: [PathRef] = [], run: RunSpec? = nil, baseline: PathRef? = nil,
                prices: PathRef? = nil, successRate: Double? = nil, tests: [TestSpec]) {
        self.name = name; self.file = file; self.cassettes = cassettes; self.run = run; self.baseline = baseline
        self.prices = prices; self.successRate = successRate; self.tests = tests
    }

    /// Every baseline path the suite's assertions need (the suite default resolved).
    public var baselinePaths: [String] {
        var out: [String] = []
        for t in tests {
            for a in t.assertions {
                for b in a.baselines {
                    if let p = b ?? baseline?.path, !out.contains(p) { out.append(p) }
                }
            }
        }
        return out
    }

    /// Whether any assertion needs a price table.
    public var needsPrices: Bool { tests.contains { $0.assertions.contains(where: \.needsPrices) } }
}
