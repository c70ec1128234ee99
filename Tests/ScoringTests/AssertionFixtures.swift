import Cassette
@testable import Scoring

/// The cassettes assertion tests judge.
enum AssertionFixtures: String, CaseIterable, Sendable {
    /// Two weather-agent trajectories (Paris, Tokyo), clean.
    case main
    /// The same with an MCP tool error and an HTTP 529 turn.
    case withErrors
    /// The model calls a tool the request did not offer.
    case hallucinated

    static func exchanges(_ f: AssertionFixtures) -> [Exchange] {
        switch f {
        case .main:
            return AgentScript.weatherAgent(trajectory: "traj-1").build()
                + AgentScript.weatherAgent(trajectory: "traj-2", startMs: 60_000, idPrefix: "y", city: "Tokyo").build()
        case .withErrors:
            var s = AgentScript.weatherAgent()
            s.steps[0].calls[0].mcpError = .obj([("code", -32000), ("message", "weather service down")])
            s.steps.insert(AgentScript.Step(ttftMs: 100, status: 529), at: 1)
            return s.build()
        case .hallucinated:
            var s = AgentScript.weatherAgent()
            s.steps[1].calls[0].name = "get_radar"
            return s.build()
        }
    }

    var view: CassetteView { CassetteView(exchanges: Self.exchanges(self)) }

    /// A baseline whose system prompt and tools differ from `main`'s.
    static var changedBaseline: CassetteView {
        var s = AgentScript.weatherAgent()
        s.system = "You are a weather agent."
        s.tools = ["get_weather", "get_alerts"]
        return CassetteView(exchanges: s.build())
    }

    static let prices = PriceTable(models: [("gpt-4o-mini", .init(input: 0.15, cachedInput: 0.075, output: 0.60))], source: "test prices")

    static var context: EvaluationContext {
        EvaluationContext(baselines: ["same.cassette": AssertionFixtures.main.view, "old.cassette": changedBaseline],
                          defaultBaseline: "same.cassette", prices: prices)
    }

    /// Parses one assertion written as YAML.
    static func spec(_ yaml: String) throws(ConfigError) -> AssertionSpec {
        try AssertionParser.parse(try YAMLNode.parse(yaml, file: "case.yaml"))
    }

    /// Evaluates one assertion written as YAML on a fixture.
    static func evaluate(_ yaml: String, on f: AssertionFixtures = .main) throws -> AssertionResult {
        Evaluator.evaluate(try spec(yaml), on: .run(f.view), context: context)
    }
}
