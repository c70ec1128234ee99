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
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.blockSizeID = LZ4F_max1MB
        prefs.frameInfo.blockMode = LZ4F_blockLinked
        prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled
        prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled
        prefs.compressionLevel = level
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
///
/// The frame is assembled here around liblz4's block compressor, not with lz4frame: the
/// input of the open frame is kept in one buffer, so the history a new block refers to is
/// always right before it (lz4frame copied the last 64 KiB aside after every flush, ten
/// times the data of a typical exchange), and the checksums use ``XXH32``.
public final class LZ4FrameWriter {
    private let stream: UnsafeMutablePointer<LZ4_stream_t>
    /// The open frame's input, so that blocks find their history in place.
    private var window: UnsafeMutableRawPointer
    private let windowCapacity = 4 << 20
    private var windowPos = 0
    private var content = XXH32.State()
    private var scratch: [UInt8] = []
    /// Whether a frame has begun and not yet ended.
    public private(set) var isOpen = false
    /// Raw bytes given to the open frame.
    public private(set) var openRawBytes = 0
    /// The largest block: 1 MiB (block size id 6).
    static let blockMax = 1 << 20
    /// FLG: version 01, linked blocks, block checksums, content checksum. BD: 1 MiB blocks.
    static let flg: UInt8 = 0x54, bd: UInt8 = 0x60
    let acceleration: Int32

    /// A writer. `acceleration` trades ratio for speed as in liblz4 (1 is the default).
    public init(acceleration: Int32 = 1) {
        self.acceleration = acceleration
        // LZ4_createStream fails only when memory allocation fails.
        guard let s = LZ4_createStream() else { fatalError("cannot allocate an LZ4 stream") }
        stream = s
        window = UnsafeMutableRawPointer.allocate(byteCount: windowCapacity, alignment: 16)
    }

    deinit {
        LZ4_freeStream(stream)
        window.deallocate()
    }

    /// The frame header of every cassette frame.
    static let header: [UInt8] = {
        let hc = UInt8((XXH32.hash([flg, bd]) >> 8) & 0xFF)
        return [0x04, 0x22, 0x4D, 0x18, flg, bd, hc]
    }()

    /// Compresses `input` into the open frame (beginning one if needed) and flushes it as whole blocks.
    public func flush(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { flush($0) }
    }

    /// Compresses raw bytes into the open frame (beginning one if needed) as whole blocks.
    public func flush(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        if !isOpen {
            out = Self.header
            LZ4_resetStream_fast(stream)
            content = XXH32.State()
            windowPos = 0
            isOpen = true
            openRawBytes = 0
        }
        guard let src = input.baseAddress, input.count > 0 else { return out }
        content.update(input)
        openRawBytes += input.count
        var pos = 0
        while pos < input.count {
            let n = min(Self.blockMax, input.count - pos)
            if windowPos + n > windowCapacity {
                // Keep the last 64 KiB of history at the front and go on from there.
                let kept = LZ4_saveDict(stream, window.assumingMemoryBound(to: CChar.self), 64 << 10)
                windowPos = Int(kept)
            }
            let block = window + windowPos
            block.copyMemory(from: src + pos, byteCount: n)
            windowPos += n
            appendBlock(block, n, to: &out)
            pos += n
        }
        return out
    }

    /// Compresses one block already in the window and appends it (size, data, checksum).
    private func appendBlock(_ block: UnsafeMutableRawPointer, _ n: Int, to out: inout [UInt8]) {
        let bound = Int(LZ4_compressBound(Int32(n)))
        if scratch.count < bound + 8 { scratch = [UInt8](repeating: 0, count: bound + 8) }
        let c = scratch.withUnsafeMutableBytes { dst in
            Int(LZ4_compress_fast_continue(stream, block.assumingMemoryBound(to: CChar.self),
                                           dst.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(n), Int32(bound), acceleration))
        }
        // 0 means it did not fit the bound, which cannot happen; store such a block, or one that
        // did not shrink, as it is. The stream has taken it as history either way, and so will
        // a reader.
        let stored = c > 0 && c < n
        let size = stored ? c : n
        let sizeField = UInt32(size) | (stored ? 0 : 0x8000_0000)
        let before = out.count
        withUnsafeBytes(of: sizeField.littleEndian) { out.append(contentsOf: $0) }
        if stored {
            scratch.withUnsafeBytes { out.append(contentsOf: $0[0..<c]) }
        } else {
            out.append(contentsOf: UnsafeRawBufferPointer(start: block, count: n))
        }
        let sum = out.withUnsafeBytes { XXH32.hash(UnsafeRawBufferPointer(rebasing: $0[(before + 4)...])) }
        withUnsafeBytes(of: sum.littleEndian) { out.append(contentsOf: $0) }
    }

    /// Ends the open frame: end mark and content checksum. Empty if no frame is open.
    public func end() -> [UInt8] {
        guard isOpen else { return [] }
        var out: [UInt8] = [0, 0, 0, 0]
        withUnsafeBytes(of: content.digest().littleEndian) { out.append(contentsOf: $0) }
        isOpen = false
        openRawBytes = 0
        return out
    }

    /// Forgets the open frame without ending it (after its bytes failed to reach disk).
    public func abandon() {
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
