import Cassette
import Foundation
import Proxy
import Testing
import TestSupport

/// Offline replay with real agents (the PyPI SDKs in .venv): each scenario records against the
/// real simulator (and a real MCP server), stops every upstream, then replays.
@Suite("Offline replay with the agent SDKs", .serialized, .enabled(if: TestEnv.hasPython, "needs .venv: run make pydeps"))
struct ReplayInteropTests {
    static let dummyKey = ["OPENAI_API_KEY": "sk-dummy-replay-000000000000000000", "ANTHROPIC_API_KEY": "sk-ant-dummy-replay-0000000000"]

    func agent(_ args: [String], replay cassette: String, extra: [String] = []) throws -> ProcessResult {
        try tapedeck(["run", "--replay", cassette] + extra + ["--", TestEnv.python, TestEnv.path("tests/interop/replay_agent.py")] + args,
                     env: Self.dummyKey, timeout: 240)
    }

    /// Records the agent once against the simulator, then stops the simulator.
    func recordAgent(_ cassette: String, questions: [String]) throws -> [String] {
        let dir = TempDir()
        let sim = try ProxyInteropTests.startSim(dir)
        defer { sim.process.stop() }
        var outputs: [String] = []
        for (k, q) in questions.enumerated() {
            let r = try tapedeck(["run", "--record", cassette, "--upstream", sim.origin] + (k > 0 ? ["--append"] : [])
                                 + ["--", TestEnv.python, TestEnv.path("tests/interop/replay_agent.py"), q], env: Self.dummyKey, timeout: 240)
            #expect(r.code == 0, "\(r.stderr)")
            outputs.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return outputs
    }

    @Test func anOpenAIAgentsAgentReplaysIdenticallyThreeTimesOffline() throws {
        let dir = TempDir()
        let cassette = dir.file("agent.cassette")
        let recorded = try recordAgent(cassette, questions: ["What is the weather in Paris right now?"])[0]
        let parsed = try JSON.parse(recorded)
        #expect(parsed["tool_calls"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["get_weather", "get_time"])
        for run in 1...3 {
            let r = try agent([], replay: cassette)
            #expect(r.code == 0, "run \(run): \(r.stderr)")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == recorded, "run \(run)")
            #expect(r.stderr.contains("3 hits, 0 misses"))
        }
    }

    /// An SDK refuses to start without an API key; offline replay gives it a dummy one, so CI needs none.
    @Test func replayNeedsNoAPIKeyInTheEnvironment() throws {
        let dir = TempDir()
        let cassette = dir.file("agent.cassette")
        let recorded = try recordAgent(cassette, questions: ["What is the weather in Paris right now?"])[0]
        let r = try runProcess("/usr/bin/env", ["-u", "OPENAI_API_KEY", "-u", "ANTHROPIC_API_KEY", TestEnv.tapedeck, "run", "--replay", cassette,
                                                "--", TestEnv.python, TestEnv.path("tests/interop/replay_agent.py")], timeout: 240)
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == recorded)
        #expect(r.stderr.contains("3 hits, 0 misses"))
    }

    @Test func aChangedSystemPromptExits3AndSaysWhere() throws {
        let dir = TempDir()
        let cassette = dir.file("agent.cassette")
        _ = try recordAgent(cassette, questions: ["What is the weather in Paris right now?"])
        let r = try agent(["What is the weather in Paris right now?", "You are a terse assistant."], replay: cassette)
        #expect(r.code == 3, "\(r.stderr)")
        #expect(r.stderr.contains("system prompt changed"))
        #expect(r.stderr.contains("first difference at body.instructions"))
        #expect(r.stderr.contains("recorded \"You are a helpful assistant. Use the tools.\", live \"You are a terse assistant.\""))
        // The agent itself saw the miss as an API error of type cassette_miss.
        #expect(r.stderr.contains("cassette_miss"))
    }

    @Test func twoAgentsAtOnceFromOneCassetteGetTheirOwnAnswers() async throws {
        let dir = TempDir()
        let cassette = dir.file("two.cassette")
        let questions = ["What is the weather in Paris right now?", "What does my todo note say?"]
        let recorded = try recordAgent(cassette, questions: questions)
        #expect(recorded[0] != recorded[1])
        let serve = try ProxyProcess.start(["serve", cassette, "--listen", "127.0.0.1:0"])
        defer { serve.process.stop() }
        var envVars = Self.dummyKey
        envVars["OPENAI_BASE_URL"] = serve.baseURL + "/v1"
        let env = envVars
        let results = try await withThrowingTaskGroup(of: (Int, ProcessResult).self) { group in
            for (k, q) in questions.enumerated() {
                group.addTask { (k, try runProcess(TestEnv.python, [TestEnv.path("tests/interop/replay_agent.py"), q], env: env, timeout: 240)) }
            }
            var out: [Int: ProcessResult] = [:]
            for try await (k, r) in group { out[k] = r }
            return out
        }
        for k in 0..<2 {
            #expect(results[k]?.code == 0, "\(results[k]?.stderr ?? "")")
            #expect(results[k]?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == recorded[k])
        }
        serve.process.signal(SIGINT)
        #expect(serve.process.wait(timeout: 30) == 0)
        #expect(serve.process.stderr.contains("0 misses"))
    }

    @Test func anthropicStreamedToolUseReplays() throws {
        let dir = TempDir()
        let cassette = dir.file("anthropic.cassette")
        let recordedOut: String
        do {
            let sim = try ProxyInteropTests.startSim(dir)
            defer { sim.process.stop() }
            let rec = try ProxyProcess.start(["record", "--upstream", sim.origin, "-o", cassette, "--listen", "127.0.0.1:0"])
            let r = try ProxyInteropTests.python("proxy_anthropic.py", [rec.baseURL])
            #expect(r.code == 0, "\(r.stderr)")
            recordedOut = r.stdout
            rec.process.signal(SIGTERM)
            #expect(rec.process.wait(timeout: 30) == 0)
        }
        let serve = try ProxyProcess.start(["serve", cassette, "--listen", "127.0.0.1:0", "--timing", "recorded"])
        defer { serve.process.stop() }
        let r = try ProxyInteropTests.python("proxy_anthropic.py", [serve.baseURL])
        #expect(r.code == 0, "\(r.stderr)")
        #expect(r.stdout == recordedOut)
        #expect(r.stdout.contains("get_weather"))
    }

    @Test func mcpOverHTTPAndStdioReplayWithoutTheServer() throws {
        let dir = TempDir()
        // stdio: record through mcp-stdio, then answer from the cassette with no server at all.
        let stdioCassette = dir.file("stdio.cassette")
        let live = try ProxyInteropTests.python("mcp_client.py", ["stdio", TestEnv.tapedeck, "mcp-stdio", "-o", stdioCassette, "--",
                                                                   TestEnv.python, TestEnv.path("tests/interop/mcp_server.py"), "stdio"])
        #expect(live.code == 0, "\(live.stderr)")
        let replayed = try ProxyInteropTests.python("mcp_client.py", ["stdio", TestEnv.tapedeck, "mcp-stdio", "--replay", stdioCassette])
        #expect(replayed.code == 0, "\(replayed.stderr)")
        #expect(replayed.stdout == live.stdout)
        #expect(live.stdout.contains("buy milk"))

        // Streamable HTTP: record through the proxy, stop the MCP server, serve the cassette.
        let httpCassette = dir.file("http.cassette")
        let port = freeLoopbackPort()
        let server = try BackgroundProcess(TestEnv.python, [TestEnv.path("tests/interop/mcp_server.py"), "http", "\(port)"])
        #expect(server.waitForPort(port, timeout: 60))
        let rec = try ProxyProcess.start(["record", "--upstream", "http://127.0.0.1:\(port)", "-o", httpCassette, "--listen", "127.0.0.1:0"])
        let viaProxy = try ProxyInteropTests.python("mcp_client.py", ["http", rec.baseURL + "/mcp"])
        #expect(viaProxy.code == 0, "\(viaProxy.stderr)")
        rec.process.signal(SIGTERM)
        _ = rec.process.wait(timeout: 30)
        server.stop()
        let serve = try ProxyProcess.start(["serve", httpCassette, "--listen", "127.0.0.1:0"])
        defer { serve.process.stop() }
        let fromCassette = try ProxyInteropTests.python("mcp_client.py", ["http", serve.baseURL + "/mcp"])
        #expect(fromCassette.code == 0, "\(fromCassette.stderr)\n\(serve.process.stderr)")
        #expect(fromCassette.stdout == viaProxy.stdout)
    }
}
