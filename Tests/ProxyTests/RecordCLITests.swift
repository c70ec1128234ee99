import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import Proxy
import Synchronization
import Testing
import TestSupport

/// `tapedeck record` as a process: signals, crashes, an unwritable cassette, bad input.
@Suite("tapedeck record (process)", .serialized)
struct RecordCLITests {
    /// Stands in for a slow streaming LLM: `count` events, `gapMs` apart.
    static func slowStream(count: Int, gapMs: Int64) async throws -> UpstreamFixture {
        try await UpstreamFixture.start { ex, _ in
            UpstreamFixture.sse(ex, events: (0..<count).map { "data: {\"choices\":[{\"delta\":{\"content\":\"t\($0) \"}}]}\n\n" } + ["data: [DONE]\n\n"],
                                gapMs: gapMs)
        }
    }

    @Test("SIGTERM lets an in-flight stream finish, then closes the cassette")
    func sigtermDrains() async throws {
        let upstream = try await Self.slowStream(count: 10, gapMs: 100)
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("drain.cassette")
        let proxy = try ProxyProcess.start(["record", "--upstream", upstream.url, "-o", cassette, "--listen", "127.0.0.1:0", "--drain", "20"])
        async let result = TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"m","stream":true,"messages":[]}"#)
        #expect(eventually { upstream.requests.withLock { $0.count } == 1 })
        try await Task.sleep(for: .milliseconds(150))
        proxy.process.signal(SIGTERM)
        let r = try await result
        #expect(r.error == nil)
        #expect(r.text.hasSuffix("data: [DONE]\n\n"))
        #expect(proxy.process.wait(timeout: 30) == 0)
        let (exchanges, report) = try CassetteFile.exchanges(path: cassette)
        #expect(report.issue == nil)
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.outcome == .complete)
        #expect(exchanges.first?.response?.chunks.count == 11)
    }

    @Test("SIGINT past the drain time cuts the stream and still writes the record")
    func drainTimeout() async throws {
        let upstream = try await Self.slowStream(count: 1000, gapMs: 50)
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("cut.cassette")
        let proxy = try ProxyProcess.start(["record", "--upstream", upstream.url, "-o", cassette, "--listen", "127.0.0.1:0", "--drain", "0.3"])
        async let result = TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"m","stream":true,"messages":[]}"#)
        #expect(eventually { upstream.requests.withLock { $0.count } == 1 })
        proxy.process.signal(SIGINT)
        let r = try await result
        #expect(r.error != nil)
        #expect(proxy.process.wait(timeout: 30) == 0)
        let ex = try #require(try CassetteFile.exchanges(path: cassette).exchanges.first)
        #expect(ex.outcome == .clientDisconnect)
    }

    @Test("kill -9 leaves a cassette readable up to its last flush")
    func kill9() async throws {
        let upstream = try await UpstreamFixture.start { ex, body in
            if String(decoding: body, as: UTF8.self).contains("forever") {
                UpstreamFixture.sse(ex, events: Array(repeating: "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n", count: 100_000), gapMs: 10)
            } else {
                UpstreamFixture.json(ex, #"{"choices":[{"message":{"content":"ok"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#)
            }
        }
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("k.cassette")
        let proxy = try ProxyProcess.start(["record", "--upstream", upstream.url, "-o", cassette, "--listen", "127.0.0.1:0"])
        for k in 0..<5 {
            let r = try await TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"m","messages":[{"role":"user","content":"q\#(k)"}]}"#)
            #expect(r.status == 200)
        }
        // The five exchanges are flushed as they complete; wait until they are on disk.
        #expect(eventually { ((try? CassetteFile.exchanges(path: cassette).exchanges.count) ?? 0) == 5 })
        async let streaming = TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"m","stream":true,"messages":[{"role":"user","content":"forever"}]}"#)
        #expect(eventually { upstream.requests.withLock { $0.count } == 6 })
        proxy.process.signal(SIGKILL)
        _ = try? await streaming
        _ = proxy.process.wait(timeout: 10)
        let (exchanges, report) = try CassetteFile.exchanges(path: cassette)
        #expect(report.issue == nil)
        #expect(exchanges.count == 5)
        #expect(report.header != nil)
        // Stock lz4 reads it too.
        let lz4 = try runProcess("/bin/sh", ["-c", "lz4 -dc < '\(cassette)' | wc -l"])
        #expect(lz4.code == 0)
        #expect(Int(lz4.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 >= 6 } == true)
    }

    @Test("a cassette that becomes unwritable: traffic keeps flowing, lost records are counted, exit 1")
    func unwritableKeepsForwarding() async throws {
        // The file-size limit makes the disk refuse writes once the cassette passes 8 KiB,
        // the way a full disk does.
        let upstream = try await UpstreamFixture.start { ex, body in
            UpstreamFixture.json(ex, #"{"echo":"# + String(body.count) + "}")
        }
        defer { upstream.stop() }
        let dir = TempDir()
        let cassette = dir.file("full.cassette")
        let admin = freeLoopbackPort()
        let cmd = "ulimit -f 8; exec '\(TestEnv.tapedeck)' record --upstream \(upstream.url) -o '\(cassette)' --listen 127.0.0.1:0 --admin 127.0.0.1:\(admin)"
        let proxy = try ProxyProcess.start([], exe: "/bin/bash", exeArgs: ["-c", cmd])
        let small = try await TestClient.post(proxy.baseURL + "/v1/embeddings", json: #"{"input":"hi"}"#)
        #expect(small.status == 200)
        #expect(eventually { ((try? CassetteFile.exchanges(path: cassette).exchanges.count) ?? 0) == 1 })
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3 {
            // 24 KiB of incompressible text per request: every frame now passes the limit.
            let noise = (0..<24_000).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &rng)! }
            let r = try await TestClient.post(proxy.baseURL + "/v1/embeddings", json: #"{"input":""# + String(noise) + #""}"#)
            #expect(r.status == 200)
        }
        var dropped = -1.0
        #expect(await eventuallyAsync {
            let page = (try? await TestClient.send("http://127.0.0.1:\(admin)/metrics", method: .GET, headers: []))?.text ?? ""
            dropped = metricValue(page, "tapedeck_recorder_dropped_records") ?? -1
            return dropped >= 3
        })
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 30) == 1)
        #expect(proxy.process.stderr.contains("\(Int(dropped)) records could not be written"))
        #expect(proxy.process.stderr.contains("cassette write failed"))
        // Readable: the header and whatever was not rolled back; nothing is silently missing.
        let (exchanges, report) = try CassetteFile.exchanges(path: cassette)
        #expect(report.header != nil)
        #expect(exchanges.count + Int(dropped) == 4)
    }

    @Test("--fail-closed answers 503 while the cassette cannot be written")
    func failClosed() async throws {
        let upstream = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, "{}") }
        defer { upstream.stop() }
        // /dev/full refuses every write with ENOSPC: the cassette is unwritable from the start.
        let proxy = try ProxyProcess.start(["record", "--upstream", upstream.url, "-o", "/dev/full", "--listen", "127.0.0.1:0", "--fail-closed"])
        let r = try await TestClient.post(proxy.baseURL + "/v1/chat/completions", json: #"{"model":"m","messages":[]}"#)
        #expect(r.status == 503)
        #expect((try? JSON.parse(r.body))?["error"]?["type"]?.stringValue == "tapedeck_cassette_unwritable")
        #expect(upstream.requests.withLock { $0.count } == 0)
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 30) != nil)
    }

    @Test("bad input: one line on stderr, exit 2", arguments: [
        (["record", "-o", "x.cassette"], "no upstream"),
        (["record", "-o", "x.cassette", "--upstream", "ftp://h"], "must start with http"),
        (["record", "-o", "x.cassette", "--upstream", "http://h", "--listen", "nonsense"], "listen address"),
        (["record", "-o", "x.cassette", "--upstream", "http://h", "--listen", "0.0.0.0:0"], "--auth-token"),
        (["record", "-o", "x.cassette", "--upstream", "http://h", "--auth-token", "short"], "at least 8"),
        (["record", "-o", "x.cassette", "--route", "anthropic=http://h"], "must look like"),
        (["record", "-o", "x.cassette", "--upstream", "http://h", "--ca-file", "/nonexistent.pem"], "--ca-file"),
        (["record", "-o", "/nonexistent-dir/x.cassette", "--upstream", "http://h"], "cannot open"),
        (["record", "-o", "x.cassette", "--config", "/nonexistent.yaml"], "cannot read config"),
        (["record", "-o", "x.cassette", "--upstream", "http://h", "--drain", "-1"], "--drain"),
        (["record", "-o", "x.cassette", "--upstream", "http://h", "--log-level", "loud"], "unknown --log-level 'loud'"),
        (["run", "--record", "x.cassette", "--upstream", "http://h"], "no agent command"),
        (["run", "--record", "x.cassette", "--upstream", "http://h", "--", "no-such-command-xyz"], "command not found"),
        (["mcp-stdio", "-o", "x.cassette"], "no server command"),
        (["mcp-stdio", "-o", "x.cassette", "--", "no-such-command-xyz"], "command not found"),
        (["mcp-stdio", "-o", "x.cassette", "--redact-pattern", "(unclosed", "--", "true"], "(unclosed"),
        (["mcp-stdio", "-o", "x.cassette", "--config", "/nonexistent.yaml", "--", "true"], "cannot read config"),
    ])
    func badInput(args: [String], message: String) throws {
        let dir = TempDir()
        let r = try tapedeck(args, cwd: dir.path, timeout: 60)
        #expect(r.code == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.hasPrefix("tapedeck: error: "))
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    @Test("a port already in use is a one-line error")
    func portInUse() async throws {
        let upstream = try await UpstreamFixture.start { ex, _ in UpstreamFixture.json(ex, "{}") }
        defer { upstream.stop() }
        let dir = TempDir()
        let r = try tapedeck(["record", "-o", dir.file("x.cassette"), "--upstream", "http://h", "--listen", "127.0.0.1:\(upstream.port)"])
        #expect(r.code == 2)
        #expect(r.stderr.hasPrefix("tapedeck: error: cannot listen on 127.0.0.1:\(upstream.port)"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test("a bad config file is named with its problem", arguments: [
        ("listen: [1, 2]\n", "listen must be a string"),
        ("colour: blue\n", "unknown setting \"colour\""),
        ("routes: 3\n", "routes must map"),
        ("redact:\n  headers: x\n", "must be a list"),
        ("upstream: : :\n  - x", "not valid YAML"),
    ])
    func badConfig(yaml: String, message: String) throws {
        let dir = TempDir()
        let cfg = dir.file("proxy.yaml")
        try yaml.write(toFile: cfg, atomically: true, encoding: .utf8)
        let r = try tapedeck(["record", "-o", dir.file("x.cassette"), "--config", cfg])
        #expect(r.code == 2)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}
