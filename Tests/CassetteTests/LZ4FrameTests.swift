import Foundation
import Testing
import TestSupport
@testable import Cassette

/// The frame layer is Tapedeck's own (around liblz4's block codec), so it is checked against
/// the reference implementations: frames liblz4's lz4frame writes, frames the `lz4` CLI
/// writes with every block mode, and `lz4 -dc` reading what Tapedeck writes.
@Suite struct LZ4FrameTests {
    /// Deterministic, compressible, JSON-like bytes.
    func sample(_ n: Int, seed: UInt64 = 1) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt8] = []
        out.reserveCapacity(n + 64)
        let words = ["\"delta\"", "{\"content\":", "\"tok\"", "data: ", "\\n\\n", "[DONE]", "1795000000", ","]
        while out.count < n {
            out += Array(words[Int(rng.next() % UInt64(words.count))].utf8)
            if rng.next() % 7 == 0 { out.append(UInt8(truncatingIfNeeded: rng.next())) }  // Some noise.
        }
        return Array(out.prefix(n))
    }

    func decodeAll(_ frame: [UInt8], slice: Int = Int.max) throws -> [UInt8] {
        let d = LZ4FrameDecoder()
        var out: [UInt8] = []
        var pos = 0
        while pos < frame.count {
            let end = min(frame.count, pos + slice)
            try frame.withUnsafeBytes { try d.feed(UnsafeRawBufferPointer(rebasing: $0[pos..<end])) { c, _ in out.append(contentsOf: c) } }
            pos = end
        }
        #expect(!d.hasPartialPart)
        #expect(!d.inFrame)
        return out
    }

    @Test func xxh32KnownDigests() {
        // Reference digests of XXH32 with seed 0.
        #expect(XXH32.hash([UInt8]()) == 0x02CC_5D05)
        #expect(XXH32.hash(Array("a".utf8)) == 0x550D_7456)
        #expect(XXH32.hash(Array("abc".utf8)) == 0x32D1_53FF)
        // Pieces of any size give the digest of the whole.
        let data = sample(1000)
        var s = XXH32.State()
        var k = 0
        for step in [1, 3, 15, 16, 17, 100, 848] {
            data.withUnsafeBytes { s.update(UnsafeRawBufferPointer(rebasing: $0[k..<(k + step)])) }
            k += step
        }
        #expect(k == data.count)
        #expect(s.digest() == XXH32.hash(data))
    }

    @Test func readsFramesWrittenByLiblz4() throws {
        for n in [0, 1, 100, 70_000, 3 << 20] {
            let raw = sample(n, seed: UInt64(n))
            let frame = LZ4FrameCompressor().compressFrame(raw)  // lz4frame, with content size and both checksums.
            #expect(try decodeAll(frame) == raw)
            #expect(try decodeAll(frame, slice: 777) == raw)
        }
    }

    @Test func readsFramesWrittenByTheLZ4Tool() throws {
        let dir = TempDir()
        let raw = sample(13 << 20, seed: 9)  // Past the decoder's 8 MiB run of content, with 4 MiB blocks.
        let input = dir.file("raw")
        FileManager.default.createFile(atPath: input, contents: Data(raw))
        for flags in [["-1"], ["-1", "-BD"], ["-1", "-BD", "-B4", "--content-size"], ["-1", "-BD", "-B5", "-BX", "--no-frame-crc"], ["-9", "-B7"]] {
            let out = dir.file("raw.lz4")
            let r = try runProcess("/usr/bin/env", ["lz4", "-q", "-f"] + flags + [input, out])
            #expect(r.code == 0, "lz4 \(flags): \(r.stderr)")
            let frame = [UInt8](FileManager.default.contents(atPath: out) ?? Data())
            #expect(try decodeAll(frame) == raw, "lz4 \(flags)")
        }
    }

    @Test func theLZ4ToolReadsLongFramesTapedeckWrites() throws {
        // One frame of 13 MiB from flushes of every size: the writer's 4 MiB window starts over
        // (keeping its history) and the decoder moves its history to the front.
        let w = LZ4FrameWriter()
        var file: [UInt8] = []
        var raw: [UInt8] = []
        var k = 0
        for size in [10, 5_000, 1 << 20, 1, 3 << 20, 2_000_000, 77, 1_500_000, 4 << 20, 900_000] {
            let part = sample(size, seed: UInt64(k)); k += 1
            raw += part
            file += w.flush(part)
        }
        file += w.end()
        #expect(try decodeAll(file) == raw)
        #expect(try decodeAll(file, slice: 4093) == raw)
        let dir = TempDir()
        FileManager.default.createFile(atPath: dir.file("t.lz4"), contents: Data(file))
        FileManager.default.createFile(atPath: dir.file("raw"), contents: Data(raw))
        let r = try runProcess("/bin/sh", ["-c", "lz4 -dc '\(dir.file("t.lz4"))' | cksum"])
        let expected = try runProcess("/bin/sh", ["-c", "cksum < '\(dir.file("raw"))'"])
        #expect(r.code == 0)
        #expect(!expected.stdout.isEmpty)
        #expect(r.stdout == expected.stdout)
    }

    @Test func incompressibleBlocksAreStoredAsTheyAre() throws {
        var rng = SplitMix64(seed: 3)
        let noise = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let w = LZ4FrameWriter()
        var file = w.flush(noise)
        file += w.flush(sample(10_000))
        file += w.end()
        #expect(try decodeAll(file) == noise + sample(10_000))
        // The first block's size field has the stored-as-is bit.
        let field = UInt32(file[7]) | UInt32(file[8]) << 8 | UInt32(file[9]) << 16 | UInt32(file[10]) << 24
        #expect(field & 0x8000_0000 != 0)
    }

    @Test func damagedFramesNameTheirFault() throws {
        let w = LZ4FrameWriter()
        var good = w.flush(sample(50_000))
        good += w.end()
        func fault(_ f: [UInt8]) -> String {
            do { _ = try decodeAll(f); return "none" } catch let e as LZ4FrameError { return e.reason } catch { return "\(error)" }
        }
        var header = good; header[4] ^= 0x01  // Dictionary flag: the header checksum no longer fits.
        #expect(fault(header) == "frame header checksum mismatch")
        var version = good; version[4] = 0x94
        #expect(fault(version).contains("version"))
        var block = good; block[20] ^= 0x40
        #expect(fault(block) == "block checksum mismatch (the block is corrupt)")
        var content = good; content[content.count - 1] ^= 0x01
        #expect(fault(content) == "content checksum mismatch (the frame is corrupt)")
        var size = good; size[10] = 0x7F  // A block size beyond the frame's 1 MiB.
        #expect(fault(size).contains("larger than the frame's block size"))
    }
}
