/// The byte scan shared by the JSON parser and serializer: where the next byte that cannot
/// stand for itself inside a JSON string (`"`, `\` or a control byte below 0x20) is.
///
/// Eight bytes at a time: a byte equal to `q` is a zero byte of `w ^ q`, found with the usual
/// `(x - 0x01…) & ~x & 0x80…` test, and a byte below 0x20 with `(w - 0x20…) & ~w & 0x80…`.
/// Borrows can only flag bytes above a true hit, so the lowest flag is always exact.
enum JSONScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always) static func isSpecial(_ c: UInt8) -> Bool { c == 0x22 || c == 0x5C || c < 0x20 }

    /// For a little-endian word of eight bytes: the high bit of each byte is set from the first
    /// special byte on (bytes above it may be flagged falsely); zero when none is special.
    @inline(__always) static func specialMask(_ w: UInt64) -> UInt64 {
        let q = w ^ (ones &* 0x22)
        let b = w ^ (ones &* 0x5C)
        return (((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w)) & highs
    }

    /// The index of the first byte in `p[from..<to]` that is `"`, `\` or below 0x20, or `to`.
    @inline(__always)
    static func specialIndex(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var k = from
        let raw = UnsafeRawPointer(p)
        while k + 8 <= to {
            let m = specialMask(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)))
            if m != 0 { return k + m.trailingZeroBitCount >> 3 }
            k += 8
        }
        while k < to, !isSpecial(p[k]) { k += 1 }
        return k
    }

    /// Exact per-byte flags (high bit of each byte) of the bytes of `w` equal to `q`.
    @inline(__always) private static func equalFlags(_ w: UInt64, _ q: UInt8) -> UInt64 {
        let t = w ^ (ones &* UInt64(q))
        return ~(((t & ~highs) &+ ~highs) | t) & highs
    }

    /// The bytes that escaping `p[from..<to]` adds: one for each `"`, `\`, newline, carriage
    /// return and tab, five for each other control byte (`\u00XX`). Counted eight bytes at a
    /// time with exact per-byte flags (no borrows, so population counts are exact).
    static func escapedExtra(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var extra = 0
        var k = from
        let raw = UnsafeRawPointer(p)
        while k + 8 <= to {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: k, as: UInt64.self))
            let control = ~(((w & ~highs) &+ ones &* 0x60) | w) & highs
            let special = equalFlags(w, 0x22) | equalFlags(w, 0x5C) | control
            if special != 0 {
                let short = equalFlags(w, 0x0A) | equalFlags(w, 0x0D) | equalFlags(w, 0x09)
                extra += special.nonzeroBitCount + 4 * (control & ~short).nonzeroBitCount
            }
            k += 8
        }
        while k < to {
            switch p[k] {
            case 0x22, 0x5C, 0x0A, 0x0D, 0x09: extra += 1
            case ..<0x20: extra += 5
            default: break
            }
            k += 1
        }
        return extra
    }

    /// Copies bytes from `s[r..<end]` to `d[w...]` up to the first special byte, advancing both
    /// indices. Whole words are stored, so up to seven bytes past the copied ones may be
    /// overwritten: the caller needs `d` to have room for `w + 8` bytes whenever `r + 8 <= end`.
    /// With `limit`, whole-word stores stop before `w + 8` passes it (the caller checks
    /// whether the copy got to a special byte or the end).
    @inline(__always)
    static func copyPlain(_ s: UnsafePointer<UInt8>, _ r: inout Int, _ end: Int, _ d: UnsafeMutablePointer<UInt8>, _ w: inout Int,
                          limit: Int = Int.max) {
        let src = UnsafeRawPointer(s), dst = UnsafeMutableRawPointer(d)
        while r + 8 <= end, w + 8 <= limit {
            let word = src.loadUnaligned(fromByteOffset: r, as: UInt64.self)
            dst.storeBytes(of: word, toByteOffset: w, as: UInt64.self)
            let m = specialMask(UInt64(littleEndian: word))
            if m != 0 {
                let n = m.trailingZeroBitCount >> 3
                r += n; w += n
                return
            }
            r += 8; w += 8
        }
        while r < end, w < limit, !isSpecial(s[r]) { d[w] = s[r]; r += 1; w += 1 }
    }

    /// Whether `p[0..<n]` is well-formed UTF-8 (no overlong forms, surrogates or scalars past
    /// U+10FFFF): exactly the bytes `String(decoding:as:)` keeps without repair. ASCII is
    /// checked eight bytes at a time.
    static func isValidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i < n {
            if i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & highs == 0 { i += 8; continue }
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            @inline(__always) func cont(_ k: Int) -> Bool { k < n && p[k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard cont(i + 1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard cont(i + 1), cont(i + 2) else { return false }
                let c1 = p[i + 1]
                if c == 0xE0 && c1 < 0xA0 || c == 0xED && c1 >= 0xA0 { return false }  // Overlong; surrogate.
                i += 3
            case 0xF0...0xF4:
                guard cont(i + 1), cont(i + 2), cont(i + 3) else { return false }
                let c1 = p[i + 1]
                if c == 0xF0 && c1 < 0x90 || c == 0xF4 && c1 >= 0x90 { return false }  // Overlong; past U+10FFFF.
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
