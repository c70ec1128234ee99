import Testing
@testable import Cassette

@Suite("Empty LZ4 frames")
struct WireEmptyFrameTests {
    @Test("an empty frame between frames is skipped (the recorder probes a failing disk with one)")
    func emptyFrameSkipped() throws {
        let enc = CassetteEncoder()
        enc.append(.header(CassetteHeader(tool: "t", createdUnixNs: 1)))
        var file = enc.flush(endFrame: true)
        file += LZ4FrameCompressor().compressFrame([])
        enc.append(.exchange(Exchange(id: "x1", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "GET", url: "/"))))
        file += enc.flush(endFrame: true)
        let dec = CassetteDecoder()
        var types: [String] = []
        try dec.feed(file) { types.append($0.json["type"]?.stringValue ?? "?") }
        try dec.finish()
        #expect(types == ["header", "exchange"])
    }
}
