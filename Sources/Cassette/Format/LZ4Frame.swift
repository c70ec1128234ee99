import CLZ4

/// Compresses byte blocks into one standard LZ4 frame (lz4frame.h), with content checksums.
///
/// Used for one-shot frames (tests, tools). Cassettes are written by ``LZ4FrameWriter``.
public struct LZ4FrameCompressor: Sendable {
    /// The LZ4 compression level; 0 is the fast default.
    public var level: Int32

    /// A compressor at the given level.
    public init(level: Int32 = 0) { self.level = level }

    /// One complete LZ4 frame holding `input`, with block and content checksums.
    public func compressFrame(_ input: [UInt8]) -> [UInt8] {
        var prefs = LZ4FrameWriter.preferences(level: level)
        prefs.frameInfo.contentSize = UInt64(input.count)
        let bound = LZ4F_compressFrameBound(input.count, &prefs)
        var out = [UInt8](repeating: 0, count: bound)
        let written = input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                LZ4F_compressFrame(dst.baseAddress, bound, src.baseAddress, input.count, &prefs)
            }
        }
        // LZ4F_compressFrame fails only for a destination smaller than its own bound, which
        // cannot happen here; an error would be a programming fault.
        precondition(LZ4F_isError(written) == 0, "LZ4F_compressFrame failed: \(String(cString: LZ4F_getErrorName(written)))")
        out.removeSubrange(written...)
        return out
    }
}

/// Writes one LZ4 frame incrementally: each ``flush(_:)`` emits the data given so far as
/// whole blocks that a reader can decode at once, and later blocks may refer back to earlier
/// ones (linked blocks, 64 KiB window), so many small flushes still compress as one stream.
/// ``end()`` closes the frame with its end mark and content checksum.
///
/// Blocks carry their own checksums, so a reader can trust every complete block of a frame
/// that a crash left unterminated.
public final class LZ4FrameWriter {
    private var ctx: OpaquePointer?
    private var scratch: [UInt8] = []
    /// Whether a frame has begun and not yet ended.
    public private(set) var isOpen = false
    /// Raw bytes given to the open frame.
    public private(set) var openRawBytes = 0
    let level: Int32

    static func preferences(level: Int32) -> LZ4F_preferences_t {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.blockSizeID = LZ4F_max1MB
        prefs.frameInfo.blockMode = LZ4F_blockLinked
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        prefs.compressionLevel = level
        return prefs
    }

    /// A writer at the given compression level.
    public init(level: Int32 = 0) {
        self.level = level
        var c: OpaquePointer?
        let r = LZ4F_createCompressionContext(&c, UInt32(LZ4F_VERSION))
        // Creating a context fails only when memory allocation fails.
        precondition(LZ4F_isError(r) == 0, "cannot allocate an LZ4 compression context")
        ctx = c
    }

    deinit { LZ4F_freeCompressionContext(ctx) }

    private func check(_ r: Int, _ what: String) -> Int {
        // These calls fail only for a destination smaller than LZ4F_compressBound, which the
        // scratch buffer never is; an error would be a programming fault.
        precondition(LZ4F_isError(r) == 0, "\(what) failed: \(String(cString: LZ4F_getErrorName(r)))")
        return r
    }

    /// Compresses `input` into the open frame (beginning one if needed) and flushes it as whole blocks.
    public func flush(_ input: [UInt8]) -> [UInt8] {
        var prefs = Self.preferences(level: level)
        let bound = LZ4F_compressBound(input.count, &prefs) + 64
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
        var out: [UInt8] = []
        if !isOpen {
            let n = scratch.withUnsafeMutableBytes { dst in check(LZ4F_compressBegin(ctx, dst.baseAddress, dst.count, &prefs), "LZ4F_compressBegin") }
            out += scratch[0..<n]
            isOpen = true
            openRawBytes = 0
        }
        if !input.isEmpty {
            let n = input.withUnsafeBytes { src in
                scratch.withUnsafeMutableBytes { dst in
                    check(LZ4F_compressUpdate(ctx, dst.baseAddress, dst.count, src.baseAddress, src.count, nil), "LZ4F_compressUpdate")
                }
            }
            out += scratch[0..<n]
            let f = scratch.withUnsafeMutableBytes { dst in check(LZ4F_flush(ctx, dst.baseAddress, dst.count, nil), "LZ4F_flush") }
            out += scratch[0..<f]
            openRawBytes += input.count
        }
        return out
    }

    /// Ends the open frame: end mark and content checksum. Empty if no frame is open.
    public func end() -> [UInt8] {
        guard isOpen else { return [] }
        if scratch.count < 64 { scratch = [UInt8](repeating: 0, count: 64) }
        let n = scratch.withUnsafeMutableBytes { dst in check(LZ4F_compressEnd(ctx, dst.baseAddress, dst.count, nil), "LZ4F_compressEnd") }
        isOpen = false
        openRawBytes = 0
        return Array(scratch[0..<n])
    }

    /// Forgets the open frame without ending it (after its bytes failed to reach disk).
    public func abandon() {
        guard isOpen else { return }
        var c: OpaquePointer?
        LZ4F_freeCompressionContext(ctx)
        let r = LZ4F_createCompressionContext(&c, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(r) == 0, "cannot allocate an LZ4 compression context")  // Allocation failure only.
        ctx = c
        isOpen = false
        openRawBytes = 0
    }
}

/// A frame-level failure: the offset of the frame part (header, block, end) that could not be decoded and why.
public struct LZ4FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset, in the compressed input, where the bad part begins.
    public let offset: Int
    /// What went wrong.
    public let reason: String
    public var description: String { "bad LZ4 data at byte \(offset): \(reason)" }
}
