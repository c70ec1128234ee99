import Cassette
import NIOCore

/// One piece of a request body as sent: shared bytes, the phase nonce, or a live reply.
///
/// Bodies are lists of pieces so that the bytes of a long context are stored once and
/// shared by every turn that resends them; sending writes the pieces with one gathered write.
public enum BodyPiece: Sendable {
    /// Bytes shared with other turns (never copied when sent).
    case bytes(ByteBuffer)
    /// The cache-busting prefix nonce of the trajectory instance (``Nonce/length`` bytes).
    case nonce
    /// An assistant message that `--history live` replaces with what the target returned for turn `turn`;
    /// `recorded` is sent when there is no live reply. `leadingComma` says whether `recorded` starts with ','.
    case liveReply(turn: Int, recorded: ByteBuffer, leadingComma: Bool)
}

/// The cache-busting prefix put at the start of a trajectory's first message.
public enum Nonce {
    /// Every nonce is this many bytes of ASCII (no JSON escaping needed).
    public static let length = 23

    /// The nonce text for a phase nonce and a trajectory instance: `[run 0123456789abcdef] `.
    public static func text(phase: UInt64, instance: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: phase ^ (instance &* 0x9E37_79B9_7F4A_7C15))
        let v = rng.next()
        var out = Array("[run ".utf8)
        let hex = Array("0123456789abcdef".utf8)
        for k in (0..<16).reversed() { out.append(hex[Int((v >> (UInt64(k) * 4)) & 0xF)]) }
        out += Array("] ".utf8)
        return out
    }

    /// The marker the compiler puts where the nonce goes, then splits on.
    static let marker = Array("TAPEDECK_NONCE_SITE_7f3a91".utf8)
}

