import CScan

/// String parsing. Strings without escapes are one scan and one copy. Strings with escapes are
/// decoded in one pass into the parser's scratch buffer (decoded text is never longer than its
/// escaped form, so the rest of the input bounds it), then copied into the string.
extension JSONParser {
    mutating func parseString() throws(JSONParseError) -> String {
        i += 1  // opening quote
        let start = i
        i = JSONScan.specialIndex(base!, from: i, to: end)  // base is non-nil: a quote was read.
        guard i < end else { throw error("unterminated string") }
        let c = byte(i)
        if c == UInt8(ascii: "\"") {
            let s = makeString(UnsafeBufferPointer(start: base! + start, count: i - start))
            i += 1
            return s
        }
        if c < 0x20 { throw error("control character in string") }
        if scratch.count < end - start { scratch = [UInt8](repeating: 0, count: max(end - start, 2 * scratch.count)) }
        let (src, from, stop) = (base!, i, end)
        let r = scratch.withUnsafeMutableBufferPointer { d in
            let p = d.baseAddress!  // Sized to at least end - start > 0 just above.
            p.update(from: src + start, count: from - start)
            return Self.decodeEscaped(src, from: from, end: stop, into: p, written: from - start)
        }
        i = r.next
        if let reason = r.failure { throw error(reason) }
        if !r.canonical { exact = false }
        i += 1  // closing quote
        return scratch.withUnsafeBufferPointer { makeString(UnsafeBufferPointer(rebasing: $0[..<r.written])) }
    }

    /// A string from UTF-8 bytes. Invalid sequences become U+FFFD (and the text is then not
    /// exact); while the text is exact so far, validation says whether that happened.
    @inline(__always) mutating func makeString(_ b: UnsafeBufferPointer<UInt8>) -> String {
        if exact, let p = b.baseAddress, !JSONScan.isValidUTF8(p, b.count) { exact = false }
        return String(decoding: b, as: UTF8.self)
    }

    /// Decodes a string from its first backslash at `from` up to its closing quote, appending to
    /// `d` after `written` bytes. Returns where it stopped (the closing quote, or the offending
    /// byte with the reason), the bytes written, and whether every escape was the one the
    /// serializer writes (`\"`, `\\`, `\n`, `\r`, `\t`, and `\u00xx` in lowercase for the
    /// other control bytes). Unpaired surrogates become U+FFFD.
    static func decodeEscaped(_ s: UnsafePointer<UInt8>, from: Int, end: Int, into d: UnsafeMutablePointer<UInt8>,
                              written: Int) -> (next: Int, written: Int, failure: String?, canonical: Bool) {
        var r = from, w = written
        var canonical: Int32 = 1
        while true {
            // CScan decodes up to the closing quote or a \u escape.
            let status = Int(td_unescape(s, &r, end, d, &w, &canonical))
            switch status {
            case Int(TD_UNESCAPE_QUOTE): return (r, w, nil, canonical != 0)
            case Int(TD_UNESCAPE_U): break
            case Int(TD_UNESCAPE_BAD_ESCAPE): return (r, w, "invalid escape", false)
            case Int(TD_UNESCAPE_UNTERMINATED_ESC): return (r, w, "unterminated escape", false)
            case Int(TD_UNESCAPE_UNTERMINATED): return (r, w, "unterminated string", false)
            default: return (r, w, "control character in string", false)
            }
            r += 2  // the backslash and the u
            if let bad = checkHex4(s, r, end) { return bad == end ? (r, w, "truncated \\u escape", false) : (bad, w, "invalid \\u escape", false) }
            var scalar = hex4(s + r)
            // The serializer writes \u00xx (lowercase) only for control bytes without a short escape.
            if scalar >= 0x20 || scalar == 0x09 || scalar == 0x0A || scalar == 0x0D || s[r + 3] < UInt8(ascii: "a") && s[r + 3] > UInt8(ascii: "9") {
                canonical = 0
            }
            r += 4
            if scalar >= 0xD800 && scalar < 0xDC00 {
                // High surrogate: expect a low one.
                if r + 1 < end, s[r] == UInt8(ascii: "\\"), s[r + 1] == UInt8(ascii: "u") {
                    if let bad = checkHex4(s, r + 2, end) {
                        return bad == end ? (r + 2, w, "truncated \\u escape", false) : (bad, w, "invalid \\u escape", false)
                    }
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
            w += writeUTF8(scalar, d + w)  // A scalar is never longer than its escape: w stays <= r.
        }
    }

    /// Nil when `s[at..<at+4]` are hex digits; else `end` when they run past it, or the index of
    /// the first bad digit.
    @inline(__always) static func checkHex4(_ s: UnsafePointer<UInt8>, _ at: Int, _ end: Int) -> Int? {
        guard at + 4 <= end else { return end }
        for k in at..<(at + 4) where hexValue(s[k]) == nil { return k }
        return nil
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        default: return nil
        }
    }

    /// Four hex digits already checked by ``checkHex4(_:_:_:)``.
    @inline(__always) static func hex4(_ p: UnsafePointer<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | (hexValue(p[k]) ?? 0) }
        return v
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
