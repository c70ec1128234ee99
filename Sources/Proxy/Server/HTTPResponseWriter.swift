import NIOCore
import NIOHTTP1

/// Encodes one connection's responses as HTTP/1.1 bytes, in place of NIO's
/// `HTTPResponseEncoder` and with the same framing rules:
/// - a status that has no body (1xx, 204, 304) loses `content-length` and `transfer-encoding`;
/// - a head with `content-length` loses `transfer-encoding`, and its body goes out as is;
/// - otherwise an HTTP/1.1 body is chunked (`transfer-encoding: chunked` is set), and an
///   HTTP/1.0 body goes out as is, ended by the connection's close;
/// - a response to `HEAD` keeps its framing headers (they say what a `GET` would get) but
///   sends no body bytes, nor a last chunk; a response to `CONNECT` has no body either.
///
/// The difference is how the bytes leave: parts are appended to one buffer (``pending``) that
/// the connection hands to the channel as one write, at a flush or once it has grown. A
/// streamed chunk is then one write with its size line and CRLF, not three, with no boxed
/// part and no handler in between; the parts of one upstream read go out as one buffer.
/// Parts larger than ``copyLimit`` are not copied: they are written on their own, between
/// their size line and their CRLF.
struct HTTPResponseWriter {
    enum Framing: Equatable {
        /// `<hex size>\r\n<bytes>\r\n` per part, `0\r\n[trailers]\r\n` at the end.
        case chunked
        /// The bytes as they are (`content-length`, or ended by the connection's close).
        case raw
        /// No body bytes may be sent (`HEAD`, `CONNECT`, 1xx, 204, 304).
        case none
    }

    /// Body parts up to this size are copied into ``pending``; larger ones are written alone.
    static let copyLimit = 8 << 10

    /// How the current response's body goes out.
    private(set) var framing = Framing.raw
    /// Bytes encoded and not yet handed to the channel.
    private(set) var pending: ByteBuffer?
    let allocator: ByteBufferAllocator

    init(allocator: ByteBufferAllocator) { self.allocator = allocator }

    /// Bytes waiting in ``pending``.
    var pendingBytes: Int { pending?.readableBytes ?? 0 }

    /// Hands over what is pending, or nil when nothing is.
    mutating func take() -> ByteBuffer? {
        defer { pending = nil }
        return pending
    }

    /// ``pending``, made ready for `more` bytes.
    private mutating func buffer(_ more: Int) -> ByteBuffer {
        if var b = pending.take() {
            b.reserveCapacity(minimumWritableBytes: more)
            return b
        }
        return allocator.buffer(capacity: max(more, 256))
    }

    /// Whether a response head with `status` to a request with `method` may be followed by body bytes.
    static func framing(for head: HTTPResponseHead, requestMethod: HTTPMethod) -> (Framing, hasBodyHeaders: Bool) {
        let status = head.status
        if !status.mayHaveResponseBody || requestMethod == .CONNECT { return (.none, false) }
        let chunked: Bool
        if head.headers.contains(name: "content-length") {
            chunked = false
        } else {
            chunked = head.version.major == 1 && head.version.minor >= 1
        }
        if requestMethod == .HEAD { return (.none, true) }
        return (chunked ? .chunked : .raw, true)
    }

    /// Whether the body of this response can only be ended by closing the connection (an
    /// HTTP/1.0 body with no `content-length`).
    static func isCloseDelimited(_ head: HTTPResponseHead, requestMethod: HTTPMethod) -> Bool {
        framing(for: head, requestMethod: requestMethod).0 == .raw && !head.headers.contains(name: "content-length")
    }

    /// Encodes a response head, its framing headers corrected as described above. An interim
    /// (1xx) head leaves the framing of the response that follows it alone.
    mutating func head(_ head: HTTPResponseHead, requestMethod: HTTPMethod) {
        var headers = head.headers
        let (framing, hasBodyHeaders) = Self.framing(for: head, requestMethod: requestMethod)
        if !hasBodyHeaders {
            headers.remove(name: "content-length")
            headers.remove(name: "transfer-encoding")
        } else if headers.contains(name: "content-length") {
            headers.remove(name: "transfer-encoding")
        } else if head.version.major == 1 && head.version.minor >= 1 {
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        }
        if !HTTPHeadCheck.isInterim(head.status) { self.framing = framing }
        var b = buffer(64 + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        Self.writeStatusLine(head, into: &b)
        Self.write(headers, into: &b)
        pending = b
    }

    /// Encodes a body part. A part too large to copy is returned, to be written after
    /// ``pending`` (which then holds its size line) and before the next bytes (its CRLF).
    /// Parts of a response that has no body are dropped.
    mutating func body(_ part: ByteBuffer) -> ByteBuffer? {
        let n = part.readableBytes
        guard n > 0 else { return nil }  // An empty chunk would end a chunked body.
        switch framing {
        case .none:
            return nil
        case .raw:
            if n > Self.copyLimit { return part }
            var b = buffer(n)
            b.writeImmutableBuffer(part)
            pending = b
            return nil
        case .chunked:
            var b = buffer(n > Self.copyLimit ? 18 : n + 20)
            if n > Self.copyLimit {
                b.writeWithUnsafeMutableBytes(minimumWritableBytes: 18) { out in Self.sizeLine(n, into: out) }
                pending = b
                return part
            }
            // Size line, bytes and CRLF in one step: one capacity check, no per-byte writes.
            b.writeWithUnsafeMutableBytes(minimumWritableBytes: n + 20) { out in
                var k = Self.sizeLine(n, into: out)
                part.withUnsafeReadableBytes { src in
                    UnsafeMutableRawBufferPointer(rebasing: out[k..<(k + n)]).copyMemory(from: src)
                }
                k += n
                out[k] = 0x0D
                out[k + 1] = 0x0A
                return k + 2
            }
            pending = b
            return nil
        }
    }

    /// Writes `<hex n>\r\n` (n > 0) at the start of `out` (18 bytes are enough) and returns its length.
    static func sizeLine(_ n: Int, into out: UnsafeMutableRawBufferPointer) -> Int {
        let digits = (Int.bitWidth - n.leadingZeroBitCount + 3) / 4
        var shift = (digits - 1) * 4
        var k = 0
        while shift >= 0 {
            let d = UInt8((n >> shift) & 0xF)
            out[k] = d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10
            k += 1
            shift -= 4
        }
        out[k] = 0x0D
        out[k + 1] = 0x0A
        return k + 2
    }

    /// Call once a part that ``body(_:)`` returned has been written: its CRLF, when chunked,
    /// becomes pending.
    mutating func largePartWritten() {
        guard framing == .chunked else { return }
        var b = buffer(2)
        b.writeStaticString("\r\n")
        pending = b
    }

    /// Encodes the end of the response: the last chunk and any trailers when chunked, nothing
    /// otherwise (trailers cannot be sent without chunking). The next response starts afresh.
    mutating func end(_ trailers: HTTPHeaders?) {
        defer { framing = .raw }
        guard framing == .chunked else { return }
        var b = buffer(trailers == nil ? 5 : 256)
        b.writeStaticString("0\r\n")
        Self.write(trailers ?? HTTPHeaders(), into: &b)
        pending = b
    }

    // MARK: Bytes

    static func writeStatusLine(_ head: HTTPResponseHead, into b: inout ByteBuffer) {
        switch (head.version.major, head.version.minor) {
        case (1, 1): b.writeStaticString("HTTP/1.1 ")
        case (1, 0): b.writeStaticString("HTTP/1.0 ")
        case let (major, minor): b.writeString("HTTP/\(major).\(minor) ")
        }
        let code = Int(head.status.code)
        if code >= 100 && code <= 999 {
            b.writeInteger(UInt8(ascii: "0") + UInt8(code / 100))
            b.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
            b.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
        } else {
            b.writeString(String(code))
        }
        b.writeStaticString(" ")
        b.writeString(head.status.reasonPhrase)
        b.writeStaticString("\r\n")
    }

    /// `name: value\r\n` for each, then the blank line.
    static func write(_ headers: HTTPHeaders, into b: inout ByteBuffer) {
        for (name, value) in headers {
            b.writeString(name)
            b.writeStaticString(": ")
            b.writeString(value)
            b.writeStaticString("\r\n")
        }
        b.writeStaticString("\r\n")
    }
}
