/// The member names the fast path knows, and how it reads one.
extension ExchangeScanner {
    /// The member names the scanner knows.
    enum Key {
        case type, id, startUnixNs, startMonoNs, timing, sentNs, headNs, endNs, upstream, request, response
        case method, url, headers, body, bodyLayout, bodyText, bodyB64, bodyRefs, status, encoding, chunks
        case facts, dialect, model, stream, ttftNs, ttfoNs, tokenNs, usage, usageCounted, toolCalls, finishReason, outputText, mcp
        case input, output, cached, reasoning, name, arguments
        case trajectory, turn, parent, link, exchange, toolCallId, outcome, error
        case hash, value, base, add
        case other

        static let table: [(StaticString, Key)] = [
            ("type", .type), ("id", .id), ("start_unix_ns", .startUnixNs), ("start_mono_ns", .startMonoNs), ("timing", .timing),
            ("sent_ns", .sentNs), ("head_ns", .headNs), ("end_ns", .endNs), ("upstream", .upstream), ("request", .request),
            ("response", .response), ("method", .method), ("url", .url), ("headers", .headers), ("body", .body),
            ("body_layout", .bodyLayout), ("body_text", .bodyText), ("body_b64", .bodyB64), ("body_refs", .bodyRefs),
            ("status", .status), ("encoding", .encoding), ("chunks", .chunks), ("facts", .facts), ("dialect", .dialect),
            ("model", .model), ("stream", .stream), ("ttft_ns", .ttftNs), ("ttfo_ns", .ttfoNs), ("token_ns", .tokenNs),
            ("usage", .usage), ("usage_counted", .usageCounted), ("tool_calls", .toolCalls), ("finish_reason", .finishReason),
            ("output_text", .outputText), ("mcp", .mcp), ("input", .input), ("output", .output), ("cached", .cached),
            ("reasoning", .reasoning), ("name", .name), ("arguments", .arguments), ("trajectory", .trajectory), ("turn", .turn),
            ("parent", .parent), ("link", .link), ("exchange", .exchange), ("tool_call_id", .toolCallId),
            ("outcome", .outcome), ("error", .error), ("hash", .hash), ("value", .value),
            ("base", .base), ("add", .add),
        ]

        /// The key whose name is `n` bytes long with bytes 0..<8 in `w0` and 8..<16 in `w1`
        /// (little-endian, zero past the name). Integer compares in a switch, not a table walk
        /// and `memcmp`: looking keys up was a tenth of the reader.
        static func of(_ n: Int, _ w0: UInt64, _ w1: UInt64) -> Key {
            // Generated from `table` by scripts/gen-scanner-keys.py (the words are the names'
            // bytes, little-endian); ExchangeKeyTests checks every entry and near misses.
            switch n {
            case 2:
                switch w0 {
                case 0x0000000000006469: return .id  // id
                default: return .other
                }
            case 3:
                switch w0 {
                case 0x00000000006C7275: return .url  // url
                case 0x000000000070636D: return .mcp  // mcp
                case 0x0000000000646461: return .add  // add
                default: return .other
                }
            case 4:
                switch w0 {
                case 0x0000000065707974: return .type  // type
                case 0x0000000079646F62: return .body  // body
                case 0x00000000656D616E: return .name  // name
                case 0x000000006E727574: return .turn  // turn
                case 0x000000006B6E696C: return .link  // link
                case 0x0000000068736168: return .hash  // hash
                case 0x0000000065736162: return .base  // base
                default: return .other
                }
            case 5:
                switch w0 {
                case 0x0000007374636166: return .facts  // facts
                case 0x0000006C65646F6D: return .model  // model
                case 0x0000006567617375: return .usage  // usage
                case 0x0000007475706E69: return .input  // input
                case 0x000000726F727265: return .error  // error
                case 0x00000065756C6176: return .value  // value
                default: return .other
                }
            case 6:
                switch w0 {
                case 0x0000676E696D6974: return .timing  // timing
                case 0x0000736E5F646E65: return .endNs  // end_ns
                case 0x0000646F6874656D: return .method  // method
                case 0x0000737574617473: return .status  // status
                case 0x0000736B6E756863: return .chunks  // chunks
                case 0x00006D6165727473: return .stream  // stream
                case 0x000074757074756F: return .output  // output
                case 0x0000646568636163: return .cached  // cached
                case 0x0000746E65726170: return .parent  // parent
                default: return .other
                }
            case 7:
                switch w0 {
                case 0x00736E5F746E6573: return .sentNs  // sent_ns
                case 0x00736E5F64616568: return .headNs  // head_ns
                case 0x0074736575716572: return .request  // request
                case 0x0073726564616568: return .headers  // headers
                case 0x007463656C616964: return .dialect  // dialect
                case 0x00736E5F74667474: return .ttftNs  // ttft_ns
                case 0x00736E5F6F667474: return .ttfoNs  // ttfo_ns
                case 0x00656D6F6374756F: return .outcome  // outcome
                default: return .other
                }
            case 8:
                switch w0 {
                case 0x6D61657274737075: return .upstream  // upstream
                case 0x65736E6F70736572: return .response  // response
                case 0x3436625F79646F62: return .bodyB64  // body_b64
                case 0x676E69646F636E65: return .encoding  // encoding
                case 0x736E5F6E656B6F74: return .tokenNs  // token_ns
                case 0x65676E6168637865: return .exchange  // exchange
                default: return .other
                }
            case 9:
                switch w0 {
                case 0x7865745F79646F62: if w1 == 0x0000000000000074 { return .bodyText }  // body_text
                    return .other
                case 0x6665725F79646F62: if w1 == 0x0000000000000073 { return .bodyRefs }  // body_refs
                    return .other
                case 0x6E696E6F73616572: if w1 == 0x0000000000000067 { return .reasoning }  // reasoning
                    return .other
                case 0x746E656D75677261: if w1 == 0x0000000000000073 { return .arguments }  // arguments
                    return .other
                default: return .other
                }
            case 10:
                switch w0 {
                case 0x6C61635F6C6F6F74: if w1 == 0x000000000000736C { return .toolCalls }  // tool_calls
                    return .other
                case 0x6F7463656A617274: if w1 == 0x0000000000007972 { return .trajectory }  // trajectory
                    return .other
                default: return .other
                }
            case 11:
                switch w0 {
                case 0x79616C5F79646F62: if w1 == 0x000000000074756F { return .bodyLayout }  // body_layout
                    return .other
                case 0x745F74757074756F: if w1 == 0x0000000000747865 { return .outputText }  // output_text
                    return .other
                default: return .other
                }
            case 12:
                switch w0 {
                case 0x6C61635F6C6F6F74: if w1 == 0x0000000064695F6C { return .toolCallId }  // tool_call_id
                    return .other
                default: return .other
                }
            case 13:
                switch w0 {
                case 0x6E755F7472617473: if w1 == 0x000000736E5F7869 { return .startUnixNs }  // start_unix_ns
                    return .other
                case 0x6F6D5F7472617473: if w1 == 0x000000736E5F6F6E { return .startMonoNs }  // start_mono_ns
                    return .other
                case 0x6F635F6567617375: if w1 == 0x0000006465746E75 { return .usageCounted }  // usage_counted
                    return .other
                case 0x725F6873696E6966: if w1 == 0x0000006E6F736165 { return .finishReason }  // finish_reason
                    return .other
                default: return .other
                }
            default: return .other
            }
        }
    }
}

extension JSONParser {
    /// A bit in the top of each byte of `w` that is '"' or '\\'; the lowest one is exact
    /// (bits above it may be false).
    @inline(__always) static func quoteOrBackslash(_ w: UInt64) -> UInt64 {
        let q = w ^ 0x2222_2222_2222_2222, b = w ^ 0x5C5C_5C5C_5C5C_5C5C
        let lo: UInt64 = 0x0101_0101_0101_0101, hi: UInt64 = 0x8080_8080_8080_8080
        return ((q &- lo) & ~q | (b &- lo) & ~b) & hi
    }

    /// A member name (with no escapes) and its colon. The end of a name of up to 16 bytes is
    /// found in two words; the name is then looked up by its words (``words(_:_:)``).
    mutating func key() throws(FastPathMiss) -> ExchangeScanner.Key {
        skipWS()
        guard i < end, byte(i) == UInt8(ascii: "\"") else { throw FastPathMiss() }
        let start = i + 1
        var n = 16
        if start + 16 <= end {
            let p = UnsafeRawPointer(base! + start)  // base is non-nil: a byte was read.
            let m0 = Self.quoteOrBackslash(UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            let m1 = Self.quoteOrBackslash(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            if m0 != 0 { n = m0.trailingZeroBitCount >> 3 } else if m1 != 0 { n = 8 + m1.trailingZeroBitCount >> 3 }
        }
        if n == 16 {
            // A long name, or one near the end of the input: byte by byte.
            n = 0
            while start + n < end, byte(start + n) != UInt8(ascii: "\""), byte(start + n) != UInt8(ascii: "\\") { n += 1 }
        }
        let k = start + n
        guard k < end, byte(k) == UInt8(ascii: "\"") else { throw FastPathMiss() }
        i = k + 1
        try open(UInt8(ascii: ":"))
        guard n <= 16 else { return .other }  // nothing known is longer
        let (w0, w1) = words(start, n)
        return ExchangeScanner.Key.of(n, w0, w1)
    }
}
