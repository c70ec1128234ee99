import Testing
@testable import Cassette

/// The reader's blob keys: equal exactly when their texts are, whatever the text.
@Suite struct BlobNameTests {
    @Test func equalExactlyWhenTheTextsAre() {
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        var names: [String] = ["", "a", "x", "0123456789abcdef", "0123456789abcdef0", "0123456789abcdefX"]
        for _ in 0..<2_000 {
            let n = Int.random(in: 0...40, using: &rng)
            names.append(String((0..<n).map { _ in hex[Int.random(in: 0..<16, using: &rng)] }))
        }
        // Texts that share the first sixteen bytes (and so the same words) but differ later.
        let digest = XXH64.contentName(Array("blob".utf8))
        names += [digest, String(digest.prefix(31)) + "g", String(digest.prefix(16)) + String(repeating: "0", count: 16), digest.uppercased()]
        for a in names.shuffled().prefix(300) {
            for b in names.shuffled().prefix(300) {
                #expect((BlobName(a) == BlobName(b)) == (a == b))
                if a == b { #expect(BlobName(a).hashValue == BlobName(b).hashValue) }
            }
        }
        var table: [BlobName: Int] = [:]
        for (k, n) in names.enumerated() { table[BlobName(n)] = k }
        for n in names { #expect(table[BlobName(n)].map { names[$0] } == n) }
    }

    /// A decoder reads blob names that are not digests (another writer, a hand edit) too.
    /// Dictionaries place keys by the print mixed with their seed (no `Hasher`): every key of a
    /// table that grows through many rehashes is found, a missing one is not, and the keys
    /// spread over the buckets (the number of distinct raw hashes under one seed).
    @Test func tablesFindEveryKeyAfterGrowing() {
        let names = (0..<50_000).map { XXH64.contentName(Array("blob \($0)".utf8)) } + (0..<500).map { "m\($0)" }
        var table: [BlobName: Int] = [:]
        for (i, n) in names.enumerated() { table[BlobName(n)] = i }
        #expect(table.count == names.count)
        for (i, n) in names.enumerated() where table[BlobName(n)] != i { Issue.record("lost \(n)"); break }
        #expect(table[BlobName("not-a-name")] == nil)
        #expect(Set(names.map { BlobName($0)._rawHashValue(seed: 12345) }).count == names.count)
    }

    @Test func theDecoderAcceptsAnyBlobName() throws {
        let lines: [JSON] = [
            Record.header(Fixtures.header).toJSON(),
            ["type": "blob", "hash": "m1", "value": ["role": "user", "content": "hi"]],
            ["type": "blob", "hash": "tools/ä", "value": [["name": "t"]]],
            ["type": "exchange", "id": "x1", "start_unix_ns": 1, "start_mono_ns": 1, "timing": [:],
             "request": ["method": "POST", "url": "/v1/chat/completions", "headers": [],
                         "body": ["model": "m", "messages": nil, "tools": nil],
                         "body_refs": ["messages": ["m1"], "tools": "tools/ä"]],
             "facts": ["dialect": "openai.chat"], "outcome": "complete"],
        ]
        var text: [UInt8] = []
        for l in lines { l.write(into: &text); text.append(0x0A) }
        let w = LZ4FrameWriter()
        let file = w.flush(text) + w.end()
        var bodies: [JSON] = []
        let dec = CassetteDecoder(mode: .expanded)
        try file.withUnsafeBytes { buf in
            try dec.feedRecords(buf) { r in
                if case .success(.exchange(let ex)) = r.result, let b = ex.request.body.jsonValue { bodies.append(b) }
            }
        }
        try dec.finish()
        #expect(bodies == [["model": "m", "messages": [["role": "user", "content": "hi"]], "tools": [["name": "t"]]]])
        #expect(Set(dec.blobNames) == ["m1", "tools/ä"])
    }
}
