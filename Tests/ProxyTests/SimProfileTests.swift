import Foundation
import TestSupport
import Testing
@testable import Proxy

@Suite struct SimProfileTests {
    @Test func bundledProfilesMatchTheirFilesByteForByte() throws {
        for entry in SimBundledProfiles.all {
            let file = try String(contentsOfFile: TestEnv.path("configs/sim/\(entry.name).yaml"), encoding: .utf8)
            #expect(file == entry.yaml, "configs/sim/\(entry.name).yaml and SimBundledProfiles differ; keep them identical")
        }
        #expect(SimProfile.bundledNames == ["tiny", "h100-70b"])
    }

    @Test func bundledProfilesLoad() throws {
        let tiny = try SimProfile.named("tiny")
        #expect(tiny.models == ["tiny-sim"])
        #expect(tiny.acceptAnyModel)
        #expect(tiny.performance.stepBaseNs == 2_000_000)
        let big = try SimProfile.named("h100-70b")
        #expect(!big.accepts(model: "gpt-4o"))
        #expect(big.accepts(model: "llama-3.3-70b-instruct"))
        #expect(big.performance.maxSequences == 256)
        #expect(big.performance.prefillTokensPerSecond == 6000)
        #expect(big.performance.stepPerContextTokenNs == 60)
        #expect(try SimProfile.load(path: TestEnv.path("configs/sim/h100-70b.yaml")) == big)
    }

    @Test func unknownNameAndBadFilesAreClearErrors() throws {
        #expect(throws: SimConfigError.self) { try SimProfile.named("nope") }
        #expect(throws: SimConfigError.self) { try SimProfile.load(path: "/nonexistent/x.yaml") }
        let cases: [(String, String)] = [
            ("name: x\nscheduler: {max_sequnces: 4}\n", "unknown key 'scheduler.max_sequnces'"),
            ("scheduler: {max_sequences: 0}\n", "max_sequences"),
            ("prefill: {tokens_per_second: -1}\n", "tokens_per_second"),
            ("faults: {error_rate: 2}\n", "probability"),
            ("output: {content: poetry}\n", "lorem, echo or script"),
            ("output: {content: script}\n", "output.script is missing"),
            ("models: [a, [b]]\n", "list of strings"),
            ("decode: {step_base_ms: fast}\n", "must be a number"),
            ("key: [unclosed\n", "invalid YAML"),
            ("- just\n- a list\n", "must be a mapping"),
        ]
        for (yaml, needle) in cases {
            do {
                _ = try SimProfile.parse(yaml: yaml, source: "t.yaml")
                Issue.record("accepted: \(yaml)")
            } catch let e as SimConfigError {
                #expect(e.message.contains(needle), "\(e.message)")
                #expect(!e.message.contains("\n"))
            }
        }
    }

    @Test func inlineAndFileScripts() throws {
        let p = try SimProfile.parse(yaml: """
            output:
              content: script
              script:
                rules:
                  - when: {last: user}
                    text: hello
            """)
        guard case .script(let s) = p.output.content else { Issue.record("not a script"); return }
        #expect(s.rules.count == 1)
        let file = try SimScript.load(path: TestEnv.path("configs/sim/weather-script.yaml"))
        #expect(file.rules.count == 4)
        #expect(file.rules[0].toolCalls.first?.arguments == #"{"city":"Paris"}"#)
        #expect(throws: SimConfigError.self) { try SimScript.parse(yaml: "rules: []") }
        #expect(throws: SimConfigError.self) { try SimScript.parse(yaml: "rules:\n  - when: {last: robot}\n    text: x") }
        #expect(throws: SimConfigError.self) { try SimScript.parse(yaml: "rules:\n  - when: {last: user}") }
    }

    @Test func scriptRulesMatchTheConversation() throws {
        let s = try SimScript.load(path: TestEnv.path("configs/sim/weather-script.yaml"))
        var c = SimConversation()
        c.toolNames = ["get_weather", "get_time"]
        c.messages = [SimMessage(role: .user, text: "Weather in Paris?")]
        #expect(s.match(c)?.toolCalls.first?.name == "get_weather")
        c.messages.append(SimMessage(role: .assistant, text: "", toolCalls: [SimToolCall(id: "c1", name: "get_weather", arguments: "{}")]))
        c.messages.append(SimMessage(role: .tool, text: "sunny", toolCallID: "c1"))
        c.resolveToolNames()
        #expect(s.match(c)?.toolCalls.first?.name == "get_time")
        c.toolNames = ["get_weather"]
        let plan = SimOutputPlan.make(output: SimOutputConfig(content: .script(s)), conversation: c, model: "m", maxTokens: nil,
                                      ignoreEOS: false, allowTools: true, seed: 0, requestHash: 0)
        #expect(plan.fullText() == "Here is what I found: sunny")
        #expect(plan.finish == .stop)
    }
}
