import CLZ4

/// An incremental LZ4 frame decoder that knows where every frame part begins.
///
/// It splits the input into frame headers, blocks and end marks itself, and hands each
/// complete part to liblz4, so that decoded content is delivered block by block (each block
/// verified by its checksum), a failure is reported at the offset of the part that failed,
/// and an input cut anywhere is reported at the start of the incomplete part. Frames that a
/// crash left without an end mark are therefore readable up to their last complete block.
public final class LZ4FrameDecoder {
    enum Expect { case magic, header(need: Int), blockSize, block(size: Int), endChecksum }

    private var ctx: OpaquePointer?
    private var pendingInput: [UInt8] = []
    private var expect = Expect.magic
    private var blockChecksum = false
    private var contentChecksum = false
    private var skipRemaining = 0
    private var out: [UInt8]
    /// Compressed bytes consumed so far.
    public private(set) var consumed = 0
    /// Offset of the part being assembled (the first byte not yet fully decoded).
    public private(set) var partStart = 0
    /// Offset where the current frame started.
    public private(set) var frameStart = 0
    /// Frames completed (end mark seen).
    public private(set) var framesEnded = 0
    /// Blocks decoded.
    public private(set) var blocks = 0
    /// Frames that ended without an end mark because a new frame followed.
    public private(set) var unendedFrames = 0

    /// A fresh decoder.
    public init() {
        var c: OpaquePointer?
        let r = LZ4F_createDecompressionContext(&c, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(r) == 0, "cannot allocate an LZ4 decompression context")  // Allocation failure only.
        ctx = c
        out = [UInt8](repeating: 0, count: 1 << 20)
    }

    deinit { LZ4F_freeDecompressionContext(ctx) }

    /// Whether the input so far ends inside a frame part (a truncated header or block).
    public var hasPartialPart: Bool { !pendingInput.isEmpty || skipRemaining > 0 }
    /// Whether the input ends inside a frame that has not seen its end mark.
    public var inFrame: Bool {
        if case .magic = expect { return hasPartialPart }
        return true
    }

    /// Decodes `input`. `onContent(bytes, frameOffset)` receives decoded bytes block by block.
    public func feed(_ input: UnsafeRawBufferPointer, onContent: ([UInt8], Int) throws -> Void) throws {
        var pos = 0
        while pos < input.count {
            if skipRemaining > 0 {
                let n = min(skipRemaining, input.count - pos)
                skipRemaining -= n; pos += n; consumed += n
                if skipRemaining == 0 { partStart = consumed }
                continue
            }
            let need = needed()
            let take = min(need - pendingInput.count, input.count - pos)
            if take > 0 { pendingInput.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[pos..<(pos + take)])) }
            pos += take
            consumed += take
            if pendingInput.count < need { break }
            if try completePart(onContent: onContent) { continue }  // The part grew: keep collecting.
            pendingInput.removeAll(keepingCapacity: true)
            partStart = consumed
        }
    }

    /// Bytes needed (in `pendingInput`) to complete the current part.
    private func needed() -> Int {
        switch expect {
        case .magic: return 4
        case .header(let n): return n
        case .blockSize: return 4
        case .block(let n): return n
        case .endChecksum: return 8
        }
    }

    private func le32(_ b: ArraySlice<UInt8>) -> UInt32 {
        let s = b.startIndex
        return UInt32(b[s]) | UInt32(b[s + 1]) << 8 | UInt32(b[s + 2]) << 16 | UInt32(b[s + 3]) << 24
    }

    /// Handles `pendingInput` once it holds `needed()` bytes. Returns true when the part turned
    /// out to be longer and its bytes must be kept while more arrive.
    private func completePart(onContent: ([UInt8], Int) throws -> Void) throws -> Bool {
        switch expect {
        case .magic:
            let m = le32(pendingInput[0..<4])
            if m & 0xFFFF_FFF0 == 0x184D_2A50 {
                expect = .header(need: 8)  // Skippable frame: magic and a 4-byte size, then payload.
                return true
            }
            guard m == 0x184D_2204 else {
                throw LZ4FrameError(offset: partStart, reason: "not an LZ4 frame (bad magic number)")
            }
            frameStart = partStart
            expect = .header(need: 7)
            return true
        case .header(let n):
            let m = le32(pendingInput[0..<4])
            if m & 0xFFFF_FFF0 == 0x184D_2A50 {
                skipRemaining = Int(le32(pendingInput[4..<8]))
                expect = .magic
                return false
            }
            let flg = pendingInput[4]
            let full = 7 + ((flg & 0x08) != 0 ? 8 : 0) + ((flg & 0x01) != 0 ? 4 : 0)
            if n < full { expect = .header(need: full); return true }
            blockChecksum = (flg & 0x10) != 0
            contentChecksum = (flg & 0x04) != 0
            LZ4F_resetDecompressionContext(ctx)
            try decode(onContent: onContent)
            expect = .blockSize
            return false
        case .blockSize:
            let v = le32(pendingInput[0..<4])
            if v == 0x184D_2204 {
                // A new frame where a block was expected: the previous frame ended without its
                // end mark (its writer was stopped by a failed write) and a new frame follows.
                // No valid block size is this large, so the reading is unambiguous.
                unendedFrames += 1
                frameStart = partStart
                expect = .header(need: 7)
                return true
            }
            if v == 0 {
                if contentChecksum { expect = .endChecksum; return true }
                try decode(onContent: onContent)
                framesEnded += 1
                expect = .magic
                return false
            }
            expect = .block(size: 4 + Int(v & 0x7FFF_FFFF) + (blockChecksum ? 4 : 0))
            return true
        case .block:
            try decode(onContent: onContent)
            blocks += 1
            expect = .blockSize
            return false
        case .endChecksum:
            try decode(onContent: onContent)
            framesEnded += 1
            expect = .magic
            return false
        }
    }

    /// Feeds the complete part in `pendingInput` to liblz4 and delivers its output.
    private func decode(onContent: ([UInt8], Int) throws -> Void) throws {
        var pos = 0
        var produced: [UInt8] = []
        while pos < pendingInput.count {
            var srcSize = pendingInput.count - pos
            var dstSize = out.count
            let hint = pendingInput.withUnsafeBytes { src in
                out.withUnsafeMutableBytes { dst in LZ4F_decompress(ctx, dst.baseAddress, &dstSize, src.baseAddress! + pos, &srcSize, nil) }
            }
            if LZ4F_isError(hint) != 0 {
                let name = String(cString: LZ4F_getErrorName(hint))
                LZ4F_resetDecompressionContext(ctx)
                throw LZ4FrameError(offset: partStart, reason: Self.plain(name))
            }
            pos += srcSize
            if dstSize > 0 { produced += out[0..<dstSize] }
            if srcSize == 0 && dstSize == 0 { break }
        }
        // Drain output liblz4 may still hold.
        while true {
            var srcSize = 0
            var dstSize = out.count
            let hint = out.withUnsafeMutableBytes { dst in LZ4F_decompress(ctx, dst.baseAddress, &dstSize, nil, &srcSize, nil) }
            if LZ4F_isError(hint) != 0 || dstSize == 0 { break }
            produced += out[0..<dstSize]
        }
        if !produced.isEmpty { try onContent(produced, frameStart) }
    }

    /// Turns LZ4's error names into words.
    static func plain(_ name: String) -> String {
        switch name {
        case "ERROR_contentChecksum_invalid": return "content checksum mismatch (the frame is corrupt)"
        case "ERROR_blockChecksum_invalid": return "block checksum mismatch (the block is corrupt)"
        case "ERROR_frameType_unknown": return "not an LZ4 frame (bad magic number)"
        case "ERROR_decompressionFailed": return "compressed data is corrupt"
        case "ERROR_headerChecksum_invalid": return "frame header checksum mismatch"
        case "ERROR_frameSize_wrong": return "frame content size does not match its header"
        case "ERROR_frameHeader_incomplete": return "frame header is incomplete"
        default: return name
        }
    }
}
