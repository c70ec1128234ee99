/// A JSON text could not be parsed; carries the byte offset and what was wrong.
public struct JSONParseError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Byte offset of the problem within the input.
    public let offset: Int
    /// A short reason.
    public let reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSON {
    /// Parses one JSON value from UTF-8 bytes; trailing whitespace is allowed, other trailing bytes are not.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSON {
        var result: Result<JSON, JSONParseError>?
        bytes.withContiguousStorageIfAvailable { buf in
            result = Result { () throws(JSONParseError) -> JSON in try parse(buffer: UnsafeRawBufferPointer(buf)) }
        }
        if result == nil {
            let arr = Array(bytes)
            arr.withUnsafeBytes { buf in result = Result { () throws(JSONParseError) -> JSON in try parse(buffer: buf) } }
        }
        return try result!.get()  // Set on one of the two paths above.
    }

    /// Parses one JSON value from a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var t = text
        var result: Result<JSON, JSONParseError>!  // Always assigned by withUTF8's closure.
        t.withUTF8 { buf in result = Result { () throws(JSONParseError) -> JSON in try parse(buffer: UnsafeRawBufferPointer(buf)) } }
        return try result.get()
    }

    /// Parses one JSON value from raw memory.
    public static func parse(buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        var p = JSONParser(buffer)
        p.skipWS()
        let v = try p.parseValue(depth: 0)
        p.skipWS()
        if p.i != p.end { throw p.error("unexpected trailing data") }
        return v
    }
}

/// A recursive-descent parser over raw bytes.
struct JSONParser {
    let base: UnsafePointer<UInt8>?
    let end: Int
    var i: Int = 0
    static let maxDepth = 512

    init(_ buf: UnsafeRawBufferPointer) {
        base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buf.count
    }

    @inline(__always) func byte(_ k: Int) -> UInt8 { base![k] }  // k < end is checked by callers; base is non-nil when end > 0.

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    @inline(__always) mutating func skipWS() {
        while i < end {
            let c = byte(i)
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSON {
        guard i < end else { throw error("unexpected end of input") }
        switch byte(i) {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected character '\(Character(Unicode.Scalar(byte(i))))'")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= end else { throw error("unexpected end of input") }
        let w = word.utf8Start
        for k in 0..<n where byte(i + k) != w[k] { throw error("invalid literal") }
        i += n
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSON {
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        i += 1
        var keys: [String] = []
        var values: [JSON] = []
        skipWS()
        if i < end, byte(i) == UInt8(ascii: "}") { i += 1; return .object(JSONObject()) }
        while true {
            skipWS()
            guard i < end, byte(i) == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let k = try parseString()
            skipWS()
            guard i < end, byte(i) == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipWS()
            let v = try parseValue(depth: depth)
            if let dup = keys.firstIndex(of: k) { values[dup] = v } else { keys.append(k); values.append(v) }
            skipWS()
            guard i < end else { throw error("unterminated object") }
            let c = byte(i)
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            i -= 1
            throw error("expected ',' or '}'")
        }
        return .object(JSONObject(uncheckedKeys: keys, values: values))
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        i += 1
        var out: [JSON] = []
        skipWS()
        if i < end, byte(i) == UInt8(ascii: "]") { i += 1; return .array(out) }
        while true {
            skipWS()
            out.append(try parseValue(depth: depth))
            skipWS()
            guard i < end else { throw error("unterminated array") }
            let c = byte(i)
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            i -= 1
            throw error("expected ',' or ']'")
        }
        return .array(out)
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        if byte(i) == UInt8(ascii: "-") { i += 1 }
        guard i < end, isDigit(byte(i)) else { throw error("invalid number") }
        if byte(i) == UInt8(ascii: "0") { i += 1 } else { while i < end, isDigit(byte(i)) { i += 1 } }
        if i < end, byte(i) == UInt8(ascii: ".") {
            i += 1
            guard i < end, isDigit(byte(i)) else { throw error("invalid number: digit expected after '.'") }
            while i < end, isDigit(byte(i)) { i += 1 }
        }
        if i < end, byte(i) | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i += 1 }
            guard i < end, isDigit(byte(i)) else { throw error("invalid number: digit expected in exponent") }
            while i < end, isDigit(byte(i)) { i += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base! + start, count: i - start), as: UTF8.self)
        return JSONNumber(text: text)
    }

    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    mutating func parseString() throws(JSONParseError) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < end {
            let c = byte(i)
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: base! + start, count: i - start), as: UTF8.self)
                i += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in string") }
            i += 1
        }
        guard i < end else { throw error("unterminated string") }
        var out: [UInt8] = []
        out.reserveCapacity(i - start + 16)
        out.append(contentsOf: UnsafeBufferPointer(start: base! + start, count: i - start))
        while i < end {
            let c = byte(i)
            if c == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") {
                // Copy a run of plain bytes.
                let runStart = i
                while i < end, byte(i) != UInt8(ascii: "\""), byte(i) != UInt8(ascii: "\\"), byte(i) >= 0x20 { i += 1 }
                out.append(contentsOf: UnsafeBufferPointer(start: base! + runStart, count: i - runStart))
                continue
            }
            i += 1
            guard i < end else { throw error("unterminated escape") }
            let e = byte(i)
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // High surrogate: expect a low one.
                    if i + 1 < end, byte(i) == UInt8(ascii: "\\"), byte(i + 1) == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        if low >= 0xDC00 && low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            appendUTF8(0xFFFD, &out)
                            scalar = low
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar, &out)
            default:
                i -= 1
                throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard i + 4 <= end else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = byte(i)
            var d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    func appendUTF8(_ s: UInt32, _ out: inout [UInt8]) {
        if s < 0x80 {
            out.append(UInt8(s))
        } else if s < 0x800 {
            out.append(UInt8(0xC0 | (s >> 6))); out.append(UInt8(0x80 | (s & 0x3F)))
        } else if s < 0x10000 {
            out.append(UInt8(0xE0 | (s >> 12))); out.append(UInt8(0x80 | ((s >> 6) & 0x3F))); out.append(UInt8(0x80 | (s & 0x3F)))
        } else {
            out.append(UInt8(0xF0 | (s >> 18))); out.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((s >> 6) & 0x3F))); out.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}
