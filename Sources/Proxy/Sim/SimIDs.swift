/// Deterministic response and tool-call identifiers derived from a seed.
enum SimIDs {
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ v: UInt64, digits: Int = 16) -> String {
        var out = [UInt8](repeating: 0, count: digits)
        var x = v
        for i in (0..<digits).reversed() { out[i] = hex[Int(x & 0xF)]; x >>= 4 }
        return String(decoding: out, as: UTF8.self)
    }

    static func token(_ seed: UInt64, _ salt: UInt64) -> String {
        hex(SimLorem.mix(seed ^ salt)) + hex(SimLorem.mix(seed &+ salt &* 31), digits: 8)
    }

    /// A tool-call id (`call_…`), also used for Anthropic tool_use and Responses call ids.
    static func callID(_ seed: UInt64, _ k: Int) -> String { "call_" + token(seed, 0xCA11 &+ UInt64(k)) }
}
