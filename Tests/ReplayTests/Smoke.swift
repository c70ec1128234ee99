import Testing
@testable import Replay

@Test func smokeReplay() { #expect(Bool(true)) }
