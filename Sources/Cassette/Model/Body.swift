/// A message body as stored in a cassette.
///
/// JSON bodies stay JSON when they can be re-serialized to their exact original bytes;
/// other UTF-8 text is kept as a string, and anything else as base64.
public enum Body: Sendable, Equatable {
    /// No body.
    case none
    /// A JSON body and the layout that reproduces its bytes.
    case json(JSON, JSONLayout)
    /// UTF-8 text (SSE streams, JSON that does not re-serialize exactly, plain text).
    case text(String)
    /// Bytes that are not UTF-8 (compressed payloads, binary uploads).
    case binary([UInt8])

    /// Classifies raw bytes: JSON if it round-trips exactly, text if UTF-8, else binary.
    public init(bytes: [UInt8], preferJSON: Bool = true) {
        if bytes.isEmpty { self = .none; return }
        if preferJSON, let first = bytes.first(where: { $0 > 0x20 }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            // The parser notes whether the compact form gives these bytes back; only other
            // layouts are tried by serializing.
            let parsed: (value: JSON, compact: Bool)? = bytes.withUnsafeBytes { b in
                do { return try JSON.parseNotingLayout(buffer: b) } catch { return nil }
            }
            if let (v, compact) = parsed {
                if compact { self = .json(v, .compact); return }
                let pretty = Array(v.prettyText().utf8)
                if pretty == bytes { self = .json(v, .indent2); return }
                if pretty.count + 1 == bytes.count, bytes.last == 0x0A, bytes.starts(with: pretty) { self = .json(v, .indent2Newline); return }
            }
        }
        if let s = String(validating: bytes, as: UTF8.self) { self = .text(s) } else { self = .binary(bytes) }
    }

    /// The exact bytes this body stands for.
    public var bytes: [UInt8] {
        switch self {
        case .none: return []
        case .json(let v, .compact): return v.serialized()
        case .json(let v, .indent2): return Array(v.prettyText().utf8)
        case .json(let v, .indent2Newline): return Array((v.prettyText() + "\n").utf8)
        case .text(let s): return Array(s.utf8)
        case .binary(let b): return b
        }
    }

    /// The body as a JSON value: the value itself, or text parsed as JSON when possible.
    public var jsonValue: JSON? {
        switch self {
        case .json(let v, _): return v
        case .text(let s): return try? JSON.parse(s)
        default: return nil
        }
    }

    /// The body as text when it is JSON or UTF-8.
    public var textValue: String? {
        switch self {
        case .none: return ""
        case .json: return String(decoding: bytes, as: UTF8.self)
        case .text(let s): return s
        case .binary: return nil
        }
    }

    /// The byte length of the body.
    public var count: Int {
        switch self {
        case .none: return 0
        case .text(let s): return s.utf8.count
        case .binary(let b): return b.count
        case .json: return bytes.count
        }
    }
}

/// How a JSON body's bytes were laid out, so that they can be reproduced exactly.
public enum JSONLayout: String, Sendable, Equatable {
    /// No whitespace.
    case compact
    /// Two-space indentation, `": "` after keys (the layout of OpenAI's non-streamed replies).
    case indent2
    /// ``indent2`` followed by one newline.
    case indent2Newline = "indent2_nl"
}

/// One header, name as sent.
public struct Header: Sendable, Equatable {
    /// The header name as it appeared on the wire.
    public var name: String
    /// The header value.
    public var value: String
    /// A header.
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }

    /// Whether two header names are equal ignoring ASCII case (header names are ASCII tokens),
    /// without building lowercased copies.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        var j = y.startIndex
        for c in x {
            let d = y[j]
            if c != d {
                let lc = c | 0x20
                guard lc == d | 0x20, lc >= UInt8(ascii: "a"), lc <= UInt8(ascii: "z") else { return false }
            }
            j = y.index(after: j)
        }
        return true
    }
}

extension [Header] {
    /// The first value for `name`, compared case-insensitively.
    public func first(_ name: String) -> String? {
        first(where: { Header.sameName($0.name, name) })?.value
    }
}

/// One body chunk as it came off the socket: its byte length and arrival time.
public struct Chunk: Sendable, Equatable {
    /// Bytes in the chunk.
    public var length: Int
    /// Arrival time, ns after the exchange started.
    public var tNs: Int64
    /// A chunk.
    public init(length: Int, tNs: Int64) { self.length = length; self.tNs = tNs }
}
