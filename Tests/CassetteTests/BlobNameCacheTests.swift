import Testing
@testable import Cassette

/// The blob-name cache must always answer what ``Blob/name(of:)`` computes.
@Suite struct BlobNameCacheTests {
    @Test func namesMatchTheUncachedNameOverDeepHistories() {
        var cache = BlobNameCache(generationBytes: 4096)  // Small: generations turn over many times.
        for seed in UInt64(1)...6 {
            for ex in SyntheticSession.generate(turns: 30, seed: seed) {
                guard case .json(let body, _) = ex.request.body else { continue }
                for m in body["messages"]?.arrayValue ?? [] {
                    #expect(cache.name(of: m) == Blob.name(of: m))
                }
                if let t = body["tools"] { #expect(cache.name(of: t) == Blob.name(of: t)) }
            }
        }
    }

    @Test func valuesThatCompareEqualButDifferInBytesGetTheirOwnNames() throws {
        let pairs: [(String, String)] = [
            (#"{"content":"caf\u00e9"}"#, #"{"content":"cafe\u0301"}"#),  // Canonically equivalent strings.
            (#"{"n":1.0}"#, #"{"n":1}"#),  // Equal numbers, different text.
            (#"{"a":1,"b":[2,{"c":3}]}"#, #"{"b":[2,{"c":3}],"a":1}"#),  // Same members, other order.
            (#"["x"]"#, #"["x",null]"#),
        ]
        for (a, b) in pairs {
            let va = try JSON.parse(a), vb = try JSON.parse(b)
            var cache = BlobNameCache()
            #expect(cache.name(of: va) == Blob.name(of: va))
            #expect(cache.name(of: vb) == Blob.name(of: vb), "\(b) after \(a)")
            #expect(cache.name(of: va) == Blob.name(of: va))
        }
    }

    @Test func stringsThatShareTheirSampledBytesAreTold() {
        // Same length, same first, middle and last bytes: the sampled hash collides, equality must not.
        let base = Array(String(repeating: "abcdefgh", count: 32).utf8)
        var cache = BlobNameCache()
        for k in [9, 30, 100, 200, 240] {
            var bytes = base
            bytes[k] = UInt8(ascii: "Z")
            let v = JSON.obj([("role", "tool"), ("content", .string(String(decoding: bytes, as: UTF8.self)))])
            #expect(cache.name(of: v) == Blob.name(of: v))
        }
        let v = JSON.obj([("role", "tool"), ("content", .string(String(decoding: base, as: UTF8.self)))])
        #expect(cache.name(of: v) == Blob.name(of: v))
    }

    @Test func chainedListNamesKeepTheirDocumentedDefinition() {
        let e = Blob.name(of: "x")
        #expect(ContentDedup.chain("", e) == XXH64.contentName(Array(e.utf8)))
        #expect(ContentDedup.chain(e, e) == XXH64.contentName(Array((e + e).utf8)))
        #expect(ContentDedup.chain("", "") == XXH64.contentName([]))
    }
}
