import Foundation
import Cassette

/// Faults injected at random, each with its own per-request probability.
///
/// The draw for a request depends only on the seed and the request's arrival number, so a
/// run with the same seed and the same request order fails the same requests.
public struct SimFaultConfig: Sendable, Equatable {
    /// Probability of an immediate error response.
    public var errorRate: Double = 0
    /// The status of that error (500 by default).
    public var errorStatus: Int = 500
    /// Probability of a 429 with `Retry-After`.
    public var rateLimitRate: Double = 0
    /// The `Retry-After` value in seconds.
    public var retryAfterSeconds: Int = 1
    /// Probability that the first token is delayed.
    public var slowFirstTokenRate: Double = 0
    /// The delay, ms, added before the request enters the queue.
    public var slowFirstTokenMs: Double = 1000
    /// Probability that the connection is closed in mid-stream.
    public var disconnectRate: Double = 0
    /// Tokens sent before that disconnect.
    public var disconnectAfterTokens: Int = 5
    /// Probability of one malformed SSE chunk in a stream.
    public var malformedRate: Double = 0
    /// Tokens sent before the malformed chunk.
    public var malformedAfterTokens: Int = 3
    /// Probability that a stream stalls.
    public var stallRate: Double = 0
    /// How long the stall holds the stream's bytes back, ms.
    public var stallMs: Double = 2000
    /// Tokens sent before the stall.
    public var stallAfterTokens: Int = 5

    /// No faults.
    public init() {}

    /// Whether any fault has a non-zero rate.
    public var isActive: Bool {
        errorRate > 0 || rateLimitRate > 0 || slowFirstTokenRate > 0 || disconnectRate > 0 || malformedRate > 0 || stallRate > 0
    }
}

/// The faults that apply to one request, from the profile's rates and the request's headers.
public struct SimFaultPlan: Sendable, Equatable {
    /// Answer at once with this error status.
    public var errorStatus: Int?
    /// Answer at once with 429 and this `Retry-After` (seconds).
    public var retryAfterSeconds: Int?
    /// Delay before the request enters the queue, ns.
    public var slowFirstTokenNs: Int64 = 0
    /// Close the connection after this many tokens.
    public var disconnectAfter: Int?
    /// Send a malformed chunk after this many tokens.
    public var malformedAfter: Int?
    /// Hold the stream back for `stallNs` after `stallAfter` tokens.
    public var stallAfter: Int?
    /// The stall's length, ns.
    public var stallNs: Int64 = 0

    /// No faults.
    public init() {}

    /// The header that requests faults: `X-Tapedeck-Fault: stall=1500@4, malformed=2`.
    public static let header = "x-tapedeck-fault"

    /// Draws the profile's random faults for the request with arrival number `index`.
    public static func draw(_ config: SimFaultConfig, seed: UInt64, index: UInt64) -> SimFaultPlan {
        var plan = SimFaultPlan()
        guard config.isActive else { return plan }
        var rng = SplitMix64(seed: seed ^ (index &* 0x9E37_79B9_7F4A_7C15) ^ 0xFA17)
        func hit(_ p: Double) -> Bool { Double(rng.next() >> 11) / Double(1 << 53) < p }
        // Every draw happens in a fixed order, whatever the rates, so rates do not shift each other.
        let e = hit(config.errorRate), r = hit(config.rateLimitRate), s = hit(config.slowFirstTokenRate)
        let d = hit(config.disconnectRate), m = hit(config.malformedRate), st = hit(config.stallRate)
        if e { plan.errorStatus = config.errorStatus }
        if r { plan.retryAfterSeconds = config.retryAfterSeconds }
        if s { plan.slowFirstTokenNs = Int64(config.slowFirstTokenMs * 1e6) }
        if d { plan.disconnectAfter = config.disconnectAfterTokens }
        if m { plan.malformedAfter = config.malformedAfterTokens }
        if st { plan.stallAfter = config.stallAfterTokens; plan.stallNs = Int64(config.stallMs * 1e6) }
        return plan
    }

    /// Adds the faults named in an `X-Tapedeck-Fault` header value.
    ///
    /// Items are comma- or semicolon-separated: `error[=STATUS]`, `rate_limit[=SECONDS]` (or
    /// `429`), `slow_first_token=MS`, `disconnect=N`, `malformed=N`, `stall=MS[@N]`, `none`.
    public mutating func apply(header value: String) throws {
        for raw in value.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            let item = raw.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let key = parts[0].lowercased().replacingOccurrences(of: "-", with: "_")
            let arg = parts.count > 1 ? parts[1] : nil
            func int(_ dflt: Int) throws -> Int {
                guard let arg else { return dflt }
                guard let v = Int(arg), v >= 0 else { throw SimConfigError("X-Tapedeck-Fault: '\(item)' needs a non-negative integer") }
                return v
            }
            switch key {
            case "none": self = SimFaultPlan()
            case "error", "500": errorStatus = try int(500)
            case "rate_limit", "429": retryAfterSeconds = try int(1)
            case "slow_first_token": slowFirstTokenNs = Int64(try int(1000)) * 1_000_000
            case "disconnect": disconnectAfter = try int(5)
            case "malformed": malformedAfter = try int(3)
            case "stall":
                var ms = 2000, at = 5
                if let arg {
                    let p = arg.split(separator: "@").map(String.init)
                    guard let m = Int(p[0]), m >= 0, p.count <= 2 else { throw SimConfigError("X-Tapedeck-Fault: '\(item)' must be stall=MS or stall=MS@TOKENS") }
                    ms = m
                    if p.count == 2 {
                        guard let a = Int(p[1]), a >= 0 else { throw SimConfigError("X-Tapedeck-Fault: '\(item)' must be stall=MS or stall=MS@TOKENS") }
                        at = a
                    }
                }
                stallAfter = at
                stallNs = Int64(ms) * 1_000_000
            default:
                throw SimConfigError("X-Tapedeck-Fault: unknown fault '\(key)'; use error, rate_limit, slow_first_token, disconnect, malformed, stall or none")
            }
        }
    }
}
