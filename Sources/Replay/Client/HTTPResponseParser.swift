/// An incremental HTTP/1.1 response parser: bytes in, head / body slices / end out.
///
/// Handles `Content-Length`, `chunked` transfer coding and bodies delimited by the close of
/// the connection, across any split of the input. Body slices point into the caller's buffer,
/// so nothing is copied. Pure: the load client stamps each read before feeding it here.
struct HTTPResponseParser {
    /// What the parser found.
    enum Event {
        /// The status and headers (names lower-cased).
        case head(status: Int, headers: [(name: String, value: String)])
        /// A slice of body bytes (transfer coding removed).
        case body(UnsafeRawBufferPointer)
        /// The response is complete.
        case end
    }

    enum State: Equatable {
        case statusLine, headers, length(Int), chunkSize, chunkData(Int), chunkDataEnd, trailers, untilClose, closed
    }

    private(set) var state: State = .statusLine
    var line: [UInt8] = []
    var status = 0
    var headers: [(name: String, value: String)] = []
    /// Whether the connection may carry another request after this response.
    private(set) var keepAlive = true
    static let maxLine = 64 * 1024

    /// Feeds bytes; throws on a malformed response.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ on: (Event) -> Void) throws(HTTPParseError) {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .statusLine, .headers, .chunkSize, .chunkDataEnd, .trailers:
                // Accumulate one line (CRLF or LF terminated).
                var j = i
                while j < n, bytes[j] != 0x0A { j += 1 }
                if j == n {
                    line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<n]))
                    if line.count > Self.maxLine { throw HTTPParseError("header line longer than 64 KiB") }
                    return
                }
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
                if line.last == 0x0D { line.removeLast() }
                i = j + 1
                try lineDone(on)
                line.removeAll(keepingCapacity: true)
            case .length(let remaining):
                let take = min(remaining, n - i)
                on(.body(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)])))
                i += take
                if take == remaining { finish(on) } else { state = .length(remaining - take) }
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                on(.body(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + take)])))
                i += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining - take)
            case .untilClose:
                on(.body(UnsafeRawBufferPointer(rebasing: bytes[i..<n])))
                return
            case .closed:
                throw HTTPParseError("bytes after the response ended on a closing connection")
            }
        }
    }

    /// The connection closed: ends a close-delimited body, or throws if a response was cut short.
    mutating func eof(_ on: (Event) -> Void) throws(HTTPParseError) {
        switch state {
        case .untilClose: state = .closed; on(.end)
        case .statusLine where line.isEmpty: state = .closed
        case .closed: break
        default: throw HTTPParseError("the connection closed before the response ended")
        }
    }

    mutating func lineDone(_ on: (Event) -> Void) throws(HTTPParseError) {
        switch state {
        case .statusLine:
            if line.isEmpty { return }  // Tolerate stray CRLF between responses.
            // HTTP/1.1 200 OK
            guard line.count >= 12, line.starts(with: Array("HTTP/1.".utf8)),
                  let code = Int(String(decoding: line[9..<12], as: UTF8.self)) else {
                throw HTTPParseError("bad status line \"\(String(decoding: line.prefix(80), as: UTF8.self))\"")
            }
            status = code
            keepAlive = line[7] == UInt8(ascii: "1")
            headers.removeAll(keepingCapacity: true)
            state = .headers
        case .headers:
            if !line.isEmpty {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw HTTPParseError("bad header line") }
                let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
                var v = line[(colon + 1)...]
                while let f = v.first, f == 0x20 || f == 0x09 { v = v.dropFirst() }
                while let l = v.last, l == 0x20 || l == 0x09 { v = v.dropLast() }
                headers.append((name, String(decoding: v, as: UTF8.self)))
                return
            }
            if status >= 100 && status < 200 { state = .statusLine; return }  // Interim response: skip.
            on(.head(status: status, headers: headers))
            var length: Int?
            var chunked = false
            for h in headers {
                switch h.name {
                case "content-length":
                    guard let l = Int(h.value), l >= 0 else { throw HTTPParseError("bad content-length \"\(h.value)\"") }
                    length = l
                case "transfer-encoding": chunked = h.value.lowercased().contains("chunked")
                case "connection":
                    let v = h.value.lowercased()
                    if v.contains("close") { keepAlive = false } else if v.contains("keep-alive") { keepAlive = true }
                default: break
                }
            }
            if status == 204 || status == 304 { finish(on) }
            else if chunked { state = .chunkSize }
            else if let length { if length == 0 { finish(on) } else { state = .length(length) } }
            else { keepAlive = false; state = .untilClose }
        case .chunkSize:
            let hex = line.prefix { $0 != UInt8(ascii: ";") && $0 != 0x20 }
            guard !hex.isEmpty, hex.count <= 15, let size = Int(String(decoding: hex, as: UTF8.self), radix: 16) else {
                throw HTTPParseError("bad chunk size line")
            }
            state = size == 0 ? .trailers : .chunkData(size)
        case .chunkDataEnd:
            guard line.isEmpty else { throw HTTPParseError("chunk not followed by CRLF") }
            state = .chunkSize
        case .trailers:
            if line.isEmpty { finish(on) }
        default: break
        }
    }

    mutating func finish(_ on: (Event) -> Void) {
        state = keepAlive ? .statusLine : .closed
        on(.end)
    }
}

/// A malformed HTTP response.
struct HTTPParseError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
