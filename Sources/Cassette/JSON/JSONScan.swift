/// The byte scan shared by the JSON parser and serializer: where the next byte that cannot
/// stand for itself inside a JSON string (`"`, `\` or a control byte below 0x20) is.
enum JSONScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte in `p[from..<to]` that is `"`, `\` or below 0x20, or `to`.
    ///
    /// Eight bytes at a time: a byte equal to `q` is a zero byte of `w ^ q`, found with the
    /// usual `(x - 0x01…) & ~x & 0x80…` test, and a byte below 0x20 with `(w - 0x20…) & ~w & 0x80…`.
    /// Borrows can only flag bytes above a true hit, so the lowest flag is always exact.
    @inline(__always)
    static func specialIndex(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var k = from
        let raw = UnsafeRawPointer(p)
        while k + 8 <= to {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k, as: UInt64.self))
            let q = w ^ (ones &* 0x22)
            let b = w ^ (ones &* 0x5C)
            let m = (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w)) & highs
            if m != 0 { return k + m.trailingZeroBitCount >> 3 }
            k += 8
        }
        while k < to {
            let c = p[k]
            if c == 0x22 || c == 0x5C || c < 0x20 { return k }
            k += 1
        }
        return to
    }
}
