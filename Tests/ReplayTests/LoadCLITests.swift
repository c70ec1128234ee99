import Cassette
import Foundation
import Testing
import TestSupport

/// `tapedeck load` and `tapedeck sweep` as a user runs them: the built binary, the embedded simulator.
@Suite(.serialized) struct LoadCLITests {
    /// The generated example cassette (one trajectory of six OpenAI chat turns).
    static func example(_ dir: TempDir) throws -> String {
        let path = dir.file("example.cassette")
        let r = try tapedeck(["cassette", "example", "-o", path])
        #expect(r.code == 0, "\(r.stderr)")
        return path
    }

    /// Expects exit 2 with exactly one `tapedeck: error:` line containing `text`.
    static func expectInputError(_ args: [String], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try tapedeck(args, timeout: 60)
        #expect(r.code == 2, "exit \(r.code): \(r.stderr)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("tapedeck: error: "), sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Fatal error") && !r.stdout.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test func unreachableTargetFailsFastWithTheURL() throws {
        let dir = TempDir()
        let c = try Self.example(dir)
        let url = "http://127.0.0.1:\(freeLoopbackPort())/v1"
        try Self.expectInputError(["load", c, "--target", url, "--agents", "1"], "cannot reach target \(url): connection refused")
        try Self.expectInputError(["sweep", c, "--target", url, "-o", dir.file("s.json"), "--report", dir.file("s.html")], "cannot reach target \(url)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("s.json")))
    }

    @Test func cassetteWithoutLLMTurnsIsRejected() throws {
        let dir = TempDir()
        let enc = CassetteEncoder()
        enc.append(.header(CassetteHeader(tool: "test", createdUnixNs: 0)))
        var mcp = Exchange(id: "m1", startUnixNs: 0, startMonoNs: 0,
                           request: RequestRecord(method: "POST", url: "/mcp", body: .json(["jsonrpc": "2.0", "id": 1, "method": "tools/list"], .compact)))
        mcp.facts = ExchangeFacts(dialect: .mcp)
        mcp.response = ResponseRecord(status: 200)
        enc.append(.exchange(mcp))
        let path = dir.file("mcp-only.cassette")
        FileManager.default.createFile(atPath: path, contents: Data(enc.flush(endFrame: true)))
        try Self.expectInputError(["load", path, "--agents", "1"], "no LLM turns to replay")
        try Self.expectInputError(["sweep", path], "no LLM turns to replay")
    }

    @Test func unparseableTierShowsTheGrammar() throws {
        let dir = TempDir()
        let c = try Self.example(dir)
        try Self.expectInputError(["sweep", c, "--tier", "gold speed_p25>=180"], "Grammar: TIER := NAME ':' COND")
        try Self.expectInputError(["sweep", c, "--tier", "gold: speed_p25>=fast"], "Grammar:")
        try Self.expectInputError(["load", c, "--tier", "gold: ttft_p95<=3 tok/s"], "Grammar:")
    }

    @Test func zeroAgentsIsRejected() throws {
        let dir = TempDir()
        let c = try Self.example(dir)
        try Self.expectInputError(["load", c, "--agents", "0"], "--agents must be at least 1 (got 0)")
    }

    @Test func otherBadOptions() throws {
        let dir = TempDir()
        let c = try Self.example(dir)
        try Self.expectInputError(["load", c, "--osl", "long"], "--osl must be recorded, free or cap:N")
        try Self.expectInputError(["load", c, "--gaps", "scale:x"], "--gaps must be")
        try Self.expectInputError(["load", c, "--duration", "ten"], "--duration")
        try Self.expectInputError(["load", c, "--target", "https://api.example.com/v1"], "https targets are not supported")
        try Self.expectInputError(["load", dir.file("missing.cassette")], "missing.cassette")
        try Self.expectInputError(["sweep", c, "--tier-set", "nope"], "unknown --tier-set 'nope'")
        try Self.expectInputError(["load"], "give at least one cassette")
    }

    /// The benchmarks refuse bad settings with one line and exit 2 (a debug build warns first).
    @Test func benchmarksRejectBadSettings() throws {
        for (args, text) in [(["bench", "serve", "--connections", "0"], "must be positive"),
                             (["bench", "load", "--streams", "none"], "--streams must list positive counts"),
                             (["bench", "sweep-check"], "give at least one cassette"),
                             (["bench", "proxy", "--rounds", "0"], "--rounds"),
                             (["bench", "cassette", "--only", "both"], "--only must be 'writer', 'reader' or 'recorder'"),
                             (["bench", "cassette", "--small", "0"], "--small must be positive")] {
            let r = try tapedeck(args, timeout: 60)
            #expect(r.code == 2, "\(args): exit \(r.code): \(r.stderr)")
            let errors = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("tapedeck: warning:") }
            #expect(errors.count == 1 && errors[0].hasPrefix("tapedeck: error: ") && errors[0].contains(text), "\(args): \(r.stderr)")
        }
    }

    /// A short `bench proxy` run: every target is measured, and the proxy processes' CPU time
    /// per operation is read from /proc (none for the direct connection, which has no process), and
    /// the part of it on the event-loop threads.
    /// `--stagger` delays the second stream's start by half a gap; both streams still deliver
    /// every chunk.
    @Test func benchProxyReportsThroughputAndCPUPerOperation() throws {
        let r = try tapedeck(["bench", "proxy", "--json", "--no-nginx", "--streams", "2", "--seconds", "0.2", "--rounds", "1", "--stagger",
                              "--window", "0.5", "--throughput-streams", "4", "--request-connections", "4"], timeout: 240)
        #expect(r.code == 0, "\(r.stderr)")
        let j = try JSON.parse(r.stdout)
        for name in ["direct", "tapedeck", "tapedeck+record"] {
            #expect((j["requests_per_s"]?[name]?.doubleValue ?? 0) > 0, "\(name): \(r.stdout)")
            #expect((j["chunks_per_s"]?[name]?.doubleValue ?? 0) > 0, "\(name): \(r.stdout)")
            #expect(j["latency"]?["2"]?[name]?["chunks"]?.intValue == 2 * 10, "\(name): \(r.stdout)")
        }
        for name in ["tapedeck", "tapedeck+record"] {
            #expect((j["cpu_us_per_request"]?[name]?.doubleValue ?? 0) > 0, "\(name): \(r.stdout)")
            #expect((j["cpu_us_per_chunk"]?[name]?.doubleValue ?? 0) > 0, "\(name): \(r.stdout)")
        }
        #expect(j["cpu_us_per_request"]?["direct"] == nil)
        // The event-loop threads' share is read per thread; the direct connection has none.
        for name in ["tapedeck", "tapedeck+record"] {
            #expect((j["event_loop_cpu_us_per_request"]?[name]?.doubleValue ?? 0) > 0, "\(name): \(r.stdout)")
        }
        #expect(j["event_loop_cpu_us_per_request"]?["direct"] == nil)
        #expect(j["ratios"]?["requests_recording_event_loop_cpu_cost"]?.doubleValue != nil)
        #expect(j["stagger"] == true)
        for name in ["tapedeck", "tapedeck+record"] {
            #expect((j["rss_mib_after_requests"]?[name]?.doubleValue ?? 0) > 1, "\(name): \(r.stdout)")
        }
        #expect(j["ratios"]?["requests_recording_cpu_cost"]?.doubleValue != nil)
        #expect(j["ratios"]?["requests_recording_cost"]?.doubleValue != nil)
    }

    @Test func loadAgainstTheEmbeddedSimulatorWritesSummaryAndRequests() throws {
        let dir = TempDir()
        let c = try Self.example(dir)
        let r = try tapedeck(["load", c, "--agents", "2", "--duration", "1s", "--warmup", "0.2s", "--ramp-up", "0.1s", "--gaps", "cap:0.05",
                              "--model", "tiny-sim", "-o", dir.file("r.json"), "--requests", dir.file("r.jsonl")], timeout: 120)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("TTFT s") && r.stdout.contains("throughput"))
        let summary = try #require(try? JSON.parse(Array(FileManager.default.contents(atPath: dir.file("r.json")) ?? Data())))
        #expect(summary["kind"] == "tapedeck.load")
        #expect(summary["manifest"]?["sim_profile"] == "tiny")
        #expect(summary["manifest"]?["model"] == "tiny-sim")
        let phase = try #require(summary["phase"])
        let requests = try #require(phase["requests"]?.intValue)
        #expect(requests > 0)
        #expect(phase["metrics"]?["ttft_s"]?["p95"]?.doubleValue != nil)
        #expect(phase["metrics"]?["dispatch_lag_s"]?["p99"]?.doubleValue != nil)
        #expect(phase["client"]?["cpu_s"]?.doubleValue != nil)
        let lines = String(decoding: FileManager.default.contents(atPath: dir.file("r.jsonl")) ?? Data(), as: UTF8.self).split(separator: "\n")
        let rows = lines.compactMap { try? JSON.parse(String($0)) }
        #expect(rows.count == lines.count)
        #expect(rows.filter { $0["measured"] == true }.count == requests)
        #expect(rows.allSatisfy { $0["error"] == .null && $0["ttft_s"]?.doubleValue != nil })
    }

    @Test func sweepAgainstTheEmbeddedSimulatorWritesJSONAndReport() throws {
        let dir = TempDir()
        let c = try Self.example(dir)
        let r = try tapedeck(["sweep", c, "--phase-min", "0.4s", "--warmup", "0.1s", "--ramp-up", "0.05s", "--min-trajectories", "1",
                              "--min-per-agent", "0", "--max-agents", "4", "--gaps", "cap:0.02", "--tier", "easy: ttft_p95<=30s",
                              "--tier", "impossible: speed_p25>=1000000", "--accelerators", "2", "--power-kw", "1.5",
                              "-o", dir.file("s.json"), "--report", dir.file("s.html")], timeout: 180)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("max agents") && r.stdout.contains("report: "))
        let s = try #require(try? JSON.parse(Array(FileManager.default.contents(atPath: dir.file("s.json")) ?? Data())))
        #expect(s["kind"] == "tapedeck.sweep")
        let results = try #require(s["results"]?.arrayValue)
        #expect(results.count == 2)
        // The easy tier holds up to the cap; the impossible one fails at the first count.
        #expect(results[0]["max_agents"] == 4 && results[0]["capped"] == true)
        #expect(results[0]["agents_per_accelerator"] == 2)
        #expect(results[1]["max_agents"] == 0 && results[1]["failed_at"] == 1)
        let phases = try #require(s["phases"]?.arrayValue)
        #expect(phases.map { $0["agents"]?.intValue ?? 0 } == [1, 2, 4])
        let nonces = try #require(s["manifest"]?["phase_nonces"]?.arrayValue)
        #expect(Set(nonces).count == phases.count)
        let html = String(decoding: FileManager.default.contents(atPath: dir.file("s.html")) ?? Data(), as: UTF8.self)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("easy") && !html.contains("<script"))
    }
}
