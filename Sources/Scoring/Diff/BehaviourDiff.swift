import Cassette

/// How one trajectory's behaviour changed between two cassettes.
public struct TrajectoryDiff: Sendable, Equatable {
    /// One line of the tool-sequence diff.
    public struct Line: Sendable, Equatable {
        /// `" "` unchanged, `"-"` only in the base, `"+"` only in the new cassette.
        public var op: Character
        /// The tool name.
        public var name: String
    }
    /// The base trajectory's id (nil: added).
    public var base: String?
    /// The new trajectory's id (nil: removed).
    public var new: String?
    /// The tool-sequence diff.
    public var sequence: [Line]
    /// Parameter changes of calls present in both, as readable lines.
    public var paramChanges: [String]
    /// The final outputs.
    public var outputBefore: String?
    /// The final output of the new trajectory.
    public var outputAfter: String?
    /// Turn counts.
    public var turnsBefore: Int
    /// Turns in the new trajectory.
    public var turnsAfter: Int

    /// Whether the tool sequence changed.
    public var sequenceChanged: Bool { sequence.contains { $0.op != " " } }
    /// Whether the final output changed.
    public var outputChanged: Bool { (outputBefore ?? "") != (outputAfter ?? "") }
    /// Whether anything changed.
    public var changed: Bool { base == nil || new == nil || sequenceChanged || !paramChanges.isEmpty || outputChanged }
}

/// Behaviour differences between two cassettes, per trajectory, plus prompt and tool drift.
public struct BehaviourDiff: Sendable, Equatable {
    /// Per-trajectory diffs, paired by id when the ids match, else by order.
    public var trajectories: [TrajectoryDiff]
    /// "system prompt changed: …", when it did.
    public var systemPrompt: String?
    /// "tools changed: …", when they did.
    public var tools: String?

    /// Compares two cassette views.
    public init(base: CassetteView, new: CassetteView) {
        let a = base.trajectories, b = new.trajectories
        let sameIds = Set(a.map(\.id)) == Set(b.map(\.id)) && !a.contains { $0.id.hasPrefix("auto-") }
        var pairs: [(Trajectory?, Trajectory?)] = []
        if sameIds {
            pairs = a.map { t in (t, b.first { $0.id == t.id }) }
        } else {
            for i in 0..<max(a.count, b.count) { pairs.append((i < a.count ? a[i] : nil, i < b.count ? b[i] : nil)) }
        }
        trajectories = pairs.map { Self.diff($0.0, $0.1) }
        let sp = Checks.systemPrompt(("base", base), Subject.run(new))
        systemPrompt = sp.passed ? nil : sp.message
        let tl = Checks.tools(("base", base), Subject.run(new))
        tools = tl.passed ? nil : tl.message
    }

    /// Whether any trajectory's tool sequence changed (or trajectories were added or removed).
    public var toolSequenceChanged: Bool { trajectories.contains { $0.sequenceChanged || $0.base == nil || $0.new == nil } }
    /// Whether any parameters changed.
    public var paramsChanged: Bool { trajectories.contains { !$0.paramChanges.isEmpty } }
    /// Whether any final output changed.
    public var outputChanged: Bool { trajectories.contains(where: \.outputChanged) }
    /// Whether trajectories were added or removed.
    public var trajectoriesChanged: Bool { trajectories.contains { $0.base == nil || $0.new == nil } }
    /// Whether anything changed.
    public var changed: Bool { trajectories.contains(where: \.changed) || systemPrompt != nil || tools != nil }

    static func diff(_ a: Trajectory?, _ b: Trajectory?) -> TrajectoryDiff {
        let ca = a?.toolCalls ?? [], cb = b?.toolCalls ?? []
        let ops = lcsDiff(ca.map(\.name), cb.map(\.name))
        var lines: [TrajectoryDiff.Line] = []
        var changes: [String] = []
        var i = 0, j = 0, ordinal: [String: Int] = [:]
        for op in ops {
            switch op {
            case " ":
                let name = ca[i].name
                ordinal[name, default: 0] += 1
                let argsA = ca[i].arguments ?? .string(ca[i].argumentsText), argsB = cb[j].arguments ?? .string(cb[j].argumentsText)
                for d in jsonDiff(argsA, argsB, path: "").prefix(5) { changes.append("\(name) #\(ordinal[name] ?? 1): \(d)") }
                lines.append(.init(op: " ", name: name)); i += 1; j += 1
            case "-": lines.append(.init(op: "-", name: ca[i].name)); i += 1
            default: lines.append(.init(op: "+", name: cb[j].name)); j += 1
            }
        }
        return TrajectoryDiff(base: a?.id, new: b?.id, sequence: lines, paramChanges: changes, outputBefore: a?.finalOutput,
                              outputAfter: b?.finalOutput, turnsBefore: a?.turns.count ?? 0, turnsAfter: b?.turns.count ?? 0)
    }

    /// An edit script turning `a` into `b` (longest common subsequence): " ", "-" or "+" per step.
    public static func lcsDiff(_ a: [String], _ b: [String]) -> [Character] {
        let n = a.count, m = b.count
        var l = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        if n > 0 && m > 0 {
            for x in stride(from: n - 1, through: 0, by: -1) {
                for y in stride(from: m - 1, through: 0, by: -1) {
                    l[x][y] = a[x] == b[y] ? l[x + 1][y + 1] + 1 : max(l[x + 1][y], l[x][y + 1])
                }
            }
        }
        var out: [Character] = []
        var x = 0, y = 0
        while x < n || y < m {
            if x < n, y < m, a[x] == b[y] { out.append(" "); x += 1; y += 1 }
            else if y < m, x == n || l[x][y + 1] >= l[x + 1][y] { out.append("+"); y += 1 }
            else { out.append("-"); x += 1 }
        }
        return out
    }

    /// Readable differences between two JSON values: `path: old → new`.
    public static func jsonDiff(_ a: JSON, _ b: JSON, path: String) -> [String] {
        if Checks.valueMatches(a, b) && Checks.valueMatches(b, a) { return [] }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            var out: [String] = []
            for k in x.keys { out += jsonDiff(x[k] ?? .null, y[k] ?? .null, path: path.isEmpty ? k : path + "." + k) }
            for k in y.keys where x[k] == nil { out.append("\(path.isEmpty ? k : path + "." + k): (absent) → \(Fmt.clip(y[k]?.text() ?? "", 60))") }
            return out
        case (.array(let x), .array(let y)) where x.count == y.count:
            return zip(x, y).enumerated().flatMap { jsonDiff($0.element.0, $0.element.1, path: "\(path)[\($0.offset)]") }
        default:
            let p = path.isEmpty ? "arguments" : path
            return ["\(p): \(a.isNull ? "(absent)" : Fmt.clip(a.text(), 60)) → \(b.isNull ? "(absent)" : Fmt.clip(b.text(), 60))"]
        }
    }
}
