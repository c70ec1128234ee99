import ArgumentParser
import Cassette
import Foundation
import Proxy
import ServiceLifecycle

extension RunCommand {
    /// `run --replay`: the agent talks to a replay server with the same base-URL layout it was
    /// recorded with, so its requests carry the same paths.
    func runReplay(cassette: String, recordSessionTo: String?) async throws {
        guard !command.isEmpty else { throw CLIError.input("no agent command: put it after '--', e.g. tapedeck run --replay run.cassette -- python agent.py") }
        let env = ProcessInfo.processInfo.environment
        let launch = try ReplayLaunch(cassette: cassette, replay: replayOptions, proxy: proxy, defaultListen: "127.0.0.1:0",
                                      command: ["run", "--replay"] + command, recordSessionTo: recordSessionTo) { _ in
            AgentEnvironment.plan(upstream: proxy.upstream, environment: env).routes
        }
        let plan = Self.replayPlan(recordedMeta: launch.headerMeta, upstream: proxy.upstream, environment: env)
        try await launch.start()
        let child: ChildProcess
        var childEnv = plan.childEnvironment(base: launch.proxy.baseURL)
        if launch.mode == .none {
            // Offline replay needs no credentials, but the SDKs refuse to start without a key: give them a dummy one.
            for key in Self.apiKeyVariables where env[key] == nil { childEnv[key] = Self.dummyAPIKey }
        }
        do { child = try ChildProcess(command: command, environment: childEnv) } catch {
            await launch.proxy.shutdownClient()
            throw CLIError.input(error.description)
        }
        ProxyCLI.note("replaying \(cassette) (mode \(launch.mode.rawValue)) through \(launch.proxy.baseURL)")
        var services = launch.proxy.services
        services.append(.init(service: child, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, logger: launch.logger))
        try await group.run()
        await launch.proxy.shutdownClient()
        let stats = launch.summarize()
        try launch.finishRecording()
        if launch.mode == .none, stats.misses > 0 {
            throw CLIError.divergence("the agent's behaviour diverged from \(cassette): \(stats.misses) request(s) missed; first: \(stats.missMessages.first ?? "")")
        }
        let code = child.exitCode ?? 1
        if code != 0 { throw ExitCode(code) }
    }

    /// API-key variables that `run --replay` in mode none sets to ``dummyAPIKey`` when they are unset.
    static let apiKeyVariables = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
    /// The placeholder key an offline replay hands the agent's SDK.
    static let dummyAPIKey = "tapedeck-replay-no-key-needed"

    /// The base-URL layout of the recording (from its header's routes), so replayed paths match.
    static func replayPlan(recordedMeta: JSONObject, upstream: String?, environment: [String: String]) -> AgentEnvironment.Plan {
        if let routes = recordedMeta["routes"]?.objectValue {
            // Each SDK gets the path its traffic was recorded under: its own route when the recording
            // had one (run --record without --upstream, or record --route /anthropic=…), else '/'.
            return AgentEnvironment.Plan(routes: [], openAIPath: routes["/openai"] != nil ? "/openai" : "/v1",
                                         anthropicPath: routes["/anthropic"] != nil ? "/anthropic" : "")
        }
        return AgentEnvironment.plan(upstream: upstream, environment: environment)
    }
}
