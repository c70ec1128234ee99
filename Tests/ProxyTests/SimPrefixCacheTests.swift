import Testing
@testable import Proxy

@Suite struct SimPrefixCacheTests {
    @Test func evictsTheLeastRecentlyUsedBlock() {
        var c = SimPrefixCache(blockTokens: 16, capacityTokens: 48)  // 3 blocks
        #expect(c.capacityBlocks == 3)
        c.insert([1, 2, 3])
        #expect(c.lookup([1]) == 1)  // 1 becomes most recent: order (LRU→MRU) 2, 3, 1
        c.insert([4])                // evicts 2
        #expect(!c.contains(2))
        #expect(c.contains(1) && c.contains(3) && c.contains(4))
        #expect(c.evictions == 1)
        #expect(c.count == 3)
    }

    @Test func lookupStopsAtTheFirstMiss() {
        var c = SimPrefixCache(blockTokens: 16, capacityTokens: 1024)
        c.insert([1, 2, 3])
        #expect(c.lookup([1, 2, 9, 3]) == 2)
        #expect(c.lookup([9, 1]) == 0)
    }

    @Test func zeroCapacityCachesNothing() {
        var c = SimPrefixCache(blockTokens: 16, capacityTokens: 0)
        c.insert([1])
        #expect(c.lookup([1]) == 0)
    }

    @Test func blockHashesChainOverThePrefix() {
        let a = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
        let b = "ONE two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
        func hashes(_ s: String) -> [UInt64] {
            var s = s
            return s.withUTF8 { buf in
                let raw = UnsafeRawBufferPointer(buf)
                return SimPrefixCache.blockHashes(bytes: raw, pieces: SimTokenizer.pieces(raw), blockTokens: 4, seed: 1)
            }
        }
        let ha = hashes(a), hb = hashes(b)
        #expect(ha.count == SimTokenizer.count(a) / 4)
        #expect(ha.count >= 4)
        // A change in the first block changes every later block's hash.
        for i in ha.indices { #expect(ha[i] != hb[i]) }
        #expect(hashes(a) == ha)
    }
}
