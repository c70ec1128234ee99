/// XXH32, the checksum of the LZ4 frame format (header, block and content checksums).
///
/// liblz4 computes it too, but the build Debian ships vectorizes it without a 32-bit vector
/// multiply, which made checksums cost more than compression itself; four scalar lanes are
/// several times faster. ``State`` hashes a stream given in pieces.
public enum XXH32 {
    static let p1: UInt32 = 0x9E37_79B1
    static let p2: UInt32 = 0x85EB_CA77
    static let p3: UInt32 = 0xC2B2_AE3D
    static let p4: UInt32 = 0x27D4_EB2F
    static let p5: UInt32 = 0x1656_67B1

    @inline(__always) static func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }
    @inline(__always) static func round(_ acc: UInt32, _ input: UInt32) -> UInt32 { rotl(acc &+ input &* p2, 13) &* p1 }
    @inline(__always) static func u32(_ p: UnsafeRawPointer, _ k: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: k, as: UInt32.self))
    }

    /// The digest of `bytes` with `seed`.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var s = State(seed: seed)
        s.update(bytes)
        return s.digest()
    }

    /// The digest of a byte array.
    public static func hash(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 { bytes.withUnsafeBytes { hash($0, seed: seed) } }

    /// A running XXH32 over input given in pieces.
    public struct State: Sendable {
        var v1: UInt32, v2: UInt32, v3: UInt32, v4: UInt32
        let seed: UInt32
        var total = 0
        /// Up to 15 bytes not yet part of a 16-byte stripe.
        var tail: (UInt64, UInt64) = (0, 0)
        var tailCount = 0

        /// A fresh state.
        public init(seed: UInt32 = 0) {
            self.seed = seed
            v1 = seed &+ p1 &+ p2; v2 = seed &+ p2; v3 = seed; v4 = seed &- p1
        }

        @inline(__always) mutating func stripes(_ p: UnsafeRawPointer, _ n: Int) -> Int {
            var a = v1, b = v2, c = v3, d = v4
            var k = 0
            while k + 16 <= n {
                a = round(a, u32(p, k)); b = round(b, u32(p, k + 4)); c = round(c, u32(p, k + 8)); d = round(d, u32(p, k + 12))
                k += 16
            }
            v1 = a; v2 = b; v3 = c; v4 = d
            return k
        }

        /// Adds `bytes` to the stream.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            var p = base, n = bytes.count
            total += n
            if tailCount > 0 {
                let take = min(16 - tailCount, n)
                withUnsafeMutableBytes(of: &tail) { t in
                    t.baseAddress!.advanced(by: tailCount).copyMemory(from: p, byteCount: take)  // Tuple storage: non-nil.
                }
                tailCount += take; p += take; n -= take
                guard tailCount == 16 else { return }
                var t = tail
                _ = withUnsafeBytes(of: &t) { stripes($0.baseAddress!, 16) }
                tailCount = 0
            }
            let done = stripes(p, n)
            if done < n {
                withUnsafeMutableBytes(of: &tail) { t in t.baseAddress!.copyMemory(from: p + done, byteCount: n - done) }
                tailCount = n - done
            }
        }

        /// The digest of everything added so far.
        public func digest() -> UInt32 {
            var h: UInt32
            if total >= 16 {
                h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            } else {
                h = seed &+ p5
            }
            h = h &+ UInt32(truncatingIfNeeded: total)
            var t = tail
            let n = tailCount
            withUnsafeBytes(of: &t) { raw in
                let p = raw.baseAddress!  // Tuple storage: non-nil.
                var k = 0
                while k + 4 <= n { h = rotl(h &+ u32(p, k) &* p3, 17) &* p4; k += 4 }
                while k < n { h = rotl(h &+ UInt32(raw[k]) &* p5, 11) &* p1; k += 1 }
            }
            h ^= h >> 15; h = h &* p2; h ^= h >> 13; h = h &* p3; h ^= h >> 16
            return h
        }
    }
}
