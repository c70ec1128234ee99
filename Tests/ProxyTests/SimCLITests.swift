import Cassette
import Foundation
import TestSupport
import Testing

/// `tapedeck sim` as a process: bad input exits 2 with one line, a run writes its trace on SIGINT.
@Suite(.serialized) struct SimCLITests {
    func expectInputError(_ args: [String], _ needle: String) throws {
        let r = try tapedeck(["sim"] + args, timeout: 30)
        #expect(r.code == 2, "\(args): \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("tapedeck: error: "))
        #expect(r.stderr.contains(needle), "\(r.stderr)")
    }

    @Test func badArgumentsExitTwo() throws {
        let dir = TempDir()
        try "scheduler: {max_sequences: -1}\n".write(toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
        try expectInputError(["--profile", "nope"], "unknown simulator profile")
        try expectInputError(["--profile", dir.file("bad.yaml")], "max_sequences")
        try expectInputError(["--listen", "127.0.0.1:99999"], "--listen")
        try expectInputError(["--content", "poetry"], "--content")
        try expectInputError(["--script", dir.file("missing.yaml")], "cannot read simulator script")
        try expectInputError(["--trace", dir.path + "/no/such/dir/t.jsonl", "--listen", "127.0.0.1:0"], "cannot open trace file")
    }

    @Test func portInUseIsAnInputError() throws {
        let port = freeLoopbackPort()
        let first = try BackgroundProcess.tapedeck(["sim", "--listen", "127.0.0.1:\(port)"])
        defer { first.stop() }
        #expect(first.waitForPort(port))
        try expectInputError(["--listen", "127.0.0.1:\(port)"], "cannot listen")
    }

    @Test func runsServesAndFlushesTheTraceOnSigint() throws {
        let dir = TempDir()
        let trace = dir.file("gt.jsonl")
        let port = freeLoopbackPort()
        let p = try BackgroundProcess.tapedeck(["sim", "--listen", "127.0.0.1:\(port)", "--trace", trace, "--trace-content", "--seed", "5"])
        defer { p.stop() }
        #expect(p.waitFor("listening on http://127.0.0.1:\(port)/v1"))
        let body = #"{"model":"tiny-sim","messages":[{"role":"user","content":"hello"}],"stream":true}"#
        let curl = try runProcess("/usr/bin/env", ["curl", "-sN", "-H", "X-Request-Id: cli-1", "-d", body, "http://127.0.0.1:\(port)/v1/chat/completions"])
        #expect(curl.stdout.hasSuffix("data: [DONE]\n\n"))
        p.signal(SIGINT)
        #expect(p.wait(timeout: 10) == 0)
        let records = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map { try JSON.parse(String($0)) }
        #expect(records.count == 1)
        #expect(records.first?["request_id"]?.stringValue == "cli-1")
        #expect(records.first?["prompt"]?.stringValue?.contains("hello") == true)
        #expect((records.first?["output"]?.stringValue ?? "").isEmpty == false)
    }
}
