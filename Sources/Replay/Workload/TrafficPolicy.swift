/// How recorded turns are turned into the traffic sent: model, output length, gaps and history.
public struct TrafficPolicy: Sendable, Equatable {
    /// The model name every request asks for; `nil` keeps the recorded one.
    public var model: String?
    /// How long outputs may be.
    public var outputLength: OutputLength
    /// The `max_tokens` ceiling (16K by default, as AA-AgentPerf).
    public var maxTokens: Int
    /// How recorded tool/think gaps are replayed.
    public var gaps: GapPolicy
    /// What history a turn sends.
    public var history: HistoryMode

    /// A policy; defaults follow AA-AgentPerf (recorded output length, 16K ceiling, recorded gaps and history).
    public init(model: String? = nil, outputLength: OutputLength = .recorded, maxTokens: Int = 16384,
                gaps: GapPolicy = .recorded, history: HistoryMode = .recorded) {
        self.model = model; self.outputLength = outputLength; self.maxTokens = maxTokens; self.gaps = gaps; self.history = history
    }

    /// The `max_tokens` a turn asks for, given what the recording produced.
    public func maxTokens(recorded: Int) -> Int {
        switch outputLength {
        case .recorded: return max(1, min(recorded, maxTokens))
        case .free: return maxTokens
        case .cap(let n): return max(1, min(n, maxTokens))
        }
    }
}

/// The output-length policy (`--osl`).
public enum OutputLength: Sendable, Equatable, CustomStringConvertible {
    /// Pin `max_tokens` to the recorded output and ask the server to ignore end-of-sequence.
    case recorded
    /// Let the model stop by itself, up to the ceiling.
    case free
    /// Cap every output at N tokens.
    case cap(Int)

    /// Parses `recorded`, `free` or `cap:N`.
    public init?(_ text: String) {
        switch text {
        case "recorded": self = .recorded
        case "free": self = .free
        default:
            guard text.hasPrefix("cap:"), let n = Int(text.dropFirst(4)), n > 0 else { return nil }
            self = .cap(n)
        }
    }

    public var description: String {
        switch self {
        case .recorded: return "recorded"
        case .free: return "free"
        case .cap(let n): return "cap:\(n)"
        }
    }
}

/// How recorded gaps between turns are replayed (`--gaps`).
public enum GapPolicy: Sendable, Equatable, CustomStringConvertible {
    /// As recorded.
    case recorded
    /// Multiplied by a factor.
    case scale(Double)
    /// Capped at a number of seconds.
    case cap(Double)

    /// Parses `recorded`, `scale:F` or `cap:S`.
    public init?(_ text: String) {
        if text == "recorded" { self = .recorded; return }
        if text.hasPrefix("scale:"), let f = Double(text.dropFirst(6)), f >= 0, f.isFinite { self = .scale(f); return }
        if text.hasPrefix("cap:"), let s = Double(text.dropFirst(4)), s >= 0, s.isFinite { self = .cap(s); return }
        return nil
    }

    /// The gap to wait, ns, for a recorded gap.
    public func apply(_ ns: Int64) -> Int64 {
        switch self {
        case .recorded: return ns
        case .scale(let f): return Int64((Double(ns) * f).rounded())
        case .cap(let s): return min(ns, Int64(s * 1e9))
        }
    }

    public var description: String {
        switch self {
        case .recorded: return "recorded"
        case .scale(let f): return "scale:\(f)"
        case .cap(let s): return "cap:\(s)"
        }
    }
}

/// What history each turn sends (`--history`).
public enum HistoryMode: String, Sendable, Equatable {
    /// The recorded context, byte for byte apart from the overrides (the AA-AgentPerf way).
    case recorded
    /// The recorded context with earlier assistant replies replaced by what the target actually returned.
    case live
}
