import CZlib
import Foundation

/// Decompresses a `gzip` or `deflate` response body incrementally (zlib), so that the facts of
/// a compressed exchange can be derived from its plain bytes while the cassette keeps the bytes
/// exactly as they came. Each chunk is inflated as it is fed, so streamed events keep the
/// arrival times of the compressed chunks that carried them.
///
/// Bounded: it stops with `nil` past ``maxOutput`` bytes (a decompression bomb), or on damaged
/// input. Not thread-safe; one inflater per body.
public final class ContentInflater {
    /// The largest decompressed body it produces.
    public static let maxOutput = 256 << 20
    private var stream = z_stream()
    private var open = false
    private var produced = 0
    private var ended = false

    /// The `Content-Encoding` values it understands.
    public static func supports(_ encoding: String) -> Bool {
        ["gzip", "x-gzip", "deflate"].contains(encoding.lowercased().trimmingCharacters(in: .whitespaces))
    }

    /// An inflater for `encoding`, or nil when the encoding is not supported.
    public init?(encoding: String) {
        guard Self.supports(encoding) else { return nil }
        // 15 + 32: a zlib or gzip header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        open = true
    }

    deinit { if open { inflateEnd(&stream) } }

    /// Inflates the next compressed bytes; nil when the data is damaged or too large.
    public func feed(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard open else { return nil }
        if input.isEmpty || ended { return [] }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let base = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))  // Non-empty: checked above.
        stream.next_in = base
        stream.avail_in = uInt(input.count)
        while stream.avail_in > 0 && !ended {
            let status: Int32 = chunk.withUnsafeMutableBufferPointer { buf in
                stream.next_out = buf.baseAddress
                stream.avail_out = uInt(buf.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let n = chunk.count - Int(stream.avail_out)
            produced += n
            guard produced <= Self.maxOutput else { return nil }
            out.append(contentsOf: chunk[0..<n])
            switch status {
            case Z_STREAM_END: ended = true
            case Z_OK: continue
            case Z_BUF_ERROR where n > 0: continue
            default: return nil
            }
        }
        stream.next_in = nil
        return out
    }
}
