import Cassette
import NIOCore

/// Stores each distinct byte string once and hands out shared buffers for it.
struct ByteInterner {
    private var table: [UInt64: [ByteBuffer]] = [:]
    /// Bytes stored (distinct content).
    private(set) var storedBytes = 0
    /// Bytes asked for (what storing every request whole would cost).
    private(set) var requestedBytes = 0

    /// The shared buffer holding `bytes`.
    mutating func intern(_ bytes: [UInt8]) -> ByteBuffer {
        requestedBytes += bytes.count
        let h = XXH64.hash(bytes)
        if let found = table[h]?.first(where: { $0.readableBytesView.elementsEqual(bytes) }) { return found }
        let b = ByteBuffer(bytes: bytes)
        table[h, default: []].append(b)
        storedBytes += bytes.count
        return b
    }
}
