/// One Server-Sent Event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field, if any.
    public var event: String?
    /// The `data:` lines joined with newlines, as bytes.
    public var data: [UInt8]
    /// The `id:` field, if any.
    public var id: String?
    /// The data as a string.
    public var dataString: String { String(decoding: data, as: UTF8.self) }
    /// An event.
    public init(event: String? = nil, data: [UInt8], id: String? = nil) { self.event = event; self.data = data; self.id = id }
}

/// An incremental SSE parser (WHATWG rules): bytes in, events out.
///
/// Accepts `\n`, `\r\n` and `\r` line ends, comments, multi-line data, and lines of any
/// length split across any number of chunks.
public struct SSEParser: Sendable {
    var line: [UInt8] = []
    var lastWasCR = false
    var event: String?
    var data: [UInt8] = []
    var hasData = false
    var id: String?
    /// Bytes consumed.
    public private(set) var bytesSeen = 0
    /// Comment lines seen (`: ping`).
    public private(set) var comments = 0

    /// A fresh parser.
    public init() {}

    /// Feeds bytes; calls `onEvent` for each complete event.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (SSEEvent) -> Void) {
        bytesSeen += bytes.count
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if lastWasCR && c == 0x0A { lastWasCR = false; i += 1; continue }
            lastWasCR = false
            if c == 0x0A || c == 0x0D {
                lastWasCR = c == 0x0D
                processLine(onEvent)
                i += 1
                continue
            }
            // Copy a run up to the next line end.
            var j = i
            while j < n, bytes[j] != 0x0A, bytes[j] != 0x0D { j += 1 }
            line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
            i = j
        }
    }

    /// Feeds a byte array.
    public mutating func feed(_ bytes: [UInt8], onEvent: (SSEEvent) -> Void) {
        bytes.withUnsafeBytes { feed($0, onEvent: onEvent) }
    }

    /// Ends the stream: an event not yet terminated by a blank line is dispatched if it has data.
    public mutating func finish(onEvent: (SSEEvent) -> Void) {
        if !line.isEmpty { processLine(onEvent) }
        dispatch(onEvent)
    }

    mutating func processLine(_ onEvent: (SSEEvent) -> Void) {
        if line.isEmpty { dispatch(onEvent); return }
        defer { line.removeAll(keepingCapacity: true) }
        if line[0] == UInt8(ascii: ":") { comments += 1; return }
        var colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let field = line[0..<colon]
        if colon < line.count { colon += 1; if colon < line.count, line[colon] == 0x20 { colon += 1 } }
        let value = line[min(colon, line.count)...]
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event": event = String(decoding: value, as: UTF8.self)
        case "id": id = String(decoding: value, as: UTF8.self)
        default: break
        }
    }

    mutating func dispatch(_ onEvent: (SSEEvent) -> Void) {
        if hasData { onEvent(SSEEvent(event: event, data: data, id: id)) }
        event = nil
        data.removeAll(keepingCapacity: true)
        hasData = false
    }
}
