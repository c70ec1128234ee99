import Testing
@testable import Cassette

@Test func smokeCassette() { #expect(Bool(true)) }
