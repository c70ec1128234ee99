import Cassette
import Foundation
import Proxy
import Testing
import TestSupport

@Suite("tapedeck run and mcp-stdio (process)", .serialized)
struct RunAndStdioTests {
    @Test("run points the child at the proxy, records its calls and exits with its code")
    func runRecords() async throws {
        let up = try await UpstreamFixture.start { ex, _ in
            UpstreamFixture.json(ex, #"{"id":"c","choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#)
        }
        defer { up.stop() }
        let dir = TempDir()
        let cassette = dir.file("run.cassette")
        let script = """
            set -e
            echo "openai=$OPENAI_BASE_URL anthropic=$ANTHROPIC_BASE_URL proxy=$TAPEDECK_PROXY_URL"
            curl -sf -H 'authorization: Bearer sk-abcdefghijklmnopqrstuvwxyz0123' -H 'content-type: application/json' \
              -d '{"model":"m","messages":[{"role":"user","content":"hello"}]}' "$OPENAI_BASE_URL/chat/completions"
            curl -sf -H 'x-api-key: sk-ant-abcdefghijklmnopqrstuvwxyz' -H 'content-type: application/json' \
              -d '{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hello"}]}' "$ANTHROPIC_BASE_URL/v1/messages" >/dev/null
            exit 7
            """
        let r = try tapedeck(["run", "--record", cassette, "--upstream", up.url, "--", "/bin/sh", "-c", script], timeout: 60)
        #expect(r.code == 7, "stderr: \(r.stderr)")
        #expect(r.stdout.contains(#""content":"hi""#))
        #expect(r.stdout.contains("openai=http://127.0.0.1:"))
        #expect(r.stdout.contains("/v1 anthropic=http://127.0.0.1:"))
        #expect(up.requests.withLock { $0.map(\.head.uri) } == ["/v1/chat/completions", "/v1/messages"])
        let (exchanges, report) = try CassetteFile.exchanges(path: cassette)
        #expect(report.issue == nil)
        #expect(exchanges.map(\.facts.dialect) == [.openaiChat, .anthropicMessages])
        #expect(exchanges.first?.request.headers.first("authorization") == Redactor.placeholder)
        #expect(exchanges.last?.request.headers.first("x-api-key") == Redactor.placeholder)
    }

    /// Regression: a cassette recorded with --upstream and an /anthropic route replayed with the
    /// /openai layout, so every OpenAI request missed.
    @Test("run --replay gives each SDK the base URL its traffic was recorded under")
    func replayKeepsTheRecordedLayout() async throws {
        let up = try await UpstreamFixture.start { ex, _ in
            UpstreamFixture.json(ex, #"{"id":"c","choices":[{"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#)
        }
        let dir = TempDir()
        let cassette = dir.file("mixed.cassette")
        func script(anthropicBase: String) -> String {
            """
            set -e
            curl -sf -H 'content-type: application/json' -d '{"model":"m","messages":[{"role":"user","content":"hello"}]}' "$OPENAI_BASE_URL/chat/completions"
            curl -sf -H 'content-type: application/json' \
              -d '{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hello"}]}' "\(anthropicBase)/v1/messages" >/dev/null
            """
        }
        let rec = try tapedeck(["run", "--record", cassette, "--upstream", up.url, "--route", "/anthropic=\(up.url)",
                                "--", "/bin/sh", "-c", script(anthropicBase: "$TAPEDECK_PROXY_URL/anthropic")], timeout: 60)
        #expect(rec.code == 0, "\(rec.stderr)")
        up.stop()
        let r = try tapedeck(["run", "--replay", cassette, "--", "/bin/sh", "-c",
                              "echo \"anthropic=$ANTHROPIC_BASE_URL\"; " + script(anthropicBase: "$ANTHROPIC_BASE_URL")], timeout: 60)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.contains("/anthropic\n") || r.stdout.contains("/anthropic "), "\(r.stdout)")
        #expect(r.stderr.contains("2 hits, 0 misses"), "\(r.stderr)")
    }

    @Test("run passes SIGTERM to the child and exits with the child's code")
    func runSignals() throws {
        let dir = TempDir()
        let marker = dir.file("started")
        let p = try BackgroundProcess.tapedeck(["run", "--record", dir.file("s.cassette"), "--upstream", "http://127.0.0.1:9",
                                                "--", "/bin/sh", "-c", "trap 'exit 42' TERM; touch '\(marker)'; while true; do sleep 0.05; done"])
        #expect(eventually { FileManager.default.fileExists(atPath: marker) })
        p.signal(SIGTERM)
        #expect(p.wait(timeout: 30) == 42)
        #expect(try CassetteFile.readAll(path: dir.file("s.cassette")).report.header != nil)
    }

    @Test("mcp-stdio relays both ways, records each message with direction, passes stderr and the exit code")
    func stdioBridge() throws {
        let dir = TempDir()
        let cassette = dir.file("stdio.cassette")
        // A stand-in MCP server: answers each JSON-RPC request line with a result carrying its id,
        // writes a note to stderr, and exits 3 at end of input.
        let server = """
            import json, sys
            for line in sys.stdin:
                msg = json.loads(line)
                if "id" in msg:
                    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"echo": msg.get("method")}}), flush=True)
            print("server log line", file=sys.stderr)
            sys.exit(3)
            """
        let input = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read","arguments":{"path":"/a","token":"sk-abcdefghijklmnopqrstuvwxyz"}}}"#,
        ].joined(separator: "\n") + "\n"
        let r = try tapedeck(["mcp-stdio", "-o", cassette, "--", "python3", "-c", server], stdin: input, timeout: 60)
        #expect(r.code == 3)
        #expect(r.stderr.contains("server log line"))
        let out = r.stdout.split(separator: "\n").map(String.init)
        #expect(out == [#"{"jsonrpc": "2.0", "id": 1, "result": {"echo": "initialize"}}"#,
                        #"{"jsonrpc": "2.0", "id": 2, "result": {"echo": "tools/call"}}"#])
        let (records, report) = try CassetteFile.readAll(path: cassette)
        #expect(report.issue == nil)
        let messages = records.compactMap { if case .message(let m) = $0 { return m }; return nil }.sorted { $0.seq < $1.seq }
        #expect(messages.count == 5)
        #expect(messages.filter { $0.direction == .toServer }.count == 3)
        #expect(messages.filter { $0.direction == .toClient }.count == 2)
        #expect(messages.first { $0.message["method"]?.stringValue == "tools/call" }?.message["params"]?["arguments"]?["token"]?.stringValue == Redactor.placeholder)
        let toClient = messages.filter { $0.direction == .toClient }
        let request2 = messages.first { $0.message["id"] == .int(2) && $0.direction == .toServer }
        #expect(toClient.last.map { $0.monoNs >= (request2?.monoNs ?? .max) } == true)
    }

    @Test("mcp-stdio applies --redact-path, --redact-pattern and the config's redact rules to every message")
    func stdioRedaction() throws {
        let dir = TempDir()
        let cassette = dir.file("stdio.cassette")
        let cfg = dir.file("proxy.yaml")
        try "redact:\n  json_paths: [result.session_key]\n".write(toFile: cfg, atomically: true, encoding: .utf8)
        // Answers each request with a result that carries a session key and echoes the note.
        let server = """
            import json, sys
            for line in sys.stdin:
                msg = json.loads(line)
                if "id" in msg:
                    res = {"session_key": "server-side-key-" + str(4711), "note": msg["params"]["arguments"]["note"]}
                    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": res}), flush=True)
            """
        let input = #"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"q","arguments":{"db_password":"hunter2-hunter2","note":"ticket ACME-98765 is open"}}}"# + "\n"
        let r = try tapedeck(["mcp-stdio", "-o", cassette, "--config", cfg, "--redact-path", "params.arguments.db_password",
                              "--redact-pattern", "ACME-[0-9]+", "--", "python3", "-c", server, "--api-key", "sk-live-abcdefghijklmnopqrstuvwx"],
                             stdin: input, timeout: 60)
        #expect(r.code == 0, "stderr: \(r.stderr)")
        // The agent still sees everything: redaction is for the cassette only.
        #expect(r.stdout.contains("server-side-key-4711") && r.stdout.contains("ACME-98765"))
        let raw = try runProcess("/bin/sh", ["-c", "lz4 -dc < '\(cassette)'"])
        #expect(raw.code == 0)
        // The key on the server's command line is caught in the header by the default heuristic.
        for secret in ["server-side-key-4711", "hunter2-hunter2", "ACME-98765", "sk-live-abcdefghijklmnopqrstuvwx"] {
            #expect(!raw.stdout.contains(secret), "\(secret) reached the cassette")
        }
        let messages = try CassetteFile.readAll(path: cassette).records.compactMap { if case .message(let m) = $0 { return m }; return nil }
        let call = messages.first { $0.direction == .toServer }
        #expect(call?.message["params"]?["arguments"]?["db_password"]?.stringValue == Redactor.placeholder)
        #expect(call?.message["params"]?["arguments"]?["note"]?.stringValue?.contains("ticket") == true)
        let reply = messages.first { $0.direction == .toClient }
        #expect(reply?.message["result"]?["session_key"]?.stringValue == Redactor.placeholder)

        // Replay matches the live request as it was recorded: with the same rules the request
        // whose password was redacted on disk is answered, with the live id.
        let again = input.replacingOccurrences(of: #""id":7"#, with: #""id":8"#)
        let hit = try tapedeck(["mcp-stdio", "--replay", cassette, "--config", cfg, "--redact-path", "params.arguments.db_password",
                                "--redact-pattern", "ACME-[0-9]+"], stdin: again, timeout: 60)
        #expect(hit.code == 0, "stderr: \(hit.stderr)")
        #expect((try? JSON.parse(hit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))?["id"] == .int(8), "stdout: \(hit.stdout)")
        // Without the path rule the password no longer matches the recording: a miss, exit 3.
        let miss = try tapedeck(["mcp-stdio", "--replay", cassette, "--redact-pattern", "ACME-[0-9]+"], stdin: again, timeout: 60)
        #expect(miss.code == 3)
        #expect(miss.stdout.contains("cassette_miss") && miss.stdout.contains("db_password"), "stdout: \(miss.stdout)")
    }

    @Test("mcp-stdio --replay answers a request whose key was redacted on disk (default rules)")
    func stdioReplayRedactsLiveRequests() throws {
        let dir = TempDir()
        let cassette = dir.file("stdio.cassette")
        let server = """
            import json, sys
            for line in sys.stdin:
                msg = json.loads(line)
                if "id" in msg:
                    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"ok": True}}), flush=True)
            """
        let input = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fetch","arguments":{"api_key":"sk-abcdefghijklmnopqrstuvwxyz012345"}}}"# + "\n"
        let rec = try tapedeck(["mcp-stdio", "-o", cassette, "--", "python3", "-c", server], stdin: input, timeout: 60)
        #expect(rec.code == 0, "stderr: \(rec.stderr)")
        let replayed = try tapedeck(["mcp-stdio", "--replay", cassette], stdin: input, timeout: 60)
        #expect(replayed.code == 0, "stderr: \(replayed.stderr) stdout: \(replayed.stdout)")
        let reply = try JSON.parse(replayed.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(reply["id"] == .int(1) && reply["result"]?["ok"] == .bool(true))
    }
}
