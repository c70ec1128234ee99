import ArgumentParser
import Cassette
import Foundation
import Proxy

/// `tapedeck bench cassette`: writer and reader throughput, compression ratio, and the `lz4` CLI as reference.
struct BenchCassette: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cassette",
        abstract: "Measure cassette writer and reader throughput on generated SSE-heavy exchanges, against the lz4 CLI.")

    @Option(help: "Synthetic agent sessions to generate.") var sessions: Int = 200
    @Option(help: "Turns per session.") var turns: Int = 12
    @Option(help: "Repetitions; the best is reported.") var repeats: Int = 3
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Repeat only this side ('writer', 'reader' or 'recorder'; the others run once), for profiling one of them.")
    var only: String?
    @Option(help: "Small non-streamed exchanges for the recorder figure (the requests/s case of 'bench proxy').")
    var small: Int = 20_000

    func run() async throws {
        guard sessions > 0, turns > 0, repeats > 0, small > 0 else {
            throw CLIError.input("--sessions, --turns, --repeats and --small must be positive")
        }
        if let only, !["writer", "reader", "recorder"].contains(only) {
            throw CLIError.input("--only must be 'writer', 'reader' or 'recorder', not '\(only)'")
        }
        let writeRepeats = only == nil || only == "writer" ? repeats : 1
        let readRepeats = only == nil || only == "reader" ? repeats : 1
        let recorderRepeats = only == nil || only == "recorder" ? repeats : 1
        #if DEBUG
        CLI.warn("this is a debug build; benchmark figures are only meaningful with 'swift build -c release'")
        #endif
        var records: [Record] = []
        for s in 0..<sessions {
            for e in SyntheticSession.generate(turns: turns, seed: UInt64(s + 1)) { records.append(.exchange(e)) }
        }
        let header = CassetteWriting.newHeader(meta: ["bench": true])

        // Writer: redaction + dedup + serialization + LZ4 blocks flushed per exchange, frames of 1 MiB, one core.
        var bestWrite = Double.infinity
        var file: [UInt8] = []
        var raw = 0
        for _ in 0..<writeRepeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let enc = CassetteEncoder()
            enc.append(.header(header))
            var out: [UInt8] = []
            out.reserveCapacity(64 << 20)
            // One flush per exchange, as the recorder does when exchanges complete one at a time.
            for r in records {
                enc.append(r)
                out += enc.flush()
            }
            out += enc.flush(endFrame: true)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            bestWrite = min(bestWrite, dt)
            file = out
            raw = enc.rawBytes
        }

        // Reader: LZ4 frames + every line decoded into records (blobs expanded), one core; the
        // JSON-lines reader (a tree per line, as `cassette cat` reads) for comparison.
        var bestRead = Double.infinity
        var bestLines = Double.infinity
        var bestSplit = Double.infinity
        var lines = 0
        var exchanges = 0, direct = 0
        for _ in 0..<readRepeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let dec = CassetteDecoder(mode: .expanded)
            var n = 0
            try file.withUnsafeBytes { buf in
                try dec.feedRecords(buf) { r in
                    if case .success(.exchange) = r.result { n += 1 } else if case .failure(let e) = r.result { throw e }
                }
            }
            try dec.finish()
            bestRead = min(bestRead, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            exchanges = n
            direct = dec.directExchanges
            let t2 = DispatchTime.now().uptimeNanoseconds
            let ldec = CassetteDecoder(mode: .expanded)
            var m = 0
            try ldec.feed(file) { _ in m += 1 }
            try ldec.finish()
            bestLines = min(bestLines, Double(DispatchTime.now().uptimeNanoseconds - t2) / 1e9)
            lines = m
            // Frames only (decompress + checksum), the floor under the reader.
            let t1 = DispatchTime.now().uptimeNanoseconds
            let fd = LZ4FrameDecoder()
            var bytes = 0
            try file.withUnsafeBytes { try fd.feed($0) { c, _ in bytes += c.count } }
            bestSplit = min(bestSplit, Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9)
        }
        guard exchanges == records.count else { throw CLIError.input("the reader returned \(exchanges) of \(records.count) exchanges") }
        let recorderNs = try recorderCost(repeats: recorderRepeats)

        // Reference: the same raw JSON Lines through the lz4 CLI (default level, with content checksum).
        let rawLines = try rawJSONLines(file)
        let cli = try lz4Reference(rawLines)

        let mb = Double(raw) / 1e6
        var o = JSONObject()
        o["records"] = .int(records.count)
        o["raw_mb"] = .double((mb * 100).rounded() / 100)
        o["compressed_mb"] = .double((Double(file.count) / 1e6 * 100).rounded() / 100)
        o["writer_mb_s"] = .double((mb / bestWrite).rounded())
        o["reader_mb_s"] = .double((mb / bestRead).rounded())
        o["reader_json_lines_mb_s"] = .double((mb / bestLines).rounded())
        o["reader_frames_only_mb_s"] = .double((mb / bestSplit).rounded())
        o["ratio"] = .double((Double(raw) / Double(file.count) * 100).rounded() / 100)
        if let cli {
            o["lz4_cli_compress_mb_s"] = .double((Double(rawLines.count) / 1e6 / cli.seconds).rounded())
            o["lz4_cli_ratio"] = .double((Double(rawLines.count) / Double(cli.bytes) * 100).rounded() / 100)
            o["size_vs_lz4_cli"] = .double((Double(file.count) / Double(cli.bytes) * 100).rounded() / 100)
        }
        o["recorder_small_us_per_exchange"] = .double((recorderNs / 10).rounded() / 100)
        if json { print(JSON.object(o).prettyText()); return }
        print("tapedeck bench cassette: \(records.count) exchanges (\(lines) logical records), \(String(format: "%.1f", mb)) MB of raw JSON Lines")
        print(String(format: "  writer (redact+dedup+encode+LZ4)   %8.0f MB/s", mb / bestWrite))
        print(String(format: "  reader (LZ4+decode+expand, records)%8.0f MB/s", mb / bestRead))
        print(String(format: "  reader, JSON lines (a tree a line) %8.0f MB/s", mb / bestLines))
        if direct < exchanges { print("  (\(exchanges - direct) of \(exchanges) exchanges took the JSON-tree path)") }
        print(String(format: "  reader, frames only                %8.0f MB/s", mb / bestSplit))
        print(String(format: "  compression ratio                  %8.2fx  (%.2f MB on disk)", Double(raw) / Double(file.count), Double(file.count) / 1e6))
        print(String(format: "  recorder, small exchanges          %8.2f us each (analysis+link+redact+dedup+encode+LZ4)", recorderNs / 1000))
        if let cli {
            print(String(format: "  lz4 CLI on the same raw JSONL      %8.0f MB/s, ratio %.2fx (process start included)",
                         Double(rawLines.count) / 1e6 / cli.seconds, Double(rawLines.count) / Double(cli.bytes)))
            print(String(format: "  cassette size / lz4 CLI size       %8.2f", Double(file.count) / Double(cli.bytes)))
        } else {
            print("  lz4 CLI not found: install the 'lz4' package for the reference figures")
        }
    }

    /// The recorder's work per exchange on the small non-streamed exchange of `bench proxy`'s
    /// requests/s run, as the forwarder hands it over (raw bytes, wire headers, one chunk):
    /// analysis, trajectory linking, metrics, redaction, dedup, encoding and LZ4, flushed every
    /// 16 exchanges. Nanoseconds per exchange, best of `repeats`.
    func recorderCost(repeats: Int) throws -> Double {
        let req = Array(BenchProxy.LoadHandler.requestBody.utf8)
        let resp = Array(BenchProxy.Upstream.small.utf8)
        var template = Exchange(id: "x", startUnixNs: 1_795_000_000_000_000_000, startMonoNs: 0,
                                request: RequestRecord(method: "POST", url: "/v1/small",
                                                       headers: [Header("host", "127.0.0.1:8080"), Header("content-type", "application/json"),
                                                                 Header("authorization", "Bearer sk-bench-not-a-real-key-000000000000"),
                                                                 Header("content-length", String(req.count))],
                                                       body: .binary(req)))
        template.timing = Timing(sentNs: 20_000, headNs: 90_000, endNs: 95_000)
        template.upstream = "http://127.0.0.1:9000/v1/small"
        template.response = ResponseRecord(status: 200, headers: [Header("content-type", "application/json"), Header("content-length", String(resp.count))],
                                           body: .binary(resp), chunks: [Chunk(length: resp.count, tNs: 90_000)], encoding: nil)
        template.outcome = .complete
        var best = Double.infinity
        for _ in 0..<repeats {
            let pipeline = RecordingPipeline(metrics: ProxyMetrics(recorder: nil))
            let enc = CassetteEncoder()
            enc.append(.header(CassetteWriting.newHeader(meta: ["bench": true])))
            var bytes = enc.flush().count
            let t0 = DispatchTime.now().uptimeNanoseconds
            for k in 0..<small {
                var ex = template
                ex.id = "x\(k)"
                ex.startMonoNs = Int64(k) * 100_000
                var r = Record.exchange(ex)
                pipeline.prepare(&r)
                enc.append(r)
                if k % 16 == 15 { bytes += enc.flush().count }
            }
            bytes += enc.flush(endFrame: true).count
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(small))
            guard bytes > 0 else { throw CLIError.input("the recorder wrote nothing") }
        }
        return best
    }

    func rawJSONLines(_ file: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        let fd = LZ4FrameDecoder()
        try file.withUnsafeBytes { try fd.feed($0) { c, _ in out.append(contentsOf: c) } }
        return out
    }

    func lz4Reference(_ raw: [UInt8]) throws -> (seconds: Double, bytes: Int)? {
        guard let lz4 = ["/usr/bin/lz4", "/usr/local/bin/lz4"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tapedeck-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("raw.jsonl").path
        let output = dir.appendingPathComponent("raw.jsonl.lz4").path
        FileManager.default.createFile(atPath: input, contents: Data(raw))
        var best = Double.infinity
        var size = 0
        for _ in 0..<repeats {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: lz4)
            p.arguments = ["-q", "-f", "-1", "--content-size", input, output]
            let t0 = DispatchTime.now().uptimeNanoseconds
            try p.run()
            p.waitUntilExit()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        }
        return size > 0 ? (best, size) : nil
    }
}
