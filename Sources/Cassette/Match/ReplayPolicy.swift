/// How `tapedeck serve` treats the cassette, with vcrpy's meanings.
public enum ReplayMode: String, Sendable, CaseIterable {
    /// Answer only from the cassette; a miss is an error. The default for `serve`.
    case none
    /// Record if the cassette does not exist yet (then behave as `all`); otherwise as `none`.
    case once
    /// Answer hits from the cassette; forward misses upstream and append them.
    case newEpisodes = "new-episodes"
    /// Always forward and re-record.
    case all

    /// Parses a mode name; an unknown name is an error listing the known ones.
    public static func parse(_ s: String) throws(CassetteError) -> ReplayMode {
        guard let m = ReplayMode(rawValue: s) else {
            throw .schema("unknown mode '\(s)'; use one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return m
    }
}

/// How replayed responses are paced.
public enum ReplayTiming: Sendable, Equatable {
    /// As fast as possible.
    case instant
    /// Every recorded gap: time to the response head, to each chunk.
    case recorded
    /// Recorded gaps multiplied by a factor.
    case scale(Double)
    /// Recorded gaps, each at most this many milliseconds.
    case cap(Double)

    /// Parses `instant`, `recorded`, `scale:F` or `cap:MS`.
    public static func parse(_ s: String) throws(CassetteError) -> ReplayTiming {
        let grammar = "use instant, recorded, scale:FACTOR (e.g. scale:0.5) or cap:MILLISECONDS (e.g. cap:200)"
        if s == "instant" { return .instant }
        if s == "recorded" { return .recorded }
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let v = Double(parts[1]), v.isFinite, v >= 0 else { throw .schema("unknown timing '\(s)'; \(grammar)") }
        switch parts[0] {
        case "scale": return .scale(v)
        case "cap": return .cap(v)
        default: throw .schema("unknown timing '\(s)'; \(grammar)")
        }
    }

    /// The pause before the response head, and before each chunk, in nanoseconds.
    public func schedule(for ex: Exchange) -> (head: Int64, chunks: [Int64]) {
        guard let r = ex.response else { return (0, []) }
        let sent = ex.timing.sentNs ?? 0
        let head = ex.timing.headNs ?? sent
        var gaps: [Int64] = []
        var prev = head
        for c in r.chunks {
            gaps.append(max(0, c.tNs - prev))
            prev = max(prev, c.tNs)
        }
        return (adjust(max(0, head - sent)), gaps.map(adjust))
    }

    func adjust(_ ns: Int64) -> Int64 {
        switch self {
        case .instant: return 0
        case .recorded: return ns
        case .scale(let f): return Int64((Double(ns) * f).rounded())
        case .cap(let ms): return min(ns, Int64(ms * 1e6))
        }
    }
}

/// Builds the error bodies a replay server returns, in each dialect's own shape.
public enum ReplayErrors {
    /// The HTTP status and JSON body for a miss of type `cassette_miss`.
    /// MCP gets a JSON-RPC error with the client's id (HTTP 200, as JSON-RPC errors travel).
    public static func miss(dialect: Dialect, message: String, rpcId: JSON? = nil) -> (status: Int, body: JSON) {
        error(dialect: dialect, type: "cassette_miss", status: 404, message: message, rpcId: rpcId)
    }

    /// An error of the given type and status in the dialect's shape.
    public static func error(dialect: Dialect, type: String, status: Int, message: String, rpcId: JSON? = nil) -> (status: Int, body: JSON) {
        switch dialect {
        case .anthropicMessages:
            return (status, .obj([("type", "error"), ("error", .obj([("type", .string(type)), ("message", .string(message))]))]))
        case .mcp:
            return (200, .obj([("jsonrpc", "2.0"), ("id", rpcId ?? .null),
                               ("error", .obj([("code", -32001), ("message", .string(message)), ("data", .obj([("type", .string(type))]))]))]))
        default:
            return (status, .obj([("error", .obj([("message", .string(message)), ("type", .string(type)), ("param", .null), ("code", .string(type))]))]))
        }
    }
}
