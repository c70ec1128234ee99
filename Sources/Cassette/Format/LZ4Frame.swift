import CLZ4

/// Compresses byte blocks into standard LZ4 frames (lz4frame.h) with content checksums.
///
/// Every call to ``compressFrame(_:)`` returns one complete, independent frame, which is
/// what makes a cassette readable up to its last flush after a crash.
public struct LZ4FrameCompressor: Sendable {
    /// The LZ4 compression level; 0 is the fast default.
    public var level: Int32

    /// A compressor at the given level.
    public init(level: Int32 = 0) { self.level = level }

    /// One complete LZ4 frame holding `input`, with a content checksum and its size recorded.
    public func compressFrame(_ input: [UInt8]) -> [UInt8] {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.blockSizeID = LZ4F_max4MB
        prefs.frameInfo.blockMode = LZ4F_blockLinked
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.contentSize = UInt64(input.count)
        prefs.compressionLevel = level
        let bound = LZ4F_compressFrameBound(input.count, &prefs)
        var out = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                LZ4F_compressFrame(dst.baseAddress, bound, src.baseAddress, input.count, &prefs)
            }
        }
        // LZ4F_compressFrame fails only for a destination smaller than its own bound, which
        // cannot happen here; treat an error as a programming fault.
        precondition(LZ4F_isError(written) == 0, "LZ4F_compressFrame failed: \(String(cString: LZ4F_getErrorName(written)))")
        out.removeSubrange(written...)
        return out
    }
}

/// The outcome of feeding bytes to an ``LZ4FrameDecoder``.
public enum LZ4FrameEvent: Sendable, Equatable {
    /// A complete frame decoded and passed its checksum: its content and the byte offset where it began.
    case frame(content: [UInt8], offset: Int)
}

/// A frame-level failure: the offset of the frame that could not be decoded and why.
public struct LZ4FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset, in the compressed input, of the frame that failed.
    public let offset: Int
    /// What went wrong (for example `ERROR_contentChecksum_invalid`).
    public let reason: String
    public var description: String { "bad LZ4 frame at byte \(offset): \(reason)" }
}

/// An incremental LZ4 frame decoder that yields each frame's content only once the frame
/// has ended and its checksum has verified.
///
/// Feed it compressed bytes in any slicing; it keeps track of frame boundaries so that a
/// failure is reported at the offset where the bad frame starts.
public final class LZ4FrameDecoder {
    private var ctx: OpaquePointer?
    private var frameBuffer: [UInt8] = []
    private var scratch: [UInt8]
    /// Compressed bytes consumed so far.
    public private(set) var consumed: Int = 0
    /// Offset where the current (unfinished) frame started.
    public private(set) var frameStart: Int = 0
    /// Whether a frame is partially decoded.
    public private(set) var inFrame = false

    /// A fresh decoder.
    public init() {
        var c: OpaquePointer?
        let r = LZ4F_createDecompressionContext(&c, UInt32(LZ4F_VERSION))
        // Creating a context fails only on allocation failure.
        precondition(LZ4F_isError(r) == 0, "cannot allocate an LZ4 decompression context")
        ctx = c
        scratch = [UInt8](repeating: 0, count: 1 << 20)
    }

    deinit { LZ4F_freeDecompressionContext(ctx) }

    /// Decodes `input`; calls `onFrame` for each complete frame. Throws at the first bad frame.
    public func feed(_ input: UnsafeRawBufferPointer, onFrame: ([UInt8], Int) throws -> Void) throws {
        var pos = 0
        while pos < input.count {
            if !inFrame {
                frameStart = consumed + pos
                inFrame = true
                frameBuffer.removeAll(keepingCapacity: true)
                // Skippable frames (magic 0x184D2A5?) are handled by LZ4F itself.
            }
            var srcSize = input.count - pos
            var dstSize = scratch.count
            let hint = scratch.withUnsafeMutableBytes { dst in
                LZ4F_decompress(ctx, dst.baseAddress, &dstSize, input.baseAddress! + pos, &srcSize, nil)
            }
            if LZ4F_isError(hint) != 0 {
                let name = String(cString: LZ4F_getErrorName(hint))
                LZ4F_resetDecompressionContext(ctx)
                consumed += pos
                throw LZ4FrameError(offset: frameStart, reason: Self.plain(name))
            }
            pos += srcSize
            if dstSize > 0 { frameBuffer.append(contentsOf: scratch[0..<dstSize]) }
            if hint == 0 {
                inFrame = false
                let content = frameBuffer
                frameBuffer.removeAll(keepingCapacity: true)
                try onFrame(content, frameStart)
            } else if srcSize == 0 && dstSize == 0 {
                break
            }
        }
        consumed += input.count
    }

    /// Turns LZ4's error names into words.
    static func plain(_ name: String) -> String {
        switch name {
        case "ERROR_contentChecksum_invalid": return "content checksum mismatch (the frame is corrupt)"
        case "ERROR_blockChecksum_invalid": return "block checksum mismatch (the frame is corrupt)"
        case "ERROR_frameType_unknown": return "not an LZ4 frame (bad magic number)"
        case "ERROR_decompressionFailed": return "compressed data is corrupt"
        case "ERROR_frameHeader_incomplete": return "frame header is incomplete"
        case "ERROR_headerChecksum_invalid": return "frame header checksum mismatch"
        case "ERROR_frameSize_wrong": return "frame content size does not match its header"
        default: return name
        }
    }
}
