import Testing
@testable import Cassette

@Suite struct LinearGrowthTests {
    /// A 50-turn conversation that resends its whole history each turn, ending near 100 KiB of context.
    @Test func fiftyTurnsCostAboutTheFinalContext() throws {
        let session = SyntheticSession.generate(turns: 50, seed: 5, toolResultWords: 290)
        let finalRequest = session.last!.request.body.bytes  // generate(turns: 50) returns 50 exchanges.
        #expect(finalRequest.count > 90_000 && finalRequest.count < 130_000, "final context is \(finalRequest.count) bytes")
        let finalAlone = LZ4FrameCompressor().compressFrame(finalRequest).count

        // As the recorder writes a slow agent: one flush per exchange, one open frame.
        let deduped = Fixtures.encode(session.map { .exchange($0) }, perFrame: 1000).count
        let plain = Fixtures.encode(session.map { .exchange($0) }, perFrame: 1000, dedup: false).count
        let withDedup = Double(deduped) / Double(finalAlone)
        let without = Double(plain) / Double(finalAlone)
        print("linear growth: final request \(finalRequest.count) B raw, \(finalAlone) B as LZ4; cassette \(deduped) B with dedup (\(String(format: "%.2f", withDedup))x), \(plain) B without (\(String(format: "%.1f", without))x)")
        #expect(withDedup <= 2.0)
        #expect(without > 10 * withDedup, "deduplication must matter: \(without) vs \(withDedup)")
    }
}
