import ArgumentParser
import Cassette
import Foundation
import Proxy
import ServiceLifecycle

/// `tapedeck run --record FILE -- <agent command>`: run an agent behind a recording proxy;
/// `tapedeck run --replay FILE -- <agent command>`: run it against a cassette, offline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an agent with its LLM base URLs pointed at a recording (--record) or replaying (--replay) proxy on a free loopback port.",
        discussion: """
            The child gets OPENAI_BASE_URL, OPENAI_API_BASE, ANTHROPIC_BASE_URL and TAPEDECK_PROXY_URL.
            With --upstream URL both OpenAI and Anthropic traffic go to URL. Without it, OpenAI traffic goes
            to $OPENAI_BASE_URL (default https://api.openai.com/v1) and Anthropic traffic to $ANTHROPIC_BASE_URL
            (default https://api.anthropic.com). Signals are passed on; tapedeck exits with the child's code.
            With --replay the agent is answered from the cassette (see 'tapedeck serve --help' for --mode and
            --timing); in mode none any miss makes tapedeck exit 3.
            """)

    @Option(help: "The cassette to record into (with --replay: record the replayed session there).") var record: String?
    @Option(help: "The cassette to replay from.") var replay: String?
    @OptionGroup var proxy: ProxyCLIOptions
    @OptionGroup var replayOptions: ReplayCLIOptions
    @Argument(parsing: .postTerminator, help: "The agent command and its arguments, after '--'.") var command: [String] = []

    func run() async throws {
        ProcessSignals.prepare()
        if let replay { try await runReplay(cassette: replay, recordSessionTo: record); return }
        guard let record else { throw CLIError.input("tell run what to do: --record FILE or --replay FILE (e.g. tapedeck run --record run.cassette -- python agent.py)") }
        guard !command.isEmpty else { throw CLIError.input("no agent command: put it after '--', e.g. tapedeck run --record run.cassette -- python agent.py") }
        let env = ProcessInfo.processInfo.environment
        let plan = AgentEnvironment.plan(upstream: proxy.upstream, environment: env)
        var options = try proxy.makeOptions(defaultRoutes: plan.routes, defaultListen: "127.0.0.1:0")
        options.output = record
        options.headerMeta = ["command": "run", "agent": .array(command.map { .string($0) }),
                              "routes": ProxyCLIOptions.routesJSON(options.routes)]
        let logger = ProxyLogging.make(proxy.logLevel)
        let p: RecordingProxy
        do { p = try RecordingProxy(options: options, logger: logger) } catch let e as ProxyConfigError { throw CLIError.input(e.description) }
        do { try await p.start() } catch let e as ProxyConfigError { throw CLIError.input(e.description) }
        let child: ChildProcess
        do { child = try ChildProcess(command: command, environment: plan.childEnvironment(base: p.baseURL)) } catch {
            await p.shutdownClient()
            throw CLIError.input(error.description)
        }
        ProxyCLI.note("recording to \(record) through \(p.baseURL)")
        var services = p.services
        services.append(.init(service: child, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        try await group.run()
        await p.shutdownClient()
        try ProxyCLIOptions.summarize(p, output: record)
        let code = child.exitCode ?? 1
        if code != 0 { throw ExitCode(code) }
    }
}

/// Which base-URL variables an agent gets, and where each proxy route leads.
enum AgentEnvironment {
    struct Plan {
        var routes: [(String, String)]
        var openAIPath: String
        var anthropicPath: String

        func childEnvironment(base: String) -> [String: String] {
            [
                "OPENAI_BASE_URL": base + openAIPath,
                "OPENAI_API_BASE": base + openAIPath,
                "ANTHROPIC_BASE_URL": base + anthropicPath,
                "TAPEDECK_PROXY_URL": base,
            ]
        }
    }

    static func plan(upstream: String?, environment env: [String: String]) -> Plan {
        if upstream != nil {
            // --upstream becomes the route for '/': both SDKs append their usual paths.
            return Plan(routes: [], openAIPath: "/v1", anthropicPath: "")
        }
        let openai = env["OPENAI_BASE_URL"] ?? env["OPENAI_API_BASE"] ?? "https://api.openai.com/v1"
        let anthropic = env["ANTHROPIC_BASE_URL"] ?? "https://api.anthropic.com"
        return Plan(routes: [("/openai", openai), ("/anthropic", anthropic)], openAIPath: "/openai", anthropicPath: "/anthropic")
    }
}
