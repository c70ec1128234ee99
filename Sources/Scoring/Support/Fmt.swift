import Cassette

/// Number and text formatting shared by reports, without Foundation's locale-dependent formatters.
public enum Fmt {
    /// A number with at most `digits` decimals, trailing zeros dropped (`12`, `0.25`, `1234.5`).
    public static func num(_ v: Double, digits: Int = 3) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        var digits = digits
        var mag = abs(v)
        while mag < 0.1, digits < 12 { mag *= 10; digits += 1 }  // keep small values visible: 0.0000001, not 0
        let s = fixed(v, digits)
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    /// A number with exactly `digits` decimals.
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return num(v) }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (abs(v) * scale).rounded()
        let neg = v < 0 && r > 0
        let whole = Int64(r / scale)
        let frac = Int64(r - Double(whole) * scale)
        var f = String(frac)
        while f.count < digits { f = "0" + f }
        return (neg ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
    }

    /// A duration in ms for people: `850 ms`, `2.35 s`, `3 m 12 s`.
    public static func ms(_ v: Double) -> String {
        if v < 1000 { return num(v, digits: v < 10 ? 2 : 0) + " ms" }
        if v < 60_000 { return fixed(v / 1000, 2) + " s" }
        let s = Int(v / 1000)
        return "\(s / 60) m \(s % 60) s"
    }

    /// A percentage with one decimal, from a ratio.
    public static func pct(_ ratio: Double) -> String { fixed(ratio * 100, 1) + "%" }

    /// A signed percentage change (`+12.5%`, `-3.0%`).
    public static func signedPct(_ ratio: Double) -> String { (ratio >= 0 ? "+" : "") + fixed(ratio * 100, 1) + "%" }

    /// A JSON value shown compactly, strings without quotes.
    public static func value(_ v: JSON) -> String { v.stringValue ?? v.text() }

    /// Text cut to `max` characters with an ellipsis, newlines shown as spaces.
    public static func clip(_ s: String, _ max: Int = 80) -> String {
        let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= max ? flat : String(flat.prefix(max - 1)) + "…"
    }

    /// A quoted, clipped string for messages.
    public static func quote(_ s: String, _ max: Int = 80) -> String { "'" + clip(s, max) + "'" }
}
