import Cassette

/// Compares `tapedeck load` / `tapedeck sweep` result files.
///
/// It expects little of their layout: every numeric value of the summary document is a metric,
/// named by its path (`summary.ttft_ms.p95`, `tiers[gold].max_agents`; list items are named by
/// their `name`, `tier`, `id`, `agents` or `concurrency` member when they have one), and
/// per-request records (a `requests` list in the document, or a JSON Lines file of them) give
/// sample distributions per numeric field (`ttft_ms`, `output_speed`…) for significance tests.
public enum ResultFileDiff {
    /// Keys that name list items.
    static let itemKeys = ["name", "tier", "id", "agents", "concurrency", "phase"]

    /// Every numeric leaf of a document, by path.
    public static func flatten(_ v: JSON, prefix: String = "", into out: inout [(String, Double)]) {
        switch v {
        case .number(let n): out.append((prefix, n.double))
        case .bool(let b): out.append((prefix, b ? 1 : 0))
        case .object(let o):
            for (k, x) in o where k != "requests" { flatten(x, prefix: prefix.isEmpty ? k : prefix + "." + k, into: &out) }
        case .array(let a):
            guard a.count <= 200 else { return }
            for (i, x) in a.enumerated() {
                let label = itemKeys.lazy.compactMap { x[$0].map(Fmt.value) }.first ?? String(i)
                flatten(x, prefix: "\(prefix)[\(label)]", into: &out)
            }
        default: break
        }
    }

    /// Per-request samples by numeric field; records marked `"measured": false` (outside the steady-state window) are left out.
    public static func samples(_ records: [JSON]) -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for r in records {
            guard let o = r.objectValue, r["measured"]?.boolValue != false, r["error"].map({ $0.isNull }) ?? true else { continue }
            for (k, v) in o { if let d = v.doubleValue, d.isFinite { out[k, default: []].append(d) } }
        }
        return out
    }

    /// The unit a key's suffix names.
    static func unit(_ key: String) -> String {
        let k = key.split(separator: ".").last.map(String.init) ?? key
        if k.hasSuffix("_tok_s") { return "tok/s" }
        if k.hasSuffix("_ms") { return "ms" }
        if k.hasSuffix("_us") { return "us" }
        if k.hasSuffix("_s") { return "s" }
        let parent = key.split(separator: ".").dropLast().last.map(String.init) ?? ""
        return parent.isEmpty || parent == k ? "" : unit(parent)
    }

    /// Whether a field is better when larger (speeds, throughput, attainment, agents served).
    static func higherIsBetter(_ key: String) -> Bool {
        let k = key.lowercased()
        return ["speed", "throughput", "tps", "tok_s", "tokens_per_s", "attainment", "max_agents", "agents_per", "success", "goodput"].contains { k.contains($0) }
    }

    /// Compares two result documents (and their per-request records).
    public static func compare(base: JSON, new: JSON, baseRequests: [JSON] = [], newRequests: [JSON] = []) -> [MetricComparison] {
        var fa: [(String, Double)] = [], fb: [(String, Double)] = []
        flatten(base, into: &fa)
        flatten(new, into: &fb)
        let nb = Dictionary(fb, uniquingKeysWith: { x, _ in x })
        var out: [MetricComparison] = []
        let ra = baseRequests + (base["requests"]?.arrayValue ?? []), rb = newRequests + (new["requests"]?.arrayValue ?? [])
        let sa = samples(ra), sb = samples(rb)
        for k in sa.keys.sorted() where sb[k] != nil {
            guard let x = sa[k], let y = sb[k], Set(x).count > 1 || Set(y).count > 1 else { continue }  // skip ids and constants
            out.append(MetricComparison(key: k, unit: unit(k), higherIsWorse: !higherIsBetter(k), base: x, new: y))
        }
        var seen = Set<String>()
        for (k, a) in fa where !seen.contains(k) {
            seen.insert(k)
            guard let b = nb[k] else { continue }
            out.append(MetricComparison(key: k, unit: unit(k), higherIsWorse: !higherIsBetter(k), base: [a], new: [b], isTotal: true))
        }
        return out
    }
}
