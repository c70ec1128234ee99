import Testing
import TestSupport

@Test func binaryExists() { #expect(FileManager.default.isExecutableFile(atPath: TestEnv.tapedeck)) }
import Foundation
