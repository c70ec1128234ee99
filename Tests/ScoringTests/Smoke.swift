import Testing
@testable import Scoring

@Test func smokeScoring() { #expect(Bool(true)) }
