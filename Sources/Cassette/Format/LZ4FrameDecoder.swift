import CLZ4

/// An incremental LZ4 frame decoder that knows where every frame part begins.
///
/// It splits the input into frame headers, blocks and end marks itself, checks each part,
/// and decodes blocks with liblz4's block decoder, so that decoded content is delivered block
/// by block (each block verified by its checksum), a failure is reported at the offset of the
/// part that failed, and an input cut anywhere is reported at the start of the incomplete
/// part. Frames that a crash left without an end mark are therefore readable up to their
/// last complete block. Checksums are ``XXH32``.
public final class LZ4FrameDecoder {
    enum Expect { case magic, header(need: Int), blockSize, block(size: Int), endChecksum }

    private var pendingInput: [UInt8] = []
    private var expect = Expect.magic
    private var blockChecksum = false
    private var contentChecksum = false
    private var blocksLinked = true
    private var skipRemaining = 0
    /// Decoded content. Blocks are decoded one after another into it, so the history of
    /// linked blocks lies right before each new block and nothing is copied aside. When the
    /// next block might not fit, the last 64 KiB of history move to the front first.
    private var out: UnsafeMutableRawPointer
    private var outCapacity = 0
    private var outPos = 0
    /// Where the open frame's content begins in `out` (its history goes back no further).
    private var historyStart = 0
    /// The largest block the current frame may hold.
    private var blockMax = 4 << 20
    private var contentSum = XXH32.State()
    private var contentSize: UInt64?
    private var contentSeen: UInt64 = 0
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
    public init() { out = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16) }

    deinit { out.deallocate() }

    /// Whether the input so far ends inside a frame part (a truncated header or block).
    public var hasPartialPart: Bool { !pendingInput.isEmpty || skipRemaining > 0 }
    /// Whether the input ends inside a frame that has not seen its end mark.
    public var inFrame: Bool {
        if case .magic = expect { return hasPartialPart }
        return true
    }

    /// Decodes `input`. `onContent(bytes, frameOffset)` receives decoded bytes block by block;
    /// the bytes are valid only during the call.
    public func feed(_ input: UnsafeRawBufferPointer, onContent: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        var pos = 0
        while pos < input.count {
            if skipRemaining > 0 {
                let n = min(skipRemaining, input.count - pos)
                skipRemaining -= n; pos += n; consumed += n
                if skipRemaining == 0 { partStart = consumed }
                continue
            }
            let need = needed()
            if pendingInput.isEmpty, input.count - pos >= need {
                // The whole part is in the input: decode it from there, with no copy.
                let part = UnsafeRawBufferPointer(rebasing: input[pos..<(pos + need)])
                pos += need
                consumed += need
                if try completePart(part, onContent: onContent) {
                    pendingInput.append(contentsOf: part)  // The part grew: keep collecting.
                    continue
                }
                partStart = consumed
                continue
            }
            let take = min(need - pendingInput.count, input.count - pos)
            if take > 0 { pendingInput.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[pos..<(pos + take)])) }
            pos += take
            consumed += take
            if pendingInput.count < need { break }
            let grew = try pendingInput.withUnsafeBytes { try completePart($0, onContent: onContent) }
            if grew { continue }
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

    private func le32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    /// Handles a part once `part` holds `needed()` bytes. Returns true when the part turned
    /// out to be longer and its bytes must be kept while more arrive.
    private func completePart(_ part: UnsafeRawBufferPointer, onContent: (UnsafeRawBufferPointer, Int) throws -> Void) throws -> Bool {
        switch expect {
        case .magic:
            let m = le32(part, 0)
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
            let m = le32(part, 0)
            if m & 0xFFFF_FFF0 == 0x184D_2A50 {
                skipRemaining = Int(le32(part, 4))
                expect = .magic
                return false
            }
            let flg = part[4]
            let full = 7 + ((flg & 0x08) != 0 ? 8 : 0) + ((flg & 0x01) != 0 ? 4 : 0)
            if n < full { expect = .header(need: full); return true }
            try beginFrame(part)
            expect = .blockSize
            return false
        case .blockSize:
            let v = le32(part, 0)
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
                try endFrame(part)
                framesEnded += 1
                expect = .magic
                return false
            }
            let size = Int(v & 0x7FFF_FFFF)
            if size > blockMax {
                throw LZ4FrameError(offset: partStart, reason: "a block of \(size) bytes is larger than the frame's block size of \(blockMax)")
            }
            expect = .block(size: 4 + size + (blockChecksum ? 4 : 0))
            return true
        case .block:
            try decode(part, onContent: onContent)
            blocks += 1
            expect = .blockSize
            return false
        case .endChecksum:
            try endFrame(part)
            framesEnded += 1
            expect = .magic
            return false
        }
    }

    /// Checks a frame header (magic number included) and sets up for its blocks.
    private func beginFrame(_ h: UnsafeRawBufferPointer) throws {
        let flg = h[4], bd = h[5]
        guard flg >> 6 == 1 else { throw LZ4FrameError(offset: partStart, reason: "unsupported LZ4 frame version \(flg >> 6)") }
        let last = h.count - 1
        let hc = UInt8((XXH32.hash(UnsafeRawBufferPointer(rebasing: h[4..<last])) >> 8) & 0xFF)
        guard hc == h[last] else { throw LZ4FrameError(offset: partStart, reason: "frame header checksum mismatch") }
        guard flg & 0x02 == 0, bd & 0x8F == 0 else { throw LZ4FrameError(offset: partStart, reason: "reserved bits are set in the frame header") }
        guard flg & 0x01 == 0 else { throw LZ4FrameError(offset: partStart, reason: "the frame needs a dictionary (cassettes never use one)") }
        switch (bd >> 4) & 7 {
        case 4: blockMax = 64 << 10
        case 5: blockMax = 256 << 10
        case 6: blockMax = 1 << 20
        case 7: blockMax = 4 << 20
        default: throw LZ4FrameError(offset: partStart, reason: "unsupported block size id \((bd >> 4) & 7)")
        }
        blocksLinked = flg & 0x20 == 0
        blockChecksum = flg & 0x10 != 0
        contentChecksum = flg & 0x04 != 0
        contentSize = flg & 0x08 != 0 ? UInt64(littleEndian: h.loadUnaligned(fromByteOffset: 6, as: UInt64.self)) : nil
        contentSum = XXH32.State()
        contentSeen = 0
        // Room for the 64 KiB history and a whole block after it.
        let want = max(blockMax + (128 << 10), 8 << 20)
        if outCapacity < want {
            out.deallocate()
            outCapacity = want
            out = UnsafeMutableRawPointer.allocate(byteCount: outCapacity, alignment: 16)
        }
        outPos = 0
        historyStart = 0
    }

    /// Checks the end of a frame: content size and checksum.
    private func endFrame(_ part: UnsafeRawBufferPointer) throws {
        if let n = contentSize, n != contentSeen {
            throw LZ4FrameError(offset: partStart, reason: "frame content size does not match its header")
        }
        if contentChecksum, part.count >= 8, le32(part, 4) != contentSum.digest() {
            throw LZ4FrameError(offset: partStart, reason: "content checksum mismatch (the frame is corrupt)")
        }
    }

    /// Checks and decodes one block (size field, data, checksum) and delivers its content.
    private func decode(_ part: UnsafeRawBufferPointer, onContent: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let field = le32(part, 0)
        let size = Int(field & 0x7FFF_FFFF)
        let data = UnsafeRawBufferPointer(rebasing: part[4..<(4 + size)])
        if blockChecksum, le32(part, 4 + size) != XXH32.hash(data) {
            throw LZ4FrameError(offset: partStart, reason: "block checksum mismatch (the block is corrupt)")
        }
        if !blocksLinked {
            outPos = 0
            historyStart = 0
        } else if outPos + blockMax > outCapacity {
            // Move the last 64 KiB of history to the front; the next block goes right after it.
            // The regions are apart: outPos > capacity - blockMax >= 128 KiB.
            let keep = min(64 << 10, outPos - historyStart)
            out.copyMemory(from: out + (outPos - keep), byteCount: keep)
            historyStart = 0
            outPos = keep
        }
        let dst = out + outPos
        let produced: Int
        if field & 0x8000_0000 != 0 {
            if let src = data.baseAddress { dst.copyMemory(from: src, byteCount: size) }
            produced = size
        } else {
            let dictStart = max(historyStart, outPos - (64 << 10))
            guard let src = data.baseAddress else { throw LZ4FrameError(offset: partStart, reason: "compressed data is corrupt") }
            let r = LZ4_decompress_safe_usingDict(src.assumingMemoryBound(to: CChar.self), dst.assumingMemoryBound(to: CChar.self),
                                                  Int32(size), Int32(blockMax),
                                                  (out + dictStart).assumingMemoryBound(to: CChar.self), Int32(outPos - dictStart))
            guard r >= 0 else { throw LZ4FrameError(offset: partStart, reason: "compressed data is corrupt") }
            produced = Int(r)
        }
        outPos += produced
        guard produced > 0 else { return }
        let content = UnsafeRawBufferPointer(start: dst, count: produced)
        if contentChecksum { contentSum.update(content) }
        contentSeen += UInt64(produced)
        try onContent(content, frameStart)
    }
}
