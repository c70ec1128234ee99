import Testing
@testable import Cassette

/// The block-at-a-time string scan (CScan), the string parser and the run-copying escaper,
/// each checked against a plain byte-by-byte reference on tricky and random input.
@Suite struct JSONFastPathTests {
    /// Pieces that random strings are built from: plain runs of every length around a word,
    /// multi-byte UTF-8, bytes that must be escaped, and the bytes around the special ones.
    static let rawPieces: [[UInt8]] = [
        Array("a".utf8), Array("hello".utf8), Array("exactly8".utf8), Array("sixteen bytes ok".utf8),
        Array("é".utf8), Array("😀".utf8), Array("中文".utf8), Array("e\u{301}".utf8),
        [0x22], [0x5C], [0x2F], [0x00], [0x01], [0x08], [0x09], [0x0A], [0x0C], [0x0D], [0x1F], [0x20], [0x21], [0x23],
        [0x5B], [0x5D], [0x7F], [0x80 | 0x22], [0xDC],
    ]

    /// Escapes as they may appear inside a JSON string literal.
    static let escapePieces: [String] = [
        #"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u0000"#, #"\u001f"#, #"\u00e9"#, #"\u00E9"#,
        #"\u4e2d"#, #"\ud83d\ude00"#, #"\uD83D\uDE00"#, #"\ud83d"#, #"\ude00"#, #"\ud83dx"#, #"\ud83d\u0041"#,
        #"\ud83d\ud83d"#, #"\ud83d\ud83d\ude00"#, "plain", "ü", "😀", "12345678", #"\\u0041"#,
    ]

    static func randomBytes(_ rng: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<Int(rng.next() % 24) { out += rawPieces[Int(rng.next() % UInt64(rawPieces.count))] }
        return out
    }

    static func randomLiteral(_ rng: inout SplitMix64) -> String {
        var out = ""
        for _ in 0..<Int(rng.next() % 24) { out += escapePieces[Int(rng.next() % UInt64(escapePieces.count))] }
        return out
    }

    @Test func specialIndexMatchesAByteLoop() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let bytes = Self.randomBytes(&rng)
            bytes.withUnsafeBufferPointer { b in
                guard let p = b.baseAddress else { return }
                for from in 0...b.count {
                    let expected = (from..<b.count).first { b[$0] == 0x22 || b[$0] == 0x5C || b[$0] < 0x20 } ?? b.count
                    #expect(JSONScan.specialIndex(p, from: from, to: b.count) == expected)
                }
            }
        }
    }

    @Test func escaperMatchesTheReference() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<5000 {
            let s = String(decoding: Self.randomBytes(&rng), as: UTF8.self)
            var fast: [UInt8] = []
            JSON.writeString(s, into: &fast)
            #expect(fast == Reference.quoted(Array(s.utf8)), "\(s.debugDescription)")
            #expect(try JSON.parse(fast).stringValue.map { Array($0.utf8) } == Array(s.utf8))
        }
    }

    /// Long text at every escape density: below a quarter the escaper writes in one pass,
    /// above it (control bytes need six) it counts first; both must give the reference bytes.
    @Test func escaperMatchesTheReferenceAtEveryDensity() throws {
        var rng = SplitMix64(seed: 12)
        for density in [0, 1, 5, 15, 24, 26, 40, 100] {
            for n in [1, 7, 8, 9, 63, 64, 65, 1000, 4096] {
                let bytes: [UInt8] = (0..<n).map { _ in
                    guard Int(rng.next() % 100) < density else { return UInt8(ascii: "a") + UInt8(rng.next() % 26) }
                    return [0x22, 0x5C, 0x0A, 0x01, 0x1F][Int(rng.next() % 5)]
                }
                var fast: [UInt8] = [1, 2, 3]  // Appends after what is there.
                JSON.writeString(String(decoding: bytes, as: UTF8.self), into: &fast)
                #expect(fast == [1, 2, 3] + Reference.quoted(bytes), "density \(density)%, \(n) bytes")
            }
        }
    }

    /// Random documents mixing the serializer's own form with every way of departing from it
    /// (whitespace, other escapes, duplicate keys, invalid UTF-8): the flag the parser notes
    /// must say exactly whether serializing gives the same bytes back.
    @Test func compactFlagIsExactlyTheRoundTrip() throws {
        var rng = SplitMix64(seed: 21)
        let strings: [[UInt8]] = [
            Array(#""plain""#.utf8), Array(#""q\"b\\n\n\r\t""#.utf8), Array(#""c\u0001\u001f""#.utf8),
            Array(#""C\u001F""#.utf8), Array(#""s\/""#.utf8), Array(#""b\b""#.utf8), Array(#""f\f""#.utf8),
            Array(#""e\u00e9""#.utf8), Array(#""n\u000a""#.utf8), Array(#""t\u0009""#.utf8), Array(#""x\u0008""#.utf8),
            Array("\"é😀\"".utf8), [0x22, 0xFF, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x61, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xE0, 0x80, 0x80, 0x22], [0x22, 0xC3, 0x22], Array(#""\ud83d\ude00""#.utf8), Array(#""""#.utf8),
        ]
        let scalars: [String] = ["1", "-0", "2.50", "1e5", "true", "false", "null"]
        func value(_ depth: Int) -> [UInt8] {
            let ws: [UInt8] = rng.next() % 12 == 0 ? [[0x20], [0x0A], [0x09], [0x0D]][Int(rng.next() % 4)] : []
            switch depth > 2 ? rng.next() % 2 : rng.next() % 4 {
            case 0: return ws + strings[Int(rng.next() % UInt64(strings.count))]
            case 1: return ws + Array(scalars[Int(rng.next() % UInt64(scalars.count))].utf8)
            case 2:
                let n = Int(rng.next() % 4)
                return ws + [0x5B] + (0..<n).map { _ in value(depth + 1) }.joined(separator: [0x2C]) + [0x5D]
            default:
                let n = Int(rng.next() % 4)
                let keys = ["a", "b", "c"]
                let members = (0..<n).map { _ in Array("\"\(keys[Int(rng.next() % 3)])\":".utf8) + value(depth + 1) }
                return ws + [0x7B] + members.joined(separator: [0x2C]) + [0x7D]
            }
        }
        var compact = 0, other = 0
        for _ in 0..<20_000 {
            let bytes = value(0)
            let parsed: (value: JSON, compact: Bool)? = bytes.withUnsafeBytes { b in
                do { return try JSON.parseNotingLayout(buffer: b) } catch { return nil }
            }
            guard let (v, flag) = parsed else { continue }
            let roundTrips = v.serialized() == bytes
            #expect(flag == roundTrips, "\(String(decoding: bytes, as: UTF8.self))")
            if roundTrips { compact += 1 } else { other += 1 }
        }
        #expect(compact > 1000 && other > 1000, "both kinds are exercised: \(compact) compact, \(other) other")
    }

    @Test func utf8CheckMatchesTheStandardLibrary() {
        var rng = SplitMix64(seed: 22)
        for _ in 0..<20_000 {
            let bytes = Self.randomBytes(&rng) + (0..<Int(rng.next() % 4)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let ours = bytes.withUnsafeBufferPointer { b in b.baseAddress.map { JSONScan.isValidUTF8($0, b.count) } ?? true }
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test func parserMatchesTheReference() throws {
        var rng = SplitMix64(seed: 13)
        for _ in 0..<5000 {
            let literal = Self.randomLiteral(&rng)
            let parsed = try JSON.parse("\"" + literal + "\"").stringValue
            #expect(parsed.map { Array($0.utf8) } == Array(Reference.decode(Array(literal.utf8)).utf8), "\(literal)")
        }
    }

    /// Literals long enough for the decoder's whole-block path (32 bytes and more), with escapes
    /// at every distance from each other and from the block edges: the same text as the
    /// reference, and the compact flag exactly when serializing gives the bytes back.
    @Test func parserMatchesTheReferenceOnLongLiterals() throws {
        var rng = SplitMix64(seed: 14)
        for _ in 0..<3000 {
            var literal = ""
            for _ in 0..<(8 + Int(rng.next() % 120)) {
                literal += rng.next() % 3 == 0 ? String(repeating: "a", count: Int(rng.next() % 20))
                    : Self.escapePieces[Int(rng.next() % UInt64(Self.escapePieces.count))]
            }
            let bytes = Array(("\"" + literal + "\"").utf8)
            let (v, compact) = try bytes.withUnsafeBytes { try JSON.parseNotingLayout(buffer: $0) }
            #expect(v.stringValue.map { Array($0.utf8) } == Array(Reference.decode(Array(literal.utf8)).utf8), "\(literal)")
            #expect(compact == (v.serialized() == bytes), "\(literal)")
        }
    }

    /// Errors found in the whole-block path keep the reason and the offset the byte loop gives.
    @Test func errorsDeepInsideLongStringsKeepTheirOffset() {
        let lead = String(repeating: #"ab\"c\\"#, count: 10)  // 70 bytes of dense escapes
        for pad in 0..<20 {
            let head = "\"" + lead + String(repeating: "x", count: pad)
            let at = head.utf8.count
            let tail = String(repeating: "y", count: 40) + "\""
            #expect(throws: JSONParseError(offset: at + 1, reason: "invalid escape")) { try JSON.parse(head + #"\q"# + tail) }
            #expect(throws: JSONParseError(offset: at, reason: "control character in string")) { try JSON.parse(head + "\u{1}" + tail) }
            #expect(throws: JSONParseError(offset: at + 3, reason: "invalid \\u escape")) { try JSON.parse(head + #"\u0G00"# + tail) }
            #expect(throws: JSONParseError(offset: at + 6, reason: "unterminated string")) { try JSON.parse(head + #"\u00e9"#) }
            #expect(throws: JSONParseError(offset: at + 1, reason: "unterminated escape")) { try JSON.parse(head + "\\") }
        }
    }

    @Test func parserRepairsInvalidUTF8LikeTheReference() throws {
        for raw: [UInt8] in [[0xFF], [0x61, 0xC3], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98]] {
            for literal in [raw, raw + Array(#"\n"#.utf8), Array(#"\t"#.utf8) + raw + Array("tail of the string".utf8)] {
                let parsed = try JSON.parse([0x22] + literal + [0x22]).stringValue
                #expect(parsed.map { Array($0.utf8) } == Array(Reference.decode(literal).utf8), "\(literal)")
            }
        }
    }

    @Test(arguments: [
        (#""abc\x""#, "invalid escape", 5), (#""0123456789\u12"#, "truncated \\u escape", 13),
        (#""\u12G4 and more""#, "invalid \\u escape", 5), ("\"abc\\", "unterminated escape", 5),
        ("\"a\\n\u{1}\"", "control character in string", 4), (#""abc\"def"#, "unterminated string", 9),
        (#""\ud83d\u00"#, "truncated \\u escape", 9), ("\"plain text\nmore\"", "control character in string", 11),
    ])
    func escapedStringErrorsKeepReasonAndOffset(input: String, reason: String, offset: Int) {
        #expect(throws: JSONParseError(offset: offset, reason: reason)) { try JSON.parse(input) }
    }

    @Test func longEscapedTextRoundTrips() throws {
        var sse = ""
        for k in 0..<300 { sse += "data: {\"id\":\"chatcmpl-\(k)\",\"delta\":{\"content\":\"tab\\tnewline\\n é😀\"}}\n\n" }
        let v = JSON.obj([("body_text", .string(sse)), ("n", 1.5)])
        #expect(try JSON.parse(v.serialized()) == v)
        #expect(try JSON.parse(v.serialized()).serialized() == v.serialized())
    }
}

/// The byte-at-a-time escaper and decoder the fast paths replaced.
enum Reference {
    static let hex = Array("0123456789abcdef".utf8)

    static func quoted(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for c in b {
            switch c {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case ..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]]
            default: out.append(c)
            }
        }
        return out + [0x22]
    }

    /// Decodes the inside of a valid string literal.
    static func decode(_ b: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        func hex4() -> UInt32 {
            let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16)!  // Test input is valid.
            i += 4
            return v
        }
        func utf8(_ s: UInt32) { out += Array(String(Character(Unicode.Scalar(s) ?? "\u{FFFD}")).utf8) }
        while i < b.count {
            let c = b[i]
            i += 1
            guard c == 0x5C else { out.append(c); continue }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let s = hex4()
                if s >= 0xD800 && s < 0xDC00 {
                    if i + 1 < b.count, b[i] == 0x5C, b[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = hex4()
                        if low >= 0xDC00 && low < 0xE000 { utf8(0x10000 + ((s - 0xD800) << 10) + (low - 0xDC00)) } else {
                            utf8(0xFFFD)
                            if low >= 0xD800 && low < 0xDC00 { out += [0xED, UInt8(0xA0 | ((low >> 6) & 0x0F)), UInt8(0x80 | (low & 0x3F))] } else { utf8(low) }
                        }
                    } else {
                        utf8(0xFFFD)
                    }
                } else {
                    utf8(s)  // A lone low surrogate is not a scalar: U+FFFD.
                }
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
