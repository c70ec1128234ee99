import Cassette
import Foundation
import NIOHTTP1
import Proxy
import Synchronization
import Testing
import TestSupport

/// `tapedeck serve` as a process: each mode's behaviour on a hit and on a miss, and bad input.
/// The upstream is a small fixture that counts what reaches it (it stands in for an LLM API,
/// so that "forwarded or not" is observable).
@Suite("tapedeck serve modes", .serialized)
struct ReplayModeTests {
    static func upstream() async throws -> UpstreamFixture {
        let n = Atomic<Int>(0)
        return try await UpstreamFixture.start { ex, body in
            let k = n.wrappingAdd(1, ordering: .relaxed).newValue
            let prompt = (try? JSON.parse(body))?["messages"]?[0]?["content"]?.stringValue ?? "?"
            UpstreamFixture.json(ex, #"{"id":"u\#(k)","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"answer \#(k) to \#(prompt)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#)
        }
    }

    static func ask(_ base: String, _ prompt: String) async throws -> ClientResult {
        try await TestClient.post(base + "/v1/chat/completions", json: #"{"model":"m","messages":[{"role":"user","content":"\#(prompt)"}]}"#,
                                  headers: [("authorization", "Bearer sk-dummy-key-for-tests-0000000000")])
    }

    static func serve(_ args: [String]) throws -> ProxyProcess { try ProxyProcess.start(["serve"] + args + ["--listen", "127.0.0.1:0"]) }

    static func stop(_ p: ProxyProcess) -> Int32? {
        p.process.signal(SIGINT)
        return p.process.wait(timeout: 30)
    }

    @Test func onceRecordsANewCassetteThenOnlyReplaysIt() async throws {
        let up = try await Self.upstream()
        defer { up.stop() }
        let dir = TempDir()
        let c = dir.file("once.cassette")
        let first = try Self.serve([c, "--mode", "once", "--upstream", up.url])
        let a = try await Self.ask(first.baseURL, "A")
        #expect(a.status == 200 && a.text.contains("answer 1 to A"))
        #expect(Self.stop(first) == 0)
        #expect(try CassetteFile.exchanges(path: c).exchanges.count == 1)
        let again = try Self.serve([c, "--mode", "once", "--upstream", up.url])
        let hit = try await Self.ask(again.baseURL, "A")
        #expect(hit.text.contains("answer 1 to A"), "answered from the cassette")
        let miss = try await Self.ask(again.baseURL, "B")
        #expect(miss.status == 404)
        #expect(up.requests.withLock { $0.count } == 1, "an existing cassette is not recorded again")
        #expect(Self.stop(again) == 0)
    }

    @Test func noneAnswersHitsAndExplainsMisses() async throws {
        let up = try await Self.upstream()
        let dir = TempDir()
        let c = dir.file("none.cassette")
        let rec = try Self.serve([c, "--mode", "once", "--upstream", up.url])
        _ = try await Self.ask(rec.baseURL, "What is the weather?")
        #expect(Self.stop(rec) == 0)
        up.stop()  // offline from here on
        let s = try Self.serve([c, "--strict-exit"])
        let hit = try await Self.ask(s.baseURL, "What is the weather?")
        #expect(hit.status == 200)
        #expect(hit.text == #"{"id":"u1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"answer 1 to What is the weather?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#)
        #expect(hit.headers.first(name: "x-tapedeck-replay") == "x000001")
        let again = try await Self.ask(s.baseURL, "What is the weather?")
        #expect(again.status == 404, "each recorded answer plays once")
        // Regression: this miss used to read "first difference at (none): recorded null, live null".
        let againMsg = (try JSON.parse(again.body))["error"]?["message"]?.stringValue ?? ""
        #expect(againMsg.contains("was recorded 1 time(s) and every recorded answer has been played"), "\(againMsg)")
        #expect(againMsg.contains("--allow-repeats") && !againMsg.contains("(none)"))
        let miss = try await Self.ask(s.baseURL, "What is the time?")
        #expect(miss.status == 404)
        let err = try JSON.parse(miss.body)
        #expect(err["error"]?["type"] == "cassette_miss")
        let msg = err["error"]?["message"]?.stringValue ?? ""
        #expect(msg.contains("x000001") && msg.contains("body.messages[0].content"))
        #expect(msg.contains("recorded \"What is the weather?\", live \"What is the time?\""))
        #expect(Self.stop(s) == 3, "--strict-exit")
        #expect(s.process.stderr.contains("1 hits, 2 misses"))
        #expect(s.process.stderr.contains("cassette_miss"))
    }

    @Test func allowRepeatsReplaysAgain() async throws {
        let up = try await Self.upstream()
        let dir = TempDir()
        let c = dir.file("rep.cassette")
        let rec = try Self.serve([c, "--mode", "once", "--upstream", up.url])
        _ = try await Self.ask(rec.baseURL, "A")
        _ = Self.stop(rec)
        up.stop()
        let s = try Self.serve([c, "--allow-repeats"])
        for _ in 0..<3 { #expect(try await Self.ask(s.baseURL, "A").status == 200) }
        #expect(Self.stop(s) == 0)
    }

    @Test func newEpisodesForwardsAndAppendsOnlyMisses() async throws {
        let up = try await Self.upstream()
        defer { up.stop() }
        let dir = TempDir()
        let c = dir.file("ne.cassette")
        let rec = try Self.serve([c, "--mode", "once", "--upstream", up.url])
        _ = try await Self.ask(rec.baseURL, "A")
        _ = Self.stop(rec)
        let s = try Self.serve([c, "--mode", "new-episodes", "--upstream", up.url])
        let hit = try await Self.ask(s.baseURL, "A")
        #expect(hit.text.contains("answer 1 to A"))
        let fresh = try await Self.ask(s.baseURL, "B")
        #expect(fresh.text.contains("answer 2 to B"))
        #expect(up.requests.withLock { $0.count } == 2, "only the miss went upstream")
        #expect(Self.stop(s) == 0)
        let ex = try CassetteFile.exchanges(path: c).exchanges
        #expect(ex.count == 2)
        #expect(ex.last?.facts.outputText == "answer 2 to B")
    }

    @Test func allForwardsAndReRecordsEverything() async throws {
        let up = try await Self.upstream()
        defer { up.stop() }
        let dir = TempDir()
        let c = dir.file("all.cassette")
        let rec = try Self.serve([c, "--mode", "once", "--upstream", up.url])
        _ = try await Self.ask(rec.baseURL, "A")
        _ = Self.stop(rec)
        let s = try Self.serve([c, "--mode", "all", "--upstream", up.url])
        let r = try await Self.ask(s.baseURL, "A")
        #expect(r.text.contains("answer 2 to A"), "forwarded although recorded")
        #expect(Self.stop(s) == 0)
        let ex = try CassetteFile.exchanges(path: c).exchanges
        #expect(ex.map { $0.facts.outputText } == ["answer 2 to A"], "re-recorded from scratch")
    }

    @Test func aRequestThatIsNotJSONGetsA400InItsDialect() async throws {
        let dir = TempDir()
        let c = dir.file("c.cassette")
        try CassetteWritingForTests.writeOneExchange(c)
        let s = try Self.serve([c])
        defer { _ = Self.stop(s) }
        let o = try await TestClient.post(s.baseURL + "/v1/chat/completions", json: "{not json")
        #expect(o.status == 400)
        #expect(try JSON.parse(o.body)["error"]?["type"] == "invalid_request_error")
        let a = try await TestClient.post(s.baseURL + "/v1/messages", json: "{\"model\": ")
        #expect(a.status == 400)
        let aj = try JSON.parse(a.body)
        #expect(aj["type"] == "error" && aj["error"]?["type"] == "invalid_request_error")
    }

    @Test(arguments: [
        (["--mode", "sometimes"], "unknown mode 'sometimes'"),
        (["--timing", "warp:9"], "unknown timing 'warp:9'"),
    ])
    func badModeOrTiming(args: [String], message: String) throws {
        let dir = TempDir()
        let c = dir.file("c.cassette")
        try CassetteWritingForTests.writeOneExchange(c)
        let r = try tapedeck(["serve", c, "--listen", "127.0.0.1:0"] + args)
        #expect(r.code == 2)
        #expect(r.stderr.contains(message))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func badCassettes() throws {
        let dir = TempDir()
        let missing = try tapedeck(["serve", dir.file("nope.cassette"), "--listen", "127.0.0.1:0"])
        #expect(missing.code == 2 && missing.stderr.contains("no such cassette"))
        let empty = dir.file("empty.cassette")
        try CassetteWritingForTests.writeHeaderOnly(empty)
        let e = try tapedeck(["serve", empty, "--listen", "127.0.0.1:0"])
        #expect(e.code == 2 && e.stderr.contains("holds no exchanges"))
        let c = dir.file("c.cassette")
        try CassetteWritingForTests.writeOneExchange(c)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: c))
        bytes[bytes.count - 30] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: c))
        let corrupt = try tapedeck(["serve", c, "--listen", "127.0.0.1:0"])
        #expect(corrupt.code == 2)
        #expect(corrupt.stderr.contains("at byte"))
        #expect(corrupt.stderr.split(separator: "\n").count == 1)
        let run = try tapedeck(["run", "--replay", c, "--", "/bin/true"])
        #expect(run.code == 2 && run.stderr.contains("at byte"))
    }
}

/// Small cassettes written directly, for the bad-input tests.
enum CassetteWritingForTests {
    static func writeHeaderOnly(_ path: String) throws {
        let r = try CassetteRecorder(path: path, header: CassetteHeader(tool: "test", createdUnixNs: 1))
        r.finish()
        r.flush(endFrame: true)
    }

    static func writeOneExchange(_ path: String) throws {
        let r = try CassetteRecorder(path: path, header: CassetteHeader(tool: "test", createdUnixNs: 1))
        var ex = Exchange(id: "x1", startUnixNs: 1, startMonoNs: 1, request: RequestRecord(
            method: "POST", url: "/v1/chat/completions", headers: [Header("content-type", "application/json")],
            body: .json(["model": "m", "messages": [["role": "user", "content": "hello there, this is a message"]]], .compact)))
        let body = #"{"choices":[{"message":{"role":"assistant","content":"hi"}}]}"#
        ex.response = ResponseRecord(status: 200, headers: [Header("content-type", "application/json")], body: .text(body),
                                     chunks: [Chunk(length: body.utf8.count, tNs: 10)])
        r.record(.exchange(ex))
        r.finish()
        r.flush(endFrame: true)
    }
}
