import Testing
@testable import Proxy

@Test func smokeProxy() { #expect(Bool(true)) }
