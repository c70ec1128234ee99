import Testing
@testable import Scoring

@Suite struct PercentilesTests {
    @Test func matchesNumPyLinear() {
        // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) == [1, 1.75, 2.5, 3.7, 4]
        let v: [Double] = [4, 1, 3, 2]
        #expect(Percentiles.of(v, 0) == 1)
        #expect(Percentiles.of(v, 25) == 1.75)
        #expect(Percentiles.of(v, 50) == 2.5)
        #expect(abs(Percentiles.of(v, 90)! - 3.7) < 1e-12)
        #expect(Percentiles.of(v, 100) == 4)
    }

    @Test func rejectsEmptyAndOutOfRange() {
        #expect(Percentiles.of([], 50) == nil)
        #expect(Percentiles.of([1], 101) == nil)
        #expect(Percentiles.of([1], -1) == nil)
        #expect(Percentiles.of([7], 99) == 7)
    }
}
