import Cassette
import Foundation
import Proxy
import Testing
import TestSupport

/// Real clients (the PyPI SDKs in .venv) through a real `tapedeck record`/`run`/`mcp-stdio`,
/// against the real inference simulator (`tapedeck sim`) and a real MCP server (mcp SDK).
/// Everything stays on 127.0.0.1.
@Suite("Interop with the agent SDKs", .serialized, .enabled(if: TestEnv.hasPython, "needs .venv: run make pydeps"))
struct ProxyInteropTests {
    static let script = """
        rules:
          - when: {last: user, contains: weather}
            tool_calls:
              - name: get_weather
                arguments: {city: Paris}
          - when: {last: tool, tool: get_weather, has_tool: get_time}
            tool_calls:
              - name: get_time
                arguments: {tz: Europe/Paris}
          - when: {last: tool, tool: get_weather}
            text: "It is {{tool_result}} in Paris."
          - when: {last: tool, tool: get_time}
            text: "It is {{tool_result}} and sunny in Paris."
          - when: {last: user, contains: note}
            tool_calls:
              - name: read_note
                arguments: {name: todo}
          - when: {last: tool, tool: read_note}
            text: "The note says: {{tool_result}}"
          - text: "Ask me about the weather."
        """

    /// A running simulator and its origin (`http://127.0.0.1:PORT`).
    struct Sim {
        let process: BackgroundProcess
        let origin: String
    }

    static func startSim(_ dir: TempDir) throws -> Sim {
        let path = dir.file("script.yaml")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let p = try BackgroundProcess.tapedeck(["sim", "--listen", "127.0.0.1:0", "--script", path])
        guard p.waitFor("listening on http", timeout: 60) else { throw ProxyTestError("sim did not start: \(p.stderr)") }
        let text = p.stderr + p.stdout
        let url = text[text.range(of: "listening on ")!.upperBound...].prefix { !$0.isWhitespace }  // waited for it above
        return Sim(process: p, origin: String(url.hasSuffix("/v1") ? url.dropLast(3) : url))
    }

    static func python(_ script: String, _ args: [String], env: [String: String] = [:]) throws -> ProcessResult {
        try runProcess(TestEnv.python, [TestEnv.path("tests/interop/" + script)] + args, env: env, timeout: 240)
    }

    static func exchanges(_ path: String) throws -> [Exchange] {
        let (ex, report) = try CassetteFile.exchanges(path: path)
        #expect(report.issue == nil)
        return ex.sorted { $0.startMonoNs < $1.startMonoNs }
    }

    /// The checks every LLM cassette must pass: increasing chunk times, TTFT after the request
    /// was sent, server usage, complete tool calls, keys redacted, one linked trajectory.
    static func checkTrajectory(_ llm: [Exchange], cassette: String, secret: String, streamed: [Bool]) throws {
        #expect(llm.count == streamed.count)
        let t = llm.first?.trajectory
        #expect(t != nil)
        for (k, ex) in llm.enumerated() {
            #expect(ex.outcome == .complete)
            #expect(ex.trajectory == t)
            #expect(ex.turn == k)
            #expect(ex.parent == (k == 0 ? nil : llm[k - 1].id))
            let chunks = ex.response?.chunks ?? []
            #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.tNs <= $1.tNs })
            #expect(ex.timing.sentNs.map { s in chunks.allSatisfy { $0.tNs >= s } } == true)
            let usage = try #require(ex.facts.usage)
            #expect(usage.output > 0 && usage.input > 0)
            #expect(!ex.facts.usageCounted)
            #expect(ex.facts.stream == streamed[k])
            if streamed[k] {
                let ttft = try #require(ex.facts.ttftNs)
                #expect(ttft >= (ex.timing.sentNs ?? .max))
                #expect(ex.facts.tokenNs.count >= 1)
                #expect(zip(ex.facts.tokenNs, ex.facts.tokenNs.dropFirst()).allSatisfy { $0 <= $1 })
                #expect(chunks.count > 1)
            }
            for h in ["authorization", "x-api-key"] {
                if let v = ex.request.headers.first(h) { #expect(v == Redactor.placeholder) }
            }
        }
        let raw = try runProcess("/bin/sh", ["-c", "lz4 -dc < '\(cassette)'"])
        #expect(raw.code == 0)
        #expect(!raw.stdout.contains(secret), "the API key reached the cassette")
    }

    @Test("openai: streamed chat with tool calls, then a non-streamed call")
    func openai() throws {
        let dir = TempDir()
        let sim = try Self.startSim(dir)
        defer { sim.process.stop() }
        let cassette = dir.file("openai.cassette")
        let proxy = try ProxyProcess.start(["record", "--upstream", sim.origin, "-o", cassette, "--listen", "127.0.0.1:0"])
        let r = try Self.python("proxy_openai.py", [proxy.baseURL + "/v1"])
        #expect(r.code == 0, "\(r.stderr)")
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 30) == 0)
        let seen = try JSON.parse(r.stdout)
        let llm = try Self.exchanges(cassette)
        try Self.checkTrajectory(llm, cassette: cassette, secret: "sk-test-interop-0123456789abcdefghij", streamed: [true, true, false])
        for (k, turn) in (seen["turns"]?.arrayValue ?? []).enumerated() where k < llm.count {
            let calls = (turn["tool_calls"]?.arrayValue ?? []).map {
                ToolCall(id: $0["id"]?.stringValue, name: $0["name"]?.stringValue ?? "", arguments: $0["arguments"]?.stringValue ?? "")
            }
            #expect(llm[k].facts.toolCalls == calls)
            #expect(llm[k].facts.usage?.output == turn["usage"]?["completion"]?.intValue)
            #expect(llm[k].facts.usage?.input == turn["usage"]?["prompt"]?.intValue)
        }
        #expect(llm.last?.facts.outputText == seen["turns"]?[2]?["text"]?.stringValue)
    }

    @Test("anthropic: streamed messages with tool use")
    func anthropic() throws {
        let dir = TempDir()
        let sim = try Self.startSim(dir)
        defer { sim.process.stop() }
        let cassette = dir.file("anthropic.cassette")
        let proxy = try ProxyProcess.start(["record", "--upstream", sim.origin, "-o", cassette, "--listen", "127.0.0.1:0"])
        let r = try Self.python("proxy_anthropic.py", [proxy.baseURL])
        #expect(r.code == 0, "\(r.stderr)")
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 30) == 0)
        let seen = try JSON.parse(r.stdout)
        let llm = try Self.exchanges(cassette)
        #expect(llm.allSatisfy { $0.facts.dialect == .anthropicMessages })
        try Self.checkTrajectory(llm, cassette: cassette, secret: "sk-ant-test-interop-0123456789abcdef", streamed: [true, true])
        let call = try #require(llm.first?.facts.toolCalls.first)
        let asked = try #require(seen["turns"]?[0]?["tool_calls"]?[0])
        #expect(call.id == asked["id"]?.stringValue)
        #expect(call.name == "get_weather")
        #expect((try? JSON.parse(call.arguments)) == asked["arguments"])
        #expect(llm.last?.facts.outputText == seen["turns"]?[1]?["text"]?.stringValue)
        #expect(llm.last?.facts.usage?.output == seen["turns"]?[1]?["usage"]?["output"]?.intValue)
    }

    @Test("openai-agents: an Agent with two function tools under tapedeck run --record")
    func agents() throws {
        let dir = TempDir()
        let sim = try Self.startSim(dir)
        defer { sim.process.stop() }
        let cassette = dir.file("agents.cassette")
        let r = try tapedeck(["run", "--record", cassette, "--upstream", sim.origin, "--", TestEnv.python, TestEnv.path("tests/interop/proxy_agents.py")],
                             env: ["OPENAI_API_KEY": "sk-test-interop-0123456789abcdefghij"], timeout: 240)
        #expect(r.code == 0, "\(r.stderr)")
        let seen = try JSON.parse(r.stdout.split(separator: "\n").last.map(String.init) ?? "")
        #expect(seen["tool_calls"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["get_weather", "get_time"])
        let llm = try Self.exchanges(cassette)
        #expect(llm.allSatisfy { $0.facts.dialect == .openaiResponses })
        try Self.checkTrajectory(llm, cassette: cassette, secret: "sk-test-interop-0123456789abcdefghij", streamed: [true, true, true])
        #expect(llm.flatMap(\.facts.toolCalls).map(\.name) == ["get_weather", "get_time"])
        #expect(llm.flatMap(\.facts.toolCalls).map { (try? JSON.parse($0.arguments)) } == [.obj([("city", "Paris")]), .obj([("tz", "Europe/Paris")])])
        #expect(llm.last?.facts.outputText == seen["final"]?.stringValue)
    }

    @Test("mcp: client and server over streamable HTTP through the proxy, tools/call linked to the LLM tool call")
    func mcpHTTP() throws {
        let dir = TempDir()
        let sim = try Self.startSim(dir)
        defer { sim.process.stop() }
        let port = freeLoopbackPort()
        let server = try BackgroundProcess(TestEnv.python, [TestEnv.path("tests/interop/mcp_server.py"), "http", String(port)])
        defer { server.stop() }
        #expect(server.waitForPort(port, timeout: 60))
        let cassette = dir.file("mcp.cassette")
        let proxy = try ProxyProcess.start(["record", "--upstream", sim.origin, "--route", "/mcp=http://127.0.0.1:\(port)/mcp",
                                            "-o", cassette, "--listen", "127.0.0.1:0"])
        let client = try Self.python("mcp_client.py", ["http", proxy.baseURL + "/mcp"])
        #expect(client.code == 0, "\(client.stderr)")
        let seen = try JSON.parse(client.stdout)
        #expect(seen["add"] == .array(["5"]))
        let agent = try Self.python("proxy_mcp_agent.py", [proxy.baseURL + "/v1", proxy.baseURL + "/mcp"])
        #expect(agent.code == 0, "\(agent.stderr)")
        proxy.process.signal(SIGTERM)
        #expect(proxy.process.wait(timeout: 30) == 0)
        let all = try Self.exchanges(cassette)
        let mcp = all.filter { $0.facts.dialect == .mcp }
        let calls = mcp.filter { $0.facts.mcp?.method == "tools/call" }
        #expect(calls.count == 3)
        let add = try #require(calls.first { $0.facts.mcp?.tool == "add" })
        #expect(add.facts.mcp?.arguments == .obj([("a", 2), ("b", 3)]))
        #expect(add.facts.mcp?.result?["content"]?[0]?["text"]?.stringValue == "5")
        #expect(add.link == nil)
        #expect(mcp.contains { $0.facts.mcp?.method == "tools/list" })
        // The agent's loop: LLM turn 0 asks read_note, the MCP call answers it, LLM turn 1 uses it.
        let llm = all.filter { $0.facts.dialect == .openaiChat }
        #expect(llm.count == 2)
        #expect(llm.last?.parent == llm.first?.id)
        let asked = try #require(llm.first?.facts.toolCalls.first)
        let answered = try #require(calls.last)
        #expect(answered.facts.mcp?.tool == "read_note")
        #expect(answered.link == ToolLink(exchange: llm.first!.id, toolCallId: asked.id))  // llm has two elements
        #expect(answered.trajectory == llm.first?.trajectory)
    }

    @Test("mcp: client and server over stdio through tapedeck mcp-stdio")
    func mcpStdio() throws {
        let dir = TempDir()
        let cassette = dir.file("stdio.cassette")
        let r = try Self.python("mcp_client.py", ["stdio", TestEnv.tapedeck, "mcp-stdio", "-o", cassette, "--",
                                                  TestEnv.python, TestEnv.path("tests/interop/mcp_server.py"), "stdio"])
        #expect(r.code == 0, "\(r.stderr)")
        let seen = try JSON.parse(r.stdout)
        #expect(seen["note"] == .array(["buy milk (todo)"]))
        #expect(eventually(10) { ((try? CassetteFile.readAll(path: cassette).records.count) ?? 0) >= 9 })
        let (records, report) = try CassetteFile.readAll(path: cassette)
        #expect(report.issue == nil)
        let msgs = records.compactMap { if case .message(let m) = $0 { return m }; return nil }.sorted { $0.seq < $1.seq }
        let calls = msgs.filter { $0.direction == .toServer && $0.message["method"]?.stringValue == "tools/call" }
        #expect(calls.compactMap { $0.message["params"]?["name"]?.stringValue } == ["add", "read_note"])
        for call in calls {
            let answer = msgs.first { $0.direction == .toClient && $0.message["id"] == call.message["id"] }
            #expect(answer != nil)
            #expect((answer?.monoNs ?? 0) >= call.monoNs)
        }
        #expect(zip(msgs, msgs.dropFirst()).allSatisfy { $0.monoNs <= $1.monoNs })
    }
}
