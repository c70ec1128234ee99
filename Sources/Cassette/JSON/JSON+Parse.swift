#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        try JSONParserCache.withParser(buffer, notingLayout: false) { p throws(JSONParseError) in try p.parseWhole() }
    }

    /// Parses one JSON value and tells whether ``serialized(sortedKeys:)`` gives back exactly
    /// these bytes: no whitespace outside strings, no duplicate keys, valid UTF-8, and only the
    /// escapes the serializer writes. Noted while parsing, so checking costs no second pass.
    static func parseNotingLayout(buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> (value: JSON, compact: Bool) {
        try JSONParserCache.withParser(buffer, notingLayout: true) { p throws(JSONParseError) in (try p.parseWhole(), p.exact) }
    }
}

/// One parser per thread, reused from parse to parse: its member stacks and escape scratch
/// are allocated once, not for every body. A recorder parses two small bodies per exchange,
/// and setting up and freeing a parser's storage was a sixth of the parsing time.
/// Parsing never calls back into user code, so a thread's parser is never needed twice at
/// once; the `busy` flag still hands a fresh one to any nested use.
final class JSONParserCache {
    var parser = JSONParser(UnsafeRawBufferPointer(start: nil, count: 0))
    var busy = false
    /// Storage kept after a parse, in members: a huge document's stacks are not held on to.
    static let keepSlots = 4096

    static func withParser<R>(_ buf: UnsafeRawBufferPointer, notingLayout: Bool,
                              _ body: (inout JSONParser) throws(JSONParseError) -> R) throws(JSONParseError) -> R {
        guard let cache = current, !cache.busy else {
            var p = JSONParser(buf, notingLayout: notingLayout)
            return try body(&p)
        }
        cache.busy = true
        defer {
            cache.busy = false
            if !cache.parser.isSmall(keepSlots) { cache.parser = JSONParser(UnsafeRawBufferPointer(start: nil, count: 0)) }
        }
        cache.parser.reset(buf)
        cache.parser.exact = notingLayout
        return try body(&cache.parser)
    }

    #if canImport(Glibc)
    static let key: pthread_key_t? = {
        var k = pthread_key_t()
        let rc = pthread_key_create(&k) { p in
            if let p { Unmanaged<JSONParserCache>.fromOpaque(p).release() }
        }
        return rc == 0 ? k : nil
    }()

    /// This thread's parser cache (nil only if the thread-local key could not be made).
    static var current: JSONParserCache? {
        guard let key else { return nil }
        if let p = pthread_getspecific(key) { return Unmanaged<JSONParserCache>.fromOpaque(p).takeUnretainedValue() }
        let c = Unmanaged.passRetained(JSONParserCache())  // The thread's reference, released at its exit.
        guard pthread_setspecific(key, c.toOpaque()) == 0 else { c.release(); return nil }
        return c.takeUnretainedValue()
    }
    #else
    static var current: JSONParserCache? { nil }
    #endif
}

/// A recursive-descent parser over raw bytes.
struct JSONParser {
    var base: UnsafePointer<UInt8>?
    var end: Int
    var i: Int = 0
    /// The members of all open containers, so that each container's arrays are allocated
    /// once, at their final size, when it closes.
    var valueStack: JSONParserStack<JSON>
    var keyStack: JSONParserStack<String>
    /// For each key on `keyStack`: a hash of its bytes when it is plain ASCII, else 0.
    var keyPrints: JSONParserStack<UInt64>
    /// Where strings with escapes are decoded before they become strings.
    var scratch: [UInt8] = []
    /// Whether everything read so far is exactly what the serializer writes for it (see
    /// ``JSON/parseNotingLayout(buffer:)``); false from the start when nobody asked.
    var exact: Bool
    static let maxDepth = 512

    init(_ buf: UnsafeRawBufferPointer, notingLayout: Bool = false) {
        exact = notingLayout
        base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buf.count
        let capacity = end > 64 ? 32 : 0
        valueStack = JSONParserStack(filler: .null, capacity: capacity)
        keyStack = JSONParserStack(filler: "", capacity: capacity)
        keyPrints = JSONParserStack(filler: 0, capacity: capacity)
    }

    /// Points the parser at new input, keeping its stacks and scratch storage (a reader that
    /// parses line after line allocates them once).
    mutating func reset(_ buf: UnsafeRawBufferPointer) {
        base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buf.count
        i = 0
        exact = false
        // Non-empty only after a parse that threw part-way.
        valueStack.clear(); keyStack.clear(); keyPrints.drop(to: 0)
    }

    /// One whole value, with whitespace around it and nothing else.
    mutating func parseWhole() throws(JSONParseError) -> JSON {
        skipWS()
        let v = try parseValue(depth: 0)
        skipWS()
        if i != end { throw error("unexpected trailing data") }
        return v
    }

    /// Whether the storage kept between parses is at most `slots` members and 1 MiB of scratch.
    func isSmall(_ slots: Int) -> Bool {
        valueStack.capacity <= slots && keyStack.capacity <= slots && keyPrints.capacity <= slots && scratch.capacity <= 1 << 20
    }

    @inline(__always) func byte(_ k: Int) -> UInt8 { base![k] }  // k < end is checked by callers; base is non-nil when end > 0.

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

    @inline(__always) mutating func skipWS() {
        while i < end {
            let c = byte(i)
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1; exact = false } else { break }
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
        skipWS()
        if i < end, byte(i) == UInt8(ascii: "}") { i += 1; return .object(JSONObject()) }
        let keyBase = keyStack.count, valueBase = valueStack.count
        while true {
            skipWS()
            guard i < end, byte(i) == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyStart = i + 1
            let k = try parseString()
            let print = keyPrint(keyStart, i - 1)
            skipWS()
            guard i < end, byte(i) == UInt8(ascii: ":") else { throw error("expected ':'") }
            i += 1
            skipWS()
            let v = try parseValue(depth: depth)
            if let dup = duplicateKey(k, print, from: keyBase) {
                exact = false  // The serializer writes the key once.
                valueStack[valueBase + dup - keyBase] = v
            } else {
                keyStack.push(k); keyPrints.push(print); valueStack.push(v)
            }
            skipWS()
            guard i < end else { throw error("unterminated object") }
            let c = byte(i)
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            i -= 1
            throw error("expected ',' or '}'")
        }
        keyPrints.drop(to: keyBase)
        return .object(JSONObject(uncheckedKeys: keyStack.pop(from: keyBase), values: valueStack.pop(from: valueBase)))
    }

    /// The bytes below byte `n` (n < 8) of a little-endian word.
    @inline(__always) static func lowBytes(_ w: UInt64, _ n: Int) -> UInt64 { w & ((1 &<< UInt64(n &* 8)) &- 1) }

    /// The `n` (at most 16) bytes from `start` as two little-endian words, zero past them: two
    /// loads where 16 bytes of input follow `start`, byte by byte near its end. The words
    /// depend only on the bytes, wherever they lie.
    @inline(__always) func words(_ start: Int, _ n: Int) -> (UInt64, UInt64) {
        if start + 16 <= end {
            let p = UnsafeRawPointer(base! + start)  // base is non-nil: 16 bytes follow.
            let w0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if n < 8 { return (Self.lowBytes(w0, n), 0) }
            return (w0, n < 16 ? Self.lowBytes(w1, n - 8) : w1)
        }
        var w0: UInt64 = 0, w1: UInt64 = 0
        for k in 0..<n {
            let c = UInt64(byte(start + k))
            if k < 8 { w0 |= c << UInt64(8 * k) } else { w1 |= c << UInt64(8 * (k - 8)) }
        }
        return (w0, w1)
    }

    /// A hash of the key bytes `start..<stop` when they are plain ASCII (then equal hashes are
    /// needed for equal keys), or 0 when the key must be compared as a string. Keys of up to 16
    /// bytes (nearly all) are hashed as two words.
    func keyPrint(_ start: Int, _ stop: Int) -> UInt64 {
        let n = stop - start
        if n <= 16 {
            let (w0, w1) = words(start, n)
            // Bytes past the key are zero, which is neither a backslash nor above 0x7F.
            let hi: UInt64 = 0x8080_8080_8080_8080, lo: UInt64 = 0x0101_0101_0101_0101
            let b0 = w0 ^ 0x5C5C_5C5C_5C5C_5C5C, b1 = w1 ^ 0x5C5C_5C5C_5C5C_5C5C
            if (w0 | w1) & hi != 0 || ((b0 &- lo) & ~b0 | (b1 &- lo) & ~b1) & hi != 0 { return 0 }
            return ((w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)) | 1
        }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for k in start..<stop {
            let c = byte(k)
            if c >= 0x80 || c == UInt8(ascii: "\\") { return 0 }
            h = (h ^ UInt64(c)) &* 0x100_0000_01B3
        }
        return h | 1
    }

    /// The stack index of an earlier key of the open object equal to `k` (last one wins in JSON).
    func duplicateKey(_ k: String, _ print: UInt64, from keyBase: Int) -> Int? {
        for j in keyBase..<keyStack.count where print == 0 || keyPrints[j] == 0 || keyPrints[j] == print {
            if keyStack[j] == k { return j }
        }
        return nil
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        i += 1
        skipWS()
        if i < end, byte(i) == UInt8(ascii: "]") { i += 1; return .array([]) }
        let base = valueStack.count
        while true {
            skipWS()
            valueStack.push(try parseValue(depth: depth))
            skipWS()
            guard i < end else { throw error("unterminated array") }
            let c = byte(i)
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            i -= 1
            throw error("expected ',' or ']'")
        }
        return .array(valueStack.pop(from: base))
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
}
