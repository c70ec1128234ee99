import Cassette
import Foundation
import TestSupport
import Testing
@testable import Proxy

/// The real Python SDKs (`openai`, `anthropic`, `openai-agents` from `.venv`, made by
/// `make pydeps`) against an in-process simulator on 127.0.0.1.
@Suite(.serialized) struct SimInteropTests {
    static func scripted() throws -> SimProfile {
        var p = try SimProfile.named("tiny")
        p.output.content = .script(try SimScript.load(path: TestEnv.path("configs/sim/weather-script.yaml")))
        return p
    }

    func run(_ script: String, _ args: [String], profile: SimProfile) async throws {
        guard TestEnv.hasPython else {
            Issue.record("no interop Python at \(TestEnv.python); run 'make pydeps'")
            return
        }
        let result = try await withSim(profile) { sim, _ in
            try runProcess(TestEnv.python, [TestEnv.path("tests/interop/\(script)"), sim.baseURL] + args, timeout: 180)
        }
        #expect(result.code == 0, "\(script) \(args): \(result.stdout) \(result.stderr.suffix(2000))")
        #expect(result.stdout.contains(#""ok": true"#))
    }

    @Test func openAISDKStreamedAndNot() async throws {
        try await run("sim_openai.py", ["lorem"], profile: try SimProfile.named("tiny"))
    }

    @Test func openAISDKToolLoop() async throws {
        try await run("sim_openai.py", ["script"], profile: try Self.scripted())
    }

    @Test func anthropicSDKStreamedAndNot() async throws {
        try await run("sim_anthropic.py", ["lorem"], profile: try SimProfile.named("tiny"))
    }

    @Test func anthropicSDKToolLoop() async throws {
        try await run("sim_anthropic.py", ["script"], profile: try Self.scripted())
    }

    @Test func openAIAgentsCompleteAScriptedToolLoop() async throws {
        try await run("sim_agents.py", [], profile: try Self.scripted())
    }
}
