import Cassette
import Foundation
import Testing
import TestSupport
@testable import Proxy

@Suite struct RecorderTests {
    static let header = CassetteHeader(tool: "tapedeck test", createdUnixNs: 1)

    func exchange(_ i: Int) -> Exchange {
        var ex = Exchange(id: "x\(i)", startUnixNs: Int64(i), startMonoNs: Int64(i),
                          request: RequestRecord(method: "POST", url: "/v1/chat/completions",
                                                 headers: [Header("authorization", "Bearer sk-secret-\(i)-0123456789abcdefghijkl")],
                                                 body: .json(["model": "m", "messages": [["role": "user", "content": .string("hello \(i % 7)")]]], .compact)))
        ex.response = ResponseRecord(status: 200, body: .text("ok \(i)"), chunks: [Chunk(length: "ok \(i)".utf8.count, tNs: 5)])
        return ex
    }

    @Test func manyWritersOneFile() async throws {
        let dir = TempDir()
        let path = dir.file("c.cassette")
        let rec = try CassetteRecorder(path: path, header: Self.header)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await rec.run() }
            await withTaskGroup(of: Void.self) { writers in
                for w in 0..<16 {
                    writers.addTask { for k in 0..<250 { rec.record(.exchange(self.exchange(w * 1000 + k))) } }
                }
            }
            rec.finish()
        }
        let (exchanges, report) = try CassetteFile.exchanges(path: path)
        #expect(report.issue == nil)
        #expect(!report.endsInOpenFrame, "finish() closes the frame")
        #expect(exchanges.count == 16 * 250)
        #expect(Set(exchanges.map(\.id)).count == 16 * 250)
        #expect(rec.stats.written == 16 * 250 + 1)  // and the header
        #expect(rec.stats.dropped == 0)
        let raw = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(!String(decoding: raw, as: UTF8.self).contains("sk-secret"))
    }

    @Test func aRecordIsOnDiskOnceFlushedWithoutClosing() async throws {
        let dir = TempDir()
        let path = dir.file("c.cassette")
        let rec = try CassetteRecorder(path: path, header: Self.header)
        rec.record(.exchange(exchange(1)))
        rec.flush()
        // The file is readable now, though its frame is still open (as after kill -9).
        let (exchanges, report) = try CassetteFile.exchanges(path: path)
        #expect(exchanges.map(\.id) == ["x1"])
        #expect(report.endsInOpenFrame)
        #expect(report.issue == nil)
        rec.finish()
    }

    @Test func theRunLoopFlushesWithoutBeingAsked() async throws {
        let dir = TempDir()
        let path = dir.file("c.cassette")
        let rec = try CassetteRecorder(path: path, header: Self.header, flushInterval: .milliseconds(50))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await rec.run() }
            rec.record(.exchange(exchange(7)))
            // Wait (generously) until the writer task has put it on disk by itself.
            var seen = false
            for _ in 0..<500 where !seen {
                try await Task.sleep(for: .milliseconds(20))
                seen = (try? CassetteFile.exchanges(path: path).exchanges.count) == 1
            }
            #expect(seen)
            rec.finish()
            try await group.waitForAll()
        }
    }

    @Test func aFullDiskLosesRecordsLoudlyButKeepsGoing() async throws {
        // /dev/full fails every write with ENOSPC: a real full disk, without filling one.
        let rec = try CassetteRecorder(path: "/dev/full", header: Self.header)
        for i in 0..<10 { #expect(rec.record(.exchange(exchange(i)))) }
        rec.flush()
        #expect(rec.stats.dropped == 11)
        #expect(rec.isFailing)
        #expect(rec.stats.failing?.contains("space") == true)
        rec.finish()
    }

    @Test func appendingContinuesAFileAKilledWriterLeftOpen() async throws {
        let dir = TempDir()
        let path = dir.file("c.cassette")
        do {
            let rec = try CassetteRecorder(path: path, header: Self.header)
            rec.record(.exchange(exchange(1)))
            rec.flush()  // no finish(): the frame stays open, as if killed
        }
        let rec2 = try CassetteRecorder(path: path, header: Self.header, append: true)
        rec2.record(.exchange(exchange(2)))
        rec2.finish()
        rec2.flush(endFrame: true)
        let (exchanges, report) = try CassetteFile.exchanges(path: path)
        #expect(report.issue == nil)
        #expect(exchanges.map(\.id) == ["x1", "x2"])
        // The same message content is stored once across both sessions.
        var blobs = 0
        try CassetteFile.read(path: path, mode: .raw) { if $0.json["type"] == "blob" { blobs += 1 } }
        #expect(blobs == 2)
    }

    /// Regression: from the third `--append` run on, trajectory ids reused the second run's `t2-` prefix.
    @Test func everyAppendedRunGetsItsOwnTrajectoryPrefix() throws {
        let dir = TempDir()
        let path = dir.file("c.cassette")
        var trajectories = ["t0001", "t0002", "t2-0001", "team-a"]
        for run in 3...4 {
            let rec = try CassetteRecorder(path: path, header: Self.header, append: run > 3)
            if run == 3 {
                for (k, t) in trajectories.enumerated() {
                    var ex = exchange(k + 1)
                    ex.trajectory = t
                    rec.record(.exchange(ex))
                }
            }
            rec.finish()
            rec.flush(endFrame: true)
            let scan = try ExistingCassette.scan(path: path)
            #expect(scan.runs == run - 1, "after run \(run - 1)")
            let next = "t\(scan.runs + 1)-0001"
            #expect(!trajectories.contains(next))
            // Record one exchange of the next run, as the linker would name it.
            let rec2 = try CassetteRecorder(path: path, header: Self.header, append: true)
            var ex = exchange(10 + run)
            ex.trajectory = next
            rec2.record(.exchange(ex))
            rec2.finish()
            rec2.flush(endFrame: true)
            trajectories.append(next)
        }
        #expect(ExistingCassette.runNumber(ofTrajectory: "t0001") == 1)
        #expect(ExistingCassette.runNumber(ofTrajectory: "t12-0003") == 12)
        #expect(ExistingCassette.runNumber(ofTrajectory: "team-a") == nil)
        #expect(ExistingCassette.runNumber(ofTrajectory: "t1-0001") == nil)
    }
}
