/// String parsing. Strings without escapes are one scan and one copy. Strings with escapes are
/// checked in a first pass that finds the closing quote, then decoded in a second pass straight
/// into the new string's storage (decoded text is never longer than its escaped form).
extension JSONParser {
    mutating func parseString() throws(JSONParseError) -> String {
        i += 1  // opening quote
        let start = i
        i = JSONScan.specialIndex(base!, from: i, to: end)  // base is non-nil: a quote was read.
        guard i < end else { throw error("unterminated string") }
        let c = byte(i)
        if c == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeBufferPointer(start: base! + start, count: i - start), as: UTF8.self)
            i += 1
            return s
        }
        if c < 0x20 { throw error("control character in string") }
        try skipEscapedRest()
        let src = UnsafeBufferPointer(start: base! + start, count: i - start)
        i += 1
        return String(unsafeUninitializedCapacity: src.count) { Self.decodeEscaped(src, into: $0) }
    }

    /// From a backslash inside a string, advances to its closing quote, checking every escape
    /// and that no control byte appears, so that ``decodeEscaped(_:into:)`` cannot fail.
    mutating func skipEscapedRest() throws(JSONParseError) {
        while true {
            i += 1  // the backslash
            guard i < end else { throw error("unterminated escape") }
            switch byte(i) {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                i += 1
            case UInt8(ascii: "u"):
                i += 1
                _ = try hex4()
            default:
                throw error("invalid escape")
            }
            i = JSONScan.specialIndex(base!, from: i, to: end)
            guard i < end else { throw error("unterminated string") }
            let c = byte(i)
            if c == UInt8(ascii: "\"") { return }
            if c < 0x20 { throw error("control character in string") }
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= end else { throw error("truncated \\u escape") }
        for k in 0..<4 where Self.hexValue(byte(i + k)) == nil {
            i += k
            throw error("invalid \\u escape")
        }
        let v = Self.hex4(base! + i)
        i += 4
        return v
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// Four hex digits already checked by ``hex4()``.
    @inline(__always) static func hex4(_ p: UnsafePointer<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | (hexValue(p[k]) ?? 0) }
        return v
    }

    /// Decodes the checked inside of a string with escapes; returns the bytes written. Unpaired
    /// surrogates become U+FFFD.
    static func decodeEscaped(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let s = src.baseAddress!, d = dst.baseAddress!  // Both non-empty: src holds an escape.
        let n = src.count
        var r = 0, w = 0
        while r < n {
            let stop = JSONScan.specialIndex(s, from: r, to: n)  // Only backslashes remain special.
            if stop > r { (d + w).update(from: s + r, count: stop - r); w += stop - r; r = stop }
            guard r < n else { break }
            let e = s[r + 1]
            r += 2
            switch e {
            case UInt8(ascii: "b"): d[w] = 0x08; w += 1
            case UInt8(ascii: "f"): d[w] = 0x0C; w += 1
            case UInt8(ascii: "n"): d[w] = 0x0A; w += 1
            case UInt8(ascii: "r"): d[w] = 0x0D; w += 1
            case UInt8(ascii: "t"): d[w] = 0x09; w += 1
            case UInt8(ascii: "u"):
                var scalar = hex4(s + r)
                r += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // High surrogate: expect a low one.
                    if r + 1 < n, s[r] == UInt8(ascii: "\\"), s[r + 1] == UInt8(ascii: "u") {
                        let low = hex4(s + r + 2)
                        r += 6
                        if low >= 0xDC00 && low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            w += writeUTF8(0xFFFD, d + w)
                            scalar = low
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                w += writeUTF8(scalar, d + w)
            default: d[w] = e; w += 1  // `"`, `\` and `/` stand for themselves.
            }
        }
        return w
    }

    /// Writes one scalar as UTF-8 (surrogates too, which the string's validation then repairs).
    @inline(__always) static func writeUTF8(_ s: UInt32, _ d: UnsafeMutablePointer<UInt8>) -> Int {
        if s < 0x80 {
            d[0] = UInt8(s)
            return 1
        } else if s < 0x800 {
            d[0] = UInt8(0xC0 | (s >> 6)); d[1] = UInt8(0x80 | (s & 0x3F))
            return 2
        } else if s < 0x10000 {
            d[0] = UInt8(0xE0 | (s >> 12)); d[1] = UInt8(0x80 | ((s >> 6) & 0x3F)); d[2] = UInt8(0x80 | (s & 0x3F))
            return 3
        }
        d[0] = UInt8(0xF0 | (s >> 18)); d[1] = UInt8(0x80 | ((s >> 12) & 0x3F))
        d[2] = UInt8(0x80 | ((s >> 6) & 0x3F)); d[3] = UInt8(0x80 | (s & 0x3F))
        return 4
    }
}
