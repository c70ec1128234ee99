/// Seeded lorem-ipsum tokens with random access: token `i` depends only on `i` and the seed.
///
/// Every word has at most four letters, so each `" word"` is exactly one token under
/// `SimTokenizer`, and a lorem answer of N tokens re-tokenizes to N tokens.
public enum SimLorem {
    static let words: [String] = [
        "sed", "ut", "enim", "ad", "quis", "duis", "aute", "in", "esse", "non", "sunt", "qui", "id", "est",
        "amet", "elit", "nisi", "et", "do", "ex", "ea", "nam", "cum", "nunc", "vel", "eu", "at", "nec", "per",
        "leo", "mi", "dui", "sem", "quam", "eget", "erat", "odio", "ante", "arcu", "nibh", "urna", "diam",
    ]
    static let capitalized: [String] = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }
    // Precomputed so that a token costs no string building on the hot path.
    static let spaced: [String] = words.map { " " + $0 }
    static let spacedCapitalized: [String] = capitalized.map { " " + $0 }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func isStop(_ i: Int, seed: UInt64) -> Bool {
        i > 0 && mix(seed ^ UInt64(i)) % 11 == 0
    }

    /// Token `i`: `"Lorem"`-style first word, `" word"` after it, `"."` now and then.
    public static func piece(_ i: Int, seed: UInt64) -> String {
        if isStop(i, seed: seed) && !isStop(i - 1, seed: seed) { return "." }
        let h = mix(seed ^ UInt64(i) ^ 0x5157)
        let w = Int(h % UInt64(words.count))
        if i == 0 { return capitalized[w] }
        if isStop(i - 1, seed: seed) && !isStop(i - 2, seed: seed) { return spacedCapitalized[w] }
        return spaced[w]
    }
}
