/// A blob or entry-list name as the reader's dictionary key.
///
/// The reader looks names up several times per request (each entry, each list), and its
/// tables grow to every blob of the cassette. With plain `String` keys each lookup and each
/// rehash on growth ran SipHash over the 32 characters. A `BlobName` takes a 64-bit print of
/// its text once, and hashing uses only that, mixed with each table's seed without a `Hasher`.
/// Equality still compares the text, so two names are equal exactly when their texts are.
public struct BlobName: Hashable, Sendable, CustomStringConvertible {
    /// The name as written in the cassette.
    public let text: String
    /// The print hashing uses.
    let print: UInt64

    /// The key for `text`.
    public init(_ text: String) {
        self.text = text
        var t = text
        print = t.withUTF8 { Self.print(of: $0) }
    }

    /// The empty name: the list of no entries.
    public static let empty = BlobName("")

    public var description: String { text }

    /// For 16 bytes or more, the first sixteen mixed as two words (the writer's names are hex
    /// digests, so these already vary uniformly); for shorter text, FNV-1a of it.
    @inline(__always) static func print(of b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        if b.count >= 16, let p = b.baseAddress {
            let raw = UnsafeRawPointer(p)
            let w0 = raw.loadUnaligned(as: UInt64.self), w1 = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            return (w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(b.count)
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01B3 }
        return h
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(print) }

    /// What dictionaries call to place a key: the print mixed with the table's seed, without
    /// setting up a `Hasher` (SipHash's state), which was most of the cost of every rehash as
    /// the reader's blob table grew. Consistent with `hash(into:)` in what it depends on.
    public func _rawHashValue(seed: Int) -> Int {
        var x = print ^ UInt64(UInt(bitPattern: seed))
        x = (x ^ (x >> 31)) &* 0xD6E8_FEB8_6659_FD93
        return Int(truncatingIfNeeded: x ^ (x >> 32))
    }

    public static func == (a: BlobName, b: BlobName) -> Bool { a.print == b.print && a.text == b.text }
}
