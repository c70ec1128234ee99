/// Parses tiers written as `NAME: CONDITION[, CONDITION]…`.
public enum SLOTierParser {
    /// The grammar, shown to users when a tier does not parse.
    public static let grammar = """
        TIER := NAME ':' COND (',' COND)* ; COND := METRIC OP NUMBER [UNIT] ; \
        METRIC := (ttft|ttfo|e2e|scheduled_e2e|speed|tpot|itl|dispatch_lag)_pNN | error_rate | throughput ; \
        OP := >= | <= | > | < ; UNIT := s | ms | us (times), tok/s (speed, throughput), % (error_rate) ; \
        e.g. "gold: speed_p25>=180, ttft_p95<=3s"
        """

    /// Parses one tier.
    public static func parse(_ text: String) throws(SLOTierError) -> SLOTier {
        guard let colon = text.firstIndex(of: ":") else { throw SLOTierError(text, "missing ':' after the tier name") }
        let name = text[..<colon].trimmingSpaces
        guard !name.isEmpty else { throw SLOTierError(text, "empty tier name") }
        let body = text[text.index(after: colon)...]
        var conditions: [SLOCondition] = []
        for part in body.split(separator: ",", omittingEmptySubsequences: false) {
            let c = part.trimmingSpaces
            guard !c.isEmpty else { throw SLOTierError(text, "empty condition") }
            conditions.append(try condition(c, in: text))
        }
        return SLOTier(name: name, conditions: conditions)
    }

    static func condition(_ c: String, in text: String) throws(SLOTierError) -> SLOCondition {
        // The operator: the first of <, >, and a following '='.
        guard let opStart = c.firstIndex(where: { $0 == "<" || $0 == ">" }) else {
            throw SLOTierError(text, "no comparison (>=, <=, >, <) in \"\(c)\"")
        }
        var opEnd = c.index(after: opStart)
        if opEnd < c.endIndex, c[opEnd] == "=" { opEnd = c.index(after: opEnd) }
        guard let op = SLOCondition.Op(rawValue: String(c[opStart..<opEnd])) else { throw SLOTierError(text, "bad comparison in \"\(c)\"") }
        let lhs = c[..<opStart].trimmingSpaces
        let rhs = c[opEnd...].trimmingSpaces
        let subject = try self.subject(lhs, in: text)
        // The number, then an optional unit.
        let numEnd = rhs.firstIndex(where: { !($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }) ?? rhs.endIndex
        guard let value = Double(rhs[..<numEnd]), value.isFinite, value >= 0 else {
            throw SLOTierError(text, "\"\(rhs)\" is not a non-negative number with an optional unit")
        }
        let unit = rhs[numEnd...].trimmingSpaces.lowercased()
        return SLOCondition(subject, op, try scale(value, unit: unit, subject: subject, lhs: lhs, in: text))
    }

    static func subject(_ s: String, in text: String) throws(SLOTierError) -> SLOCondition.Subject {
        switch s {
        case "error_rate": return .errorRate
        case "throughput": return .throughput
        default: break
        }
        let chars = Array(s)
        guard let k = chars.indices.dropLast().last(where: { chars[$0] == "_" && chars[$0 + 1] == "p" }) else {
            throw SLOTierError(text, "unknown metric \"\(s)\"")
        }
        let name = String(chars[..<k])
        guard let metric = LoadMetric(rawValue: name) else { throw SLOTierError(text, "unknown metric \"\(name)\"") }
        guard let p = Double(String(chars[(k + 2)...])), p >= 0, p <= 100 else {
            throw SLOTierError(text, "\"\(s)\" needs a percentile from 0 to 100 after _p")
        }
        return .percentile(metric, p)
    }

    static func scale(_ v: Double, unit: String, subject: SLOCondition.Subject, lhs: String, in text: String) throws(SLOTierError) -> Double {
        let isTime: Bool
        switch subject {
        case .percentile(let m, _): isTime = m.unit == "s"
        case .throughput: isTime = false
        case .errorRate:
            switch unit {
            case "": return v
            case "%": return v / 100
            default: throw SLOTierError(text, "error_rate takes a fraction or a percentage, not \"\(unit)\"")
            }
        }
        if isTime {
            switch unit {
            case "", "s": return v
            case "ms": return v / 1e3
            case "us", "µs": return v / 1e6
            default: throw SLOTierError(text, "\(lhs) is a time: use s, ms or us, not \"\(unit)\"")
            }
        }
        switch unit {
        case "", "tok/s", "tokens/s", "t/s": return v
        default: throw SLOTierError(text, "\(lhs) is in tokens/s, not \"\(unit)\"")
        }
    }
}

/// A tier that could not be parsed.
public struct SLOTierError: Error, Sendable, CustomStringConvertible {
    /// The tier text.
    public let text: String
    /// What was wrong.
    public let reason: String
    init(_ text: String, _ reason: String) { self.text = text; self.reason = reason }
    public var description: String { "cannot parse tier \"\(text)\": \(reason). Grammar: \(SLOTierParser.grammar)" }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
