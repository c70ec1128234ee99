import Testing
@testable import Cassette

/// The encoder's name cache and recent-list memory, and the decoder's list memory, on
/// interleaved agents: the stored form must be what the uncached definitions give.
@Suite struct DedupCacheTests {
    /// Several agents with the same system prompt, their turns interleaved as on a busy proxy.
    static func interleaved(agents: Int, turns: Int) -> [Exchange] {
        let sessions = (0..<agents).map { SyntheticSession.generate(turns: turns, seed: UInt64(40 + $0)) }
        var out: [Exchange] = []
        for t in 0..<turns {
            for s in sessions.indices {
                var ex = sessions[(s + t) % agents][t]
                ex.id = "a\(s)-\(ex.id)"
                out.append(ex)
            }
        }
        return out
    }

    /// The stored lines, as JSON.
    static func rawLines(_ bytes: [UInt8]) throws -> [JSON] {
        let d = CassetteDecoder(mode: .raw)
        var out: [JSON] = []
        try d.feed(bytes) { out.append($0.json) }
        try d.finish()
        return out
    }

    @Test func storedBlobsAreNamedByTheirCanonicalFormAndListsAreDeltas() throws {
        let agents = BlobNameCache.recentListLimit + 3
        let exchanges = Self.interleaved(agents: agents, turns: 6)
        let lines = try Self.rawLines(Fixtures.encode(exchanges.map { .exchange($0) }, perFrame: 5))
        var blobs = 0, deltas = 0
        for line in lines {
            if line["type"] == "blob", let h = line["hash"]?.stringValue, let v = line["value"] {
                #expect(h == Blob.name(of: v))
                blobs += 1
            }
            if line["request"]?["body_refs"]?["messages"]?["base"] != nil { deltas += 1 }
        }
        #expect(blobs > 0)
        #expect(deltas == agents * 5)  // Every turn after an agent's first extends its previous list.
    }

    @Test func interleavedAgentsComeBackWhole() throws {
        for agents in [1, 3, BlobNameCache.recentListLimit + 3] {
            let exchanges = Self.interleaved(agents: agents, turns: 7)
            let (decoded, error) = Fixtures.decode(Fixtures.encode(exchanges.map { .exchange($0) }, perFrame: 4))
            #expect(error == nil)
            let back = decoded.compactMap { if case .exchange(let e) = $0 { return e }; return nil }
            #expect(back == exchanges, "\(agents) agents")
        }
    }
}
