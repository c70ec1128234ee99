import Cassette

extension Checks {
    /// Distinct system prompts in order of first use.
    static func systemPrompts(_ turns: [Turn]) -> [String] {
        var out: [String] = []
        for t in turns { if let p = t.request.systemPrompt, !out.contains(p) { out.append(p) } }
        return out
    }

    /// Tools offered, by name, each with its canonical definition text.
    static func toolDefinitions(_ turns: [Turn]) -> [(name: String, definition: String)] {
        var out: [(String, String)] = []
        for t in turns {
            for def in t.request.tools?.arrayValue ?? [] {
                let name = def["function"]?["name"]?.stringValue ?? def["name"]?.stringValue ?? def.text()
                let text = def.text(sortedKeys: true)
                if let i = out.firstIndex(where: { $0.0 == name }) { out[i].1 = text } else { out.append((name, text)) }
            }
        }
        return out
    }

    /// Where two texts first differ, with a little of each side.
    public static func firstDifference(_ a: String, _ b: String) -> String {
        let x = Array(a), y = Array(b)
        var i = 0
        while i < x.count, i < y.count, x[i] == y[i] { i += 1 }
        let from = max(0, i - 20)
        let left = String(x[from..<min(x.count, i + 40)]), right = String(y[from..<min(y.count, i + 40)])
        return "first difference at character \(i + 1): baseline \(Fmt.quote(left, 70)), now \(Fmt.quote(right, 70))"
    }

    static func systemPrompt(_ base: (String, CassetteView?)?, _ s: Subject) -> Verdict {
        guard let (path, view) = base, let view else {
            return Verdict(false, "no baseline cassette: set 'baseline:' in the suite or on the assertion", expected: "unchanged", actual: "no baseline")
        }
        let now = systemPrompts(s.turns), before = systemPrompts(view.turns)
        let missing = now.filter { !before.contains($0) }
        let dropped = s.scope == .run ? before.filter { !now.contains($0) } : []
        if missing.isEmpty && dropped.isEmpty {
            return Verdict(true, "system prompt unchanged from \(path) (\(now.count) distinct)", expected: "as in \(path)", actual: "unchanged")
        }
        if let m = missing.first {
            let nearest = before.min { commonPrefix($0, m) > commonPrefix($1, m) } ?? ""
            let detail = before.isEmpty ? "the baseline has no system prompt" : firstDifference(nearest, m)
            return Verdict(false, "system prompt changed: \(detail)", expected: Fmt.clip(nearest, 200), actual: Fmt.clip(m, 200))
        }
        return Verdict(false, "system prompt changed: the baseline's prompt \(Fmt.quote(dropped[0], 60)) is no longer sent",
                       expected: Fmt.clip(dropped[0], 200), actual: now.isEmpty ? "no system prompt" : Fmt.clip(now[0], 200))
    }

    static func commonPrefix(_ a: String, _ b: String) -> Int { zip(a, b).prefix { $0 == $1 }.count }

    static func tools(_ base: (String, CassetteView?)?, _ s: Subject) -> Verdict {
        guard let (path, view) = base, let view else {
            return Verdict(false, "no baseline cassette: set 'baseline:' in the suite or on the assertion", expected: "unchanged", actual: "no baseline")
        }
        let now = toolDefinitions(s.turns), before = toolDefinitions(view.turns)
        let nowNames = now.map(\.name), beforeNames = before.map(\.name)
        let added = nowNames.filter { !beforeNames.contains($0) }
        let removed = s.scope == .run ? beforeNames.filter { !nowNames.contains($0) } : []
        let changed = now.filter { n in before.contains { $0.name == n.name && $0.definition != n.definition } }.map(\.name)
        var parts: [String] = []
        if !added.isEmpty { parts.append("added " + added.map { "'\($0)'" }.joined(separator: ", ")) }
        if !removed.isEmpty { parts.append("removed " + removed.map { "'\($0)'" }.joined(separator: ", ")) }
        if !changed.isEmpty { parts.append("changed " + changed.map { "'\($0)'" }.joined(separator: ", ")) }
        guard !parts.isEmpty else {
            return Verdict(true, "tools unchanged from \(path) (\(nowNames.count) offered)", expected: list(beforeNames), actual: list(nowNames))
        }
        return Verdict(false, "tools changed: " + parts.joined(separator: "; "), expected: list(beforeNames), actual: list(nowNames))
    }
}
