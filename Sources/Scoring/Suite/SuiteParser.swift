import Cassette

/// Reads a suite file. Pure: the caller reads the text; every error names file, line and column.
public enum SuiteParser {
    static let topKeys = ["name", "description", "cassette", "cassettes", "run", "baseline", "prices", "criteria", "defaults",
                          "tests", "sessions"]

    /// Parses suite YAML text read from `file`.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Suite {
        let root = try YAMLNode.parse(text, file: file)
        try root.checkKeys(topKeys, in: "the suite")
        let name = try root["name"]?.string("'name'") ?? baseName(file)
        var suite = Suite(name: name, file: file, tests: [])
        suite.cassettes = try paths(root["cassettes"] ?? root["cassette"], "'cassettes'") ?? []
        if let b = root["baseline"] { suite.baseline = PathRef(path: try b.string("'baseline'"), location: b.location) }
        if let p = root["prices"] { suite.prices = PathRef(path: try p.string("'prices'"), location: p.location) }
        if let c = root["criteria"] {
            try c.checkKeys(["success_rate"], in: "'criteria'")
            if let r = c["success_rate"] { suite.successRate = try rate(r) }
        }
        if let r = root["run"] { suite.run = try runSpec(r) }
        var defaultScope = Scope.run
        if let d = root["defaults"] {
            try d.checkKeys(["scope"], in: "'defaults'")
            if let s = d["scope"] { defaultScope = try AssertionParser.scope(s) }
        }
        var tests: [TestSpec] = []
        if let t = root["tests"] {
            guard let items = t.items else { throw ConfigError(t.location, "'tests' must be a list of tests") }
            for i in items { tests.append(try test(i, prefix: nil, defaultScope: defaultScope)) }
        }
        if let s = root["sessions"] {  // agent-benchmark layout: sessions of tests.
            guard let sessions = s.items else { throw ConfigError(s.location, "'sessions' must be a list") }
            for session in sessions {
                try session.checkKeys(["name", "tests", "allowed_tools"], in: "a session")
                let sname = try session["name"]?.string("'name'")
                for i in session["tests"]?.items ?? [] { tests.append(try test(i, prefix: sname, defaultScope: defaultScope)) }
            }
        }
        guard !tests.isEmpty else { throw ConfigError(root.location, "the suite has no tests; add a 'tests:' list") }
        var seen: [String: SourceLocation] = [:]
        for t in tests {
            if let first = seen[t.name] { throw ConfigError(t.location, "duplicate test name '\(t.name)' (first at line \(first.line))") }
            seen[t.name] = t.location
        }
        suite.tests = tests
        if suite.cassettes.isEmpty, suite.run == nil, tests.contains(where: { $0.cassettes == nil }) {
            throw ConfigError(root.location, "nothing to judge: give 'cassettes:' or a 'run:' block (or a 'cassette:' on every test)")
        }
        return suite
    }

    static func test(_ node: YAMLNode, prefix: String?, defaultScope: Scope) throws(ConfigError) -> TestSpec {
        // agent-benchmark fields (prompt, agent…) are accepted and ignored: the cassette already holds the run.
        try node.checkKeys(["name", "description", "cassette", "cassettes", "scope", "assertions",
                            "prompt", "agent", "start_delay", "extractors", "variables", "allowed_tools"], in: "a test")
        let name = try node["name"]?.string("'name'") ?? "test at line \(node.location.line)"
        var spec = TestSpec(name: prefix.map { "\($0) / \(name)" } ?? name, assertions: [], location: node.location)
        spec.description = try node["description"]?.string("'description'")
        spec.cassettes = try paths(node["cassettes"] ?? node["cassette"], "'cassettes'")
        spec.scope = try node["scope"].map { n throws(ConfigError) in try AssertionParser.scope(n) } ?? defaultScope
        guard let a = node["assertions"], let items = a.items, !items.isEmpty else {
            throw ConfigError(node["assertions"]?.location ?? node.location, "test '\(name)' needs a non-empty 'assertions:' list")
        }
        for i in items {
            let a = try AssertionParser.parse(i)
            try checkScopes(a, parent: nil, inherited: spec.scope)
            spec.assertions.append(a)
        }
        return spec
    }

    /// Inner assertions may only narrow the scope of the combinator around them (run → trajectory → turn).
    static func checkScopes(_ a: AssertionSpec, parent: Scope?, inherited: Scope) throws(ConfigError) {
        let effective = a.scope ?? inherited
        if let p = parent, effective < p {
            throw ConfigError(a.location, "scope '\(effective.name)' inside a '\(p.name)'-scoped combinator: inner assertions can only narrow (run → trajectory → turn)")
        }
        switch a.kind {
        case .check: break
        case .anyOf(let c), .allOf(let c): for x in c { try checkScopes(x, parent: effective, inherited: effective) }
        case .not(let x): try checkScopes(x, parent: effective, inherited: effective)
        }
    }

    static func paths(_ node: YAMLNode?, _ what: String) throws(ConfigError) -> [PathRef]? {
        guard let node else { return nil }
        if let s = node.scalar { return [PathRef(path: s, location: node.location)] }
        guard let items = node.items else { throw ConfigError(node.location, "\(what) must be a path or a list of paths") }
        var out: [PathRef] = []
        for i in items { out.append(PathRef(path: try i.string("a cassette path"), location: i.location)) }
        return out
    }

    static func rate(_ node: YAMLNode) throws(ConfigError) -> Double {
        let s = node.scalar ?? ""
        let v = s.hasSuffix("%") ? Double(s.dropLast()).map { $0 / 100 } : Double(s)
        guard let v, v >= 0, v <= 1 else {
            throw ConfigError(node.location, "'success_rate' must be a ratio from 0 to 1 (or a percentage like 80%), not '\(s)'")
        }
        return v
    }

    static func runSpec(_ node: YAMLNode) throws(ConfigError) -> RunSpec {
        try node.checkKeys(["command", "replay", "record", "upstream", "mode", "output", "timeout", "env", "cwd"], in: "'run'")
        guard let c = node["command"] else { throw ConfigError(node.location, "'run' needs 'command'") }
        let shell = c.scalar != nil
        let command = try c.strings("'command'")
        guard !command.isEmpty, !command[0].isEmpty else { throw ConfigError(c.location, "'command' must not be empty") }
        let mode: RunSpec.Mode
        switch (node["replay"], node["record"]) {
        case (let r?, nil): mode = .replay(PathRef(path: try r.string("'replay'"), location: r.location))
        case (nil, let r?):
            guard r.json.boolValue != false else { throw ConfigError(r.location, "'record' must be true or a cassette path") }
            mode = .record(upstream: try node["upstream"]?.string("'upstream'"))
        case (_?, _?): throw ConfigError(node.location, "'run' takes 'replay' or 'record', not both")
        case (nil, nil): throw ConfigError(node.location, "'run' needs 'replay: CASSETTE' (offline) or 'record: true' (live)")
        }
        var spec = RunSpec(command: command, shell: shell, mode: mode, location: node.location)
        if let m = node["mode"] {
            let s = try m.string("'mode'")
            guard ["none", "once", "new-episodes", "all"].contains(s) else {
                throw ConfigError(m.location, "'mode' must be none, once, new-episodes or all, not '\(s)'")
            }
            spec.replayMode = s
        }
        if let o = node["output"] { spec.output = PathRef(path: try o.string("'output'"), location: o.location) }
        if case .record = mode, let r = node["record"], r.json.boolValue == nil, let p = r.scalar {
            spec.output = PathRef(path: p, location: r.location)
        }
        if let t = node["timeout"] {
            let v = try t.number("'timeout' (seconds)")
            guard v > 0 else { throw ConfigError(t.location, "'timeout' must be positive") }
            spec.timeoutSeconds = v
        }
        if let e = node["env"] {
            for (k, v) in try e.mapping("'env'") { spec.env[try k.string("an env name")] = try v.string("an env value") }
        }
        spec.cwd = try node["cwd"]?.string("'cwd'")
        return spec
    }

    static func baseName(_ path: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = last.lastIndex(of: "."), dot > last.startIndex { return String(last[..<dot]) }
        return last
    }
}
