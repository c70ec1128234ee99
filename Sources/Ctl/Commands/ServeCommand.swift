import ArgumentParser
import Cassette
import Foundation
import Proxy
import ServiceLifecycle

/// `tapedeck serve CASSETTE`: answer agents from a cassette, deterministically.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer LLM and MCP requests from a cassette (offline replay for CI).",
        discussion: """
            Modes (vcrpy's meanings): none answers only from the cassette and a miss is an error (the default);
            once records everything when the cassette does not exist yet, else behaves as none; new-episodes
            answers hits and forwards and appends misses; all forwards and re-records everything.
            Timing: instant (default), recorded (every recorded gap), scale:F (gaps times F), cap:MS (each gap at most MS).
            A miss gets a cassette_miss error in the API's own shape naming the nearest recorded request and the
            first differing JSON path. When serve stops it prints hits and misses; --strict-exit exits 3 on any miss.
            """)

    @Argument(help: "The cassette to replay.") var cassette: String
    @OptionGroup var replay: ReplayCLIOptions
    @OptionGroup var proxy: ProxyCLIOptions
    @Flag(help: "Exit 3 when any request missed.") var strictExit = false

    func run() async throws {
        ProcessSignals.prepare()
        let launch = try ReplayLaunch(cassette: cassette, replay: replay, proxy: proxy, defaultListen: "127.0.0.1:8080", command: ["serve"])
        try await launch.start()
        ProxyCLI.note("replaying \(cassette) (\(launch.exchangeCount) exchanges, mode \(launch.mode.rawValue), timing \(replay.timing)); listening on \(launch.proxy.baseURL)")
        let group = ServiceGroup(configuration: .init(services: launch.proxy.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: launch.logger))
        try await group.run()
        await launch.proxy.shutdownClient()
        let stats = launch.summarize()
        try launch.finishRecording()
        if strictExit, stats.misses > 0 { throw CLIError.divergence("\(stats.misses) request(s) missed the cassette (--strict-exit)") }
    }
}

/// Options shared by `serve` and `run --replay`.
struct ReplayCLIOptions: ParsableArguments {
    @Option(help: "none | once | new-episodes | all.") var mode: String = "none"
    @Option(help: "instant | recorded | scale:F | cap:MS.") var timing: String = "instant"
    @Flag(help: "Let a recorded response answer identical requests more than once.") var allowRepeats = false
    @Option(name: .customLong("ignore-path"), help: "A JSON path in request bodies that matching ignores (metadata.user_id); repeatable.")
    var ignorePaths: [String] = []
    @Option(name: .customLong("ignore-pattern"), help: "A regex whose matches matching ignores in all request text; repeatable.")
    var ignorePatterns: [String] = []
    @Option(name: .customLong("match-header"), help: "A request header that takes part in matching; repeatable.")
    var matchHeaders: [String] = []
}

/// Builds a replay server from the command line: reads the cassette, merges match rules,
/// and wraps the forwarding proxy with the replay engine.
final class ReplayLaunch {
    let proxy: RecordingProxy
    let engine: ReplayEngine
    let mode: ReplayMode
    let cassette: String
    let exchangeCount: Int
    let logger: Logger
    let recording: Bool

    /// The cassette header's metadata (the recording command, its routes).
    let headerMeta: JSONObject

    /// Where the served session is recorded (`run --replay X --record FRESH`).
    let sessionOutput: String?

    init(cassette: String, replay: ReplayCLIOptions, proxy cli: ProxyCLIOptions, defaultListen: String, command: [String],
         recordSessionTo: String? = nil, defaultRoutes: (JSONObject) -> [(String, String)] = { _ in [] }) throws {
        self.cassette = cassette
        let mode: ReplayMode, timing: ReplayTiming
        do { mode = try ReplayMode.parse(replay.mode); timing = try ReplayTiming.parse(replay.timing) } catch { throw CLIError.input("\(error)") }
        self.mode = mode
        let exists = FileManager.default.fileExists(atPath: cassette)
        var exchanges: [Exchange] = []
        var headerRules = MatchRules()
        var meta = JSONObject()
        if exists {
            let (records, report) = try CassetteFile.readAll(path: cassette)
            if let issue = report.issue {
                throw CLIError.input("\(cassette) is damaged: \(issue); run 'tapedeck cassette verify \(cassette)'")
            }
            for r in records {
                switch r {
                case .exchange(let e): exchanges.append(e)
                case .header(let h):
                    meta = h.meta
                    if let m = h.meta["match"] {
                        do { headerRules = try MatchRules(json: m) } catch { throw CLIError.input("\(cassette): header match rules: \(error)") }
                    }
                default: break
                }
            }
        }
        let recordAll = mode == .all || (mode == .once && !exists)
        recording = recordAll || mode == .newEpisodes
        if !recording {
            guard exists else { throw CLIError.input("no such cassette: \(cassette) (mode \(mode.rawValue) answers only from an existing cassette)") }
            if exchanges.isEmpty {
                throw CLIError.input("\(cassette) holds no exchanges to replay; record one first (tapedeck run --record \(cassette) -- …) or use --mode new-episodes")
            }
        }
        headerMeta = meta
        if recordSessionTo != nil, recording {
            throw CLIError.input("--record with --replay records the replayed session and needs --mode none (mode \(mode.rawValue) records into the cassette itself)")
        }
        sessionOutput = recordSessionTo
        var options = try cli.makeOptions(defaultRoutes: recording ? defaultRoutes(meta) : [], defaultListen: defaultListen)
        options.requiresUpstream = recording
        options.output = recording ? cassette : recordSessionTo
        options.append = mode == .newEpisodes
        options.headerMeta = ["command": .array(command.map { .string($0) }), "routes": ProxyCLIOptions.routesJSON(options.routes)]
        if recordSessionTo != nil {
            options.headerMeta["replayed_from"] = .string(cassette)
            if let r = meta["routes"] { options.headerMeta["routes"] = r }
        }
        var rules = headerRules
        do {
            if let path = cli.config, let m = try ProxyConfigFile.load(path: path).match { rules = rules.merged(with: try MatchRules(json: m)) }
            var flags = MatchRules(headers: replay.matchHeaders)
            for p in replay.ignorePaths { flags.ignorePaths.append(try JSONPathPattern(p)) }
            for p in replay.ignorePatterns { flags.ignorePatterns.append(try RedactionPattern(p)) }
            rules = rules.merged(with: flags)
        } catch let e as CLIError { throw e } catch { throw CLIError.input("\(error)") }
        if recording, !rules.ignorePaths.isEmpty || !rules.ignorePatterns.isEmpty || !rules.headers.isEmpty {
            options.headerMeta["match"] = rules.toJSON()
        }
        var ropts = ReplayOptions(cassette: cassette)
        ropts.mode = mode
        ropts.timing = timing
        ropts.allowRepeats = replay.allowRepeats
        exchangeCount = exchanges.count
        logger = ProxyLogging.make(cli.logLevel)
        var built: ReplayEngine?
        let redactor = options.redactor
        let token = options.authToken
        let log = logger
        do {
            proxy = try RecordingProxy(options: options, logger: logger) { forward in
                let e = ReplayEngine(exchanges: exchanges, options: ropts, rules: rules, forward: forward, recordAll: recordAll,
                                     redactor: redactor, authToken: token, logger: log)
                built = e
                return e
            }
        } catch let e as ProxyConfigError { throw CLIError.input(e.description) }
        // RecordingProxy calls the wrapper once, in its initializer.
        guard let engine = built else { throw CLIError.input("internal error: the replay engine was not built") }
        self.engine = engine
        if recordSessionTo != nil, let r = proxy.recorder { engine.recordServed(into: r) }
    }

    func start() async throws {
        do { try await proxy.start() } catch let e as ProxyConfigError { throw CLIError.input(e.description) }
    }

    /// Prints hits, misses and what was never played; returns the counters.
    @discardableResult
    func summarize() -> ReplayStats {
        let s = engine.currentStats
        ProxyCLI.note("replay summary: \(s.hits) hits, \(s.misses) misses\(s.forwarded > 0 ? ", \(s.forwarded) forwarded" : ""); \(s.unplayed) recorded exchanges not played")
        for m in s.missMessages.prefix(20) { ProxyCLI.note("  miss: \(m)") }
        if s.missMessages.count > 20 { ProxyCLI.note("  … and \(s.missMessages.count - 20) more misses") }
        return s
    }

    /// In recording modes, reports what was written (and fails when records were lost).
    func finishRecording() throws {
        if recording { try ProxyCLIOptions.summarize(proxy, output: cassette) }
        if let s = sessionOutput { try ProxyCLIOptions.summarize(proxy, output: s) }
    }
}

import Logging
