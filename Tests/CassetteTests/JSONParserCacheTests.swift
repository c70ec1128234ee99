import Foundation
import Testing
@testable import Cassette

/// Each thread keeps one parser between parses (``JSONParserCache``). These check that a
/// reused parser gives what a fresh one gives, whatever the parse before it left behind: an
/// error part-way through a deep document, a huge document, a different layout question.
@Suite struct JSONParserCacheTests {
    static let docs: [String] = [
        #"{"model":"bench","stream":true,"messages":[{"role":"user","content":"go"}]}"#,
        #"{"a":1,"a":2,"b":[1,2,{"c":null}]}"#,
        #"[1, 2, {"x": "y\n"}]"#,
        #"{"e":"\u00e9\ud83d\ude00","n":-1.5e3}"#,
        "  {\"pretty\": [\n  1\n]}\n",
        #""just a string""#,
        "[]", "{}", "0", "true",
    ]
    static let broken: [String] = [
        #"{"a":[1,2,{"b":"#, #"{"a" 1}"#, "[1,2", #"{"a":1}x"#, #"{"k":"\ud83d"#,
    ]

    /// The same document through a fresh parser, never through the cache.
    static func fresh(_ text: String, notingLayout: Bool) -> (JSON, Bool)? {
        Array(text.utf8).withUnsafeBytes { b in
            var p = JSONParser(b, notingLayout: notingLayout)
            guard let v = try? p.parseWhole() else { return nil }
            return (v, p.exact)
        }
    }

    static func cached(_ text: String) -> (JSON, Bool)? {
        Array(text.utf8).withUnsafeBytes { b in try? JSON.parseNotingLayout(buffer: b) }
    }

    @Test func reusedParserMatchesAFreshOne() throws {
        var rng = SplitMix64(seed: 11)
        let all = Self.docs + Self.broken
        for _ in 0..<2000 {
            let text = all[Int(rng.next() % UInt64(all.count))]
            let got = Self.cached(text)
            let want = Self.fresh(text, notingLayout: true)
            #expect(got?.0 == want?.0 && got?.1 == want?.1, "\(text)")
            // The plain parse on the same thread, right after.
            let plain = try? JSON.parse(text)
            #expect(plain == Self.fresh(text, notingLayout: false)?.0, "\(text)")
        }
    }

    @Test func hugeDocumentIsNotKeptAndLaterParsesAreRight() throws {
        let big = "[" + (0..<20_000).map { "{\"k\(($0 % 7))\":\($0)}" }.joined(separator: ",") + "]"
        let v = try JSON.parse(big)
        #expect(v.arrayValue?.count == 20_000)
        #expect(v.arrayValue?.last?["k\(19_999 % 7)"]?.intValue == 19_999)
        let cache = try #require(JSONParserCache.current)
        #expect(cache.parser.isSmall(JSONParserCache.keepSlots))
        for text in Self.docs { #expect(Self.cached(text)?.0 == Self.fresh(text, notingLayout: true)?.0) }
    }

    @Test func threadsEachUseTheirOwnParser() async throws {
        let texts = Self.docs
        let failures = await withTaskGroup(of: Int.self) { group in
            for t in 0..<4 {
                group.addTask {
                    // A plain thread, so that each parse runs start to end on one thread.
                    await withCheckedContinuation { (c: CheckedContinuation<Int, Never>) in
                        Thread {
                            var bad = 0
                            for k in 0..<5000 {
                                let text = texts[(k + t) % texts.count]
                                if Self.cached(text)?.0 != Self.fresh(text, notingLayout: true)?.0 { bad += 1 }
                            }
                            c.resume(returning: bad)
                        }.start()
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
