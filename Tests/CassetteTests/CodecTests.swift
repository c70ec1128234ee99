import Testing
@testable import Cassette

@Suite struct CodecTests {
    @Test func roundTripCoversEveryField() throws {
        let ex = Fixtures.fullExchange()
        let msg = StdioMessage(seq: 1, direction: .toClient, unixNs: 5, monoNs: 6, message: ["jsonrpc": "2.0", "id": 1, "result": [:]])
        let bytes = Fixtures.encode([.exchange(ex), .message(msg)])
        let (records, error) = Fixtures.decode(bytes)
        #expect(error == nil)
        #expect(records.count == 3)
        #expect(records[0] == .header(Fixtures.header))
        #expect(records[1] == .exchange(ex))
        #expect(records[2] == .message(msg))
        // Stored form: the request content went to blobs and comes back on expansion only.
        let raw = Fixtures.decode(bytes, mode: .raw)
        #expect(raw.records.contains { if case .blob = $0 { return true }; return false })
    }

    @Test func everyBodyKindRoundTrips() throws {
        var records: [Record] = []
        for (k, body) in [Body.none, .json(["a": [1, 2]], .indent2), .json(["b": 1], .indent2Newline), .text("plain"), .binary([0, 255, 7])].enumerated() {
            var ex = Exchange(id: "x\(k)", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "GET", url: "/", body: body))
            ex.response = ResponseRecord(status: 200, body: body, chunks: body.count > 0 ? [Chunk(length: body.count, tNs: 5)] : [])
            records.append(.exchange(ex))
        }
        let (decoded, error) = Fixtures.decode(Fixtures.encode(records))
        #expect(error == nil)
        #expect(Array(decoded.dropFirst()) == records)
    }

    @Test func requestBodiesComeBackIdenticalInValueAndBytes() throws {
        let session = SyntheticSession.generate(turns: 8, seed: 3)
        let (decoded, error) = Fixtures.decode(Fixtures.encode(session.map { .exchange($0) }, perFrame: 3))
        #expect(error == nil)
        let exchanges = decoded.compactMap { if case .exchange(let e) = $0 { return e }; return nil }
        #expect(exchanges.count == session.count)
        for (a, b) in zip(session, exchanges) {
            #expect(a.request.body == b.request.body)
            #expect(a.request.body.bytes == b.request.body.bytes)
        }
    }

    @Test func cutAtEveryOffsetOfTheLastFrameKeepsEarlierRecords() throws {
        let session = SyntheticSession.generate(turns: 3, seed: 9)
        let bytes = Fixtures.encode(session.map { .exchange($0) })
        let lastStart = try Fixtures.frameOffsets(bytes).last!  // Header frame plus one frame per exchange.
        // The last frame: a 7-byte header, one block, then the end mark and content checksum (8 bytes).
        let blockStart = lastStart + 7, blockEnd = bytes.count - 8
        for cut in lastStart..<bytes.count {
            let (records, error) = Fixtures.decode(Array(bytes[0..<cut]))
            let whole = cut >= blockEnd
            #expect(records.count == (whole ? 4 : 3), "cut at \(cut): the records of complete blocks survive")
            let expectedOffset: Int? = [lastStart, blockStart, blockEnd].contains(cut) ? nil : (cut < blockStart ? lastStart : (cut < blockEnd ? blockStart : blockEnd))
            #expect(error?.offset == expectedOffset, "cut at \(cut) must be reported at \(String(describing: expectedOffset))")
            if expectedOffset != nil { #expect(error?.description.contains("truncated") == true) }
        }
    }

    @Test func aFrameLeftOpenByAKilledWriterIsReadable() throws {
        let session = SyntheticSession.generate(turns: 4, seed: 2)
        let enc = CassetteEncoder(redactor: .disabled)
        enc.append(.header(Fixtures.header))
        var bytes = enc.flush()
        for e in session { enc.append(.exchange(e)); bytes += enc.flush() }
        // No end mark: the process died here.
        let d = CassetteDecoder()
        var n = 0
        try d.feed(bytes) { _ in n += 1 }
        try d.finish()
        #expect(n == 5)
        #expect(d.endsInOpenFrame)
    }

    @Test func aFailedFlushLosesOnlyItsOwnRecords() throws {
        let session = SyntheticSession.generate(turns: 3, seed: 8)
        let enc = CassetteEncoder(redactor: .disabled)
        enc.append(.header(Fixtures.header))
        enc.append(.exchange(session[0]))
        var file = enc.flush()
        enc.append(.exchange(session[1]))
        _ = enc.flush()  // These bytes never reach the disk.
        enc.rollbackLastFlush()
        enc.append(.exchange(session[2]))
        file += enc.flush(endFrame: true)
        let (records, error) = Fixtures.decode(file)
        #expect(error == nil)
        #expect(records.compactMap { if case .exchange(let e) = $0 { return e.id }; return nil } == [session[0].id, session[2].id])
        // The third request resends the second's content: it was written again, not referenced.
        #expect(records.last == .exchange(session[2]))
    }

    @Test func feedingOneByteAtATimeGivesTheSameRecords() throws {
        let session = SyntheticSession.generate(turns: 3, seed: 4)
        let bytes = Fixtures.encode(session.map { .exchange($0) }, perFrame: 2)
        let d = CassetteDecoder()
        var records: [Record] = []
        for b in bytes { try d.feed([b]) { records.append(try Record(json: $0.json)) } }
        try d.finish()
        #expect(records == Fixtures.decode(bytes).records)
        #expect(records.count == 4)
    }

    @Test func recordsLargerThanABlockSpanBlocks() throws {
        let big = String(repeating: "0123456789abcdef", count: 200_000)  // 3.2 MB, over the 1 MiB block size.
        var ex = Exchange(id: "big", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(method: "POST", url: "/x", body: .text(big)))
        ex.response = ResponseRecord(status: 200)
        let (records, error) = Fixtures.decode(Fixtures.encode([.exchange(ex)]))
        #expect(error == nil)
        #expect(records.last == .exchange(ex))
    }

    @Test func flippedByteIsCaughtByTheChecksum() throws {
        let session = SyntheticSession.generate(turns: 3, seed: 11)
        let bytes = Fixtures.encode(session.map { .exchange($0) })
        let offsets = try Fixtures.frameOffsets(bytes)
        // Flip a byte in the middle of the second exchange's frame.
        let start = offsets[2], end = offsets[3]
        var bad = bytes
        bad[(start + end) / 2] ^= 0x5A
        let (records, error) = Fixtures.decode(bad)
        #expect(records.count == 2, "header and first exchange survive")
        #expect(error?.offset == start + 7, "reported at the corrupt block")
        #expect(error?.description.contains("checksum") == true)
    }

    @Test func unknownMajorVersionIsRefusedByName() throws {
        var header = Record.header(Fixtures.header).toJSON()
        header["version"] = "7.2"
        var line = header.serialized()
        line.append(0x0A)
        let bytes = LZ4FrameCompressor().compressFrame(line)
        let (_, error) = Fixtures.decode(bytes)
        #expect(error?.description.contains("version 7.2") == true)
        #expect(error?.isFatal == true)
        // A newer minor version of the same major is accepted.
        header["version"] = "1.9"
        line = header.serialized() + [0x0A]
        #expect(Fixtures.decode(LZ4FrameCompressor().compressFrame(line)).error == nil)
    }

    @Test func missingBlobIsReported() throws {
        let enc = CassetteEncoder(redactor: .disabled)
        enc.append(.header(Fixtures.header))
        enc.append(.exchange(Fixtures.fullExchange()))
        let raw = enc.pending
        // Drop the blob lines, keep header and exchange.
        let lines = raw.split(separator: 0x0A).filter { !String(decoding: $0, as: UTF8.self).contains("\"type\":\"blob\"") }
        let kept: [UInt8] = lines.flatMap { Array($0) + [UInt8(0x0A)] }
        let (_, error) = Fixtures.decode(LZ4FrameCompressor().compressFrame(kept))
        #expect(error?.description.contains("content blob") == true)
    }

    @Test func notACassette() {
        #expect(Fixtures.decode(Array("hello world\n".utf8)).error?.isFatal == true)
        #expect(Fixtures.decode([]).error?.description.contains("empty") == true)
        let notHeader = LZ4FrameCompressor().compressFrame(Array("{\"type\":\"exchange\"}\n".utf8))
        #expect(Fixtures.decode(notHeader).error?.description.contains("header") == true)
    }
}
