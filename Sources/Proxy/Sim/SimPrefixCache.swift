import Cassette

/// A prefix cache of prompt blocks with least-recently-used eviction, as in vLLM's automatic
/// prefix caching.
///
/// A prompt is cut into blocks of `blockTokens` tokens; each full block is named by a hash
/// chained over every block before it, so a block matches only when the whole prefix up to
/// and including it matches. Capacity is in tokens (whole blocks).
public struct SimPrefixCache: Sendable {
    /// Tokens per block.
    public let blockTokens: Int
    /// Blocks held at most.
    public let capacityBlocks: Int
    private var index: [UInt64: Int32] = [:]
    private var hashes: [UInt64] = []
    private var prev: [Int32] = []
    private var next: [Int32] = []
    private var free: [Int32] = []
    private var head: Int32 = -1  // most recently used
    private var tail: Int32 = -1  // least recently used
    /// Blocks evicted so far.
    public private(set) var evictions = 0

    /// A cache of `capacityTokens` tokens in blocks of `blockTokens`.
    public init(blockTokens: Int, capacityTokens: Int) {
        self.blockTokens = max(1, blockTokens)
        self.capacityBlocks = max(0, capacityTokens / max(1, blockTokens))
    }

    /// Blocks currently held.
    public var count: Int { index.count }

    /// The number of leading blocks of `chain` that are cached; those blocks become most recently used.
    public mutating func lookup(_ chain: [UInt64]) -> Int {
        var n = 0
        for h in chain {
            guard let slot = index[h] else { break }
            touch(slot)
            n += 1
        }
        return n
    }

    /// Whether a block is cached (no effect on recency).
    public func contains(_ hash: UInt64) -> Bool { index[hash] != nil }

    /// Caches every block of `chain`, most recent last, evicting the least recently used beyond capacity.
    public mutating func insert(_ chain: [UInt64]) {
        guard capacityBlocks > 0 else { return }
        for h in chain {
            if let slot = index[h] { touch(slot); continue }
            if index.count >= capacityBlocks { evictLRU() }
            let slot: Int32
            if let f = free.popLast() {
                slot = f
                hashes[Int(f)] = h
            } else {
                slot = Int32(hashes.count)
                hashes.append(h); prev.append(-1); next.append(-1)
            }
            index[h] = slot
            pushFront(slot)
        }
    }

    private mutating func evictLRU() {
        let t = tail
        guard t >= 0 else { return }
        unlink(t)
        index[hashes[Int(t)]] = nil
        free.append(t)
        evictions += 1
    }

    private mutating func touch(_ s: Int32) {
        guard head != s else { return }
        unlink(s)
        pushFront(s)
    }

    private mutating func unlink(_ s: Int32) {
        let p = prev[Int(s)], n = next[Int(s)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { prev[Int(n)] = p } else { tail = p }
        prev[Int(s)] = -1; next[Int(s)] = -1
    }

    private mutating func pushFront(_ s: Int32) {
        prev[Int(s)] = -1
        next[Int(s)] = head
        if head >= 0 { prev[Int(head)] = s }
        head = s
        if tail < 0 { tail = s }
    }

    /// The chained block hashes of a prompt's full blocks, from its token byte ranges.
    public static func blockHashes(bytes: UnsafeRawBufferPointer, pieces: [Range<Int>], blockTokens: Int, seed: UInt64) -> [UInt64] {
        let full = pieces.count / max(1, blockTokens)
        var out: [UInt64] = []
        out.reserveCapacity(full)
        var h = seed
        for b in 0..<full {
            let lo = pieces[b * blockTokens].lowerBound
            let hi = pieces[(b + 1) * blockTokens - 1].upperBound
            h = XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[lo..<hi]), seed: h)
            out.append(h)
        }
        return out
    }
}
