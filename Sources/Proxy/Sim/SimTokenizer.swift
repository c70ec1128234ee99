/// The simulator's documented approximation of tokenization.
///
/// Real tokenizers are model-specific; the simulator only needs token counts that behave like
/// them (about four characters of English per token) and token boundaries that are stable
/// for prefix caching. Text is cut into pieces, one token each:
/// - a run of ASCII letters, with at most one leading space, in chunks of up to 4 letters
///   (the space belongs to the first chunk);
/// - a run of ASCII digits, with at most one leading space, in chunks of up to 3 digits;
/// - any other ASCII character (punctuation, symbols), with at most one leading space;
/// - a run of whitespace that is not a single space before a word: one token;
/// - each non-ASCII character (one UTF-8 sequence): one token.
public enum SimTokenizer {
    /// The byte ranges of the tokens of `bytes`, in order.
    public static func pieces(_ bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        var out: [Range<Int>] = []
        out.reserveCapacity(bytes.count / 4 + 1)
        forEachPiece(bytes) { out.append($0) }
        return out
    }

    /// The number of tokens in `text`.
    public static func count(_ text: String) -> Int {
        var s = text
        return s.withUTF8 { count(UnsafeRawBufferPointer($0)) }
    }

    /// The number of tokens in `bytes`.
    public static func count(_ bytes: UnsafeRawBufferPointer) -> Int {
        var n = 0
        forEachPiece(bytes) { _ in n += 1 }
        return n
    }

    /// The tokens of `text` as strings.
    public static func tokens(_ text: String) -> [String] {
        var s = text
        return s.withUTF8 { buf in
            let raw = UnsafeRawBufferPointer(buf)
            return pieces(raw).map { String(decoding: UnsafeRawBufferPointer(rebasing: raw[$0]), as: UTF8.self) }
        }
    }

    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }

    /// Calls `body` with each token's byte range.
    @inline(__always)
    public static func forEachPiece(_ b: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        let n = b.count
        var i = 0
        while i < n {
            let start = i
            var c = b[i]
            // One leading space joins a following word, number or symbol.
            if c == 0x20, i + 1 < n, !isSpace(b[i + 1]) {
                i += 1
                c = b[i]
            } else if isSpace(c) {
                while i < n, isSpace(b[i]) {
                    // Leave a final single space for the next word.
                    if b[i] == 0x20, i + 1 < n, !isSpace(b[i + 1]), i > start { break }
                    i += 1
                }
                body(start..<i)
                continue
            }
            if isLetter(c) {
                var k = 0
                var chunkStart = start
                while i < n, isLetter(b[i]) {
                    i += 1; k += 1
                    if k == 4, i < n, isLetter(b[i]) { body(chunkStart..<i); chunkStart = i; k = 0 }
                }
                body(chunkStart..<i)
            } else if isDigit(c) {
                var k = 0
                var chunkStart = start
                while i < n, isDigit(b[i]) {
                    i += 1; k += 1
                    if k == 3, i < n, isDigit(b[i]) { body(chunkStart..<i); chunkStart = i; k = 0 }
                }
                body(chunkStart..<i)
            } else if c < 0x80 {
                i += 1
                body(start..<i)
            } else {
                // One UTF-8 sequence: a lead byte and its continuation bytes.
                i += 1
                while i < n, b[i] & 0xC0 == 0x80 { i += 1 }
                body(start..<i)
            }
        }
    }
}
