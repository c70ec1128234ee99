import Testing
@testable import Cassette

@Suite("Empty LZ4 frames")
struct WireEmptyFrameTests {
    @Test("an empty frame between records is skipped (the recorder probes a failing disk with one)")
    func emptyFrameSkipped() throws {
        var enc = CassetteEncoder()
        enc.append(.header(CassetteHeader(tool: "t", createdUnixNs: 1)))
        let first = enc.takeFrame()
        var file = try #require(first)
        file += enc.compressor.compressFrame([])
        enc.append(.exchange(Exchange(id: "x1", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "GET", url: "/"))))
        let last = enc.takeFrame()
        file += try #require(last)
        let dec = CassetteDecoder()
        var types: [String] = []
        try dec.feed(file) { types.append($0.json["type"]?.stringValue ?? "?") }
        try dec.finish()
        #expect(types == ["header", "exchange"])
    }
}
