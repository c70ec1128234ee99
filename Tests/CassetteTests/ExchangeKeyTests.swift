import Testing
@testable import Cassette

/// The fast path's member-name lookup (two words and a generated switch) against the table of
/// names it was generated from, with the names placed far from and right at the input's end.
@Suite struct ExchangeKeyTests {
    typealias Key = ExchangeScanner.Key

    /// Reads one key from `text` followed by `tail`, as the scanner does.
    static func read(_ name: [UInt8], tail: String) throws(FastPathMiss) -> (Key, Int) {
        let bytes = [UInt8(ascii: "\"")] + name + Array("\":".utf8) + Array(tail.utf8)
        return try scan(bytes).get()
    }

    /// Runs `key()` over `bytes` (typed throws do not pass through `withUnsafeBytes`).
    static func scan(_ bytes: [UInt8]) -> Result<(Key, Int), FastPathMiss> {
        bytes.withUnsafeBytes { buf in
            var p = JSONParser(buf)
            return Result { () throws(FastPathMiss) in (try p.key(), p.i) }
        }
    }

    static let tails = ["", "1", "12345678901234567890", #""x"}"#]

    @Test func keyLookupMatchesTheTable() throws {
        for (name, key) in Key.table {
            let bytes = Array(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            for tail in Self.tails {
                let (k, next) = try Self.read(bytes, tail: tail)
                #expect(k == key, "\(name) with tail '\(tail)'")
                #expect(next == bytes.count + 3, "\(name): the colon is consumed")
            }
        }
    }

    @Test func nearMissesAreOther() throws {
        let known = Set(Key.table.map { String(describing: $0.0) })
        var rng = SplitMix64(seed: 11)
        for (name, _) in Key.table {
            let bytes = Array(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            var variants: [[UInt8]] = [Array(bytes.dropLast()), bytes + [UInt8(ascii: "s")], [UInt8(ascii: "x")] + bytes,
                                       bytes + Array("_and_more_than_sixteen".utf8)]
            for k in bytes.indices {
                var v = bytes
                v[k] ^= 0x20
                variants.append(v)
            }
            for v in variants where !known.contains(String(decoding: v, as: UTF8.self)) {
                for tail in Self.tails {
                    #expect(try Self.read(v, tail: tail).0 == .other, "\(String(decoding: v, as: UTF8.self))")
                }
            }
        }
        // Random names of 0 to 24 letters: found exactly when they are in the table.
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 25)
            let v = (0..<n).map { _ in UInt8(ascii: "a") + UInt8(rng.next() % 26) }
            let s = String(decoding: v, as: UTF8.self)
            let expected = Key.table.first { String(describing: $0.0) == s }?.1 ?? .other
            #expect(try Self.read(v, tail: Self.tails[Int(rng.next() % 4)]).0 == expected)
        }
    }

    @Test func escapedOrUnterminatedNamesMiss() {
        for name in [#"ty\"pe"#, #"type\\"#, #"\u0074ype"#] {
            #expect(throws: FastPathMiss.self) { try Self.read(Array(name.utf8), tail: "1") }
        }
        for text in [#""type"#, #""type""#, #""type" 1"#, #""a_long_name_without_an_end"#] {
            #expect(throws: FastPathMiss.self) { try Self.scan(Array(text.utf8)).get() }
        }
    }
}
