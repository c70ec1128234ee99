/// XXH64, a fast non-cryptographic 64-bit hash, used to name content blobs.
public enum XXH64 {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }
    @inline(__always) private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    /// The XXH64 digest of `bytes` with `seed`.
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        var i = 0
        var h: UInt64
        @inline(__always) func u64(_ k: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: k, as: UInt64.self)) }
        @inline(__always) func u32(_ k: Int) -> UInt64 { UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: k, as: UInt32.self))) }
        if n >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= n {
                v1 = round(v1, u64(i)); v2 = round(v2, u64(i + 8)); v3 = round(v3, u64(i + 16)); v4 = round(v4, u64(i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(n)
        while i + 8 <= n { h ^= round(0, u64(i)); h = rotl(h, 27) &* p1 &+ p4; i += 8 }
        if i + 4 <= n { h ^= u32(i) &* p1; h = rotl(h, 23) &* p2 &+ p3; i += 4 }
        while i < n { h ^= UInt64(bytes[i]) &* p5; h = rotl(h, 11) &* p1; i += 1 }
        h ^= h >> 33; h = h &* p2; h ^= h >> 29; h = h &* p3; h ^= h >> 32
        return h
    }

    /// The digest of a byte array.
    public static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// A 128-bit content name as 32 lowercase hex digits: two XXH64 digests with different seeds.
    public static func contentName(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { contentName($0) }
    }

    /// The content name of raw bytes.
    public static func contentName(_ bytes: UnsafeRawBufferPointer) -> String {
        let a = hash(bytes, seed: 0), b = hash(bytes, seed: 0x9E37_79B9_7F4A_7C15)
        return String(unsafeUninitializedCapacity: 32) { out in
            writeHex(a, out.baseAddress!)  // Capacity 32: non-nil.
            writeHex(b, out.baseAddress! + 16)
            return 32
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `v` as 16 lowercase hex digits, most significant first.
    @inline(__always) private static func writeHex(_ v: UInt64, _ p: UnsafeMutablePointer<UInt8>) {
        for k in 0..<16 { p[k] = hexDigits[Int((v >> UInt64(60 - 4 * k)) & 0xF)] }
    }
}
