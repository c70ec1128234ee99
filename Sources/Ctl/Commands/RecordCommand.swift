import ArgumentParser
import Cassette
import Foundation
import Logging
import Proxy
import ServiceLifecycle

/// `tapedeck record`: a recording reverse proxy in front of LLM and MCP upstreams.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Forward traffic to upstreams and record every exchange, with token-level timing, into a cassette.",
        discussion: """
            Point an agent at the proxy by its base URL alone, e.g. OPENAI_BASE_URL=http://127.0.0.1:8080/v1.
            The longest matching --route prefix wins and is stripped; --upstream is the route for '/'.
            SIGINT/SIGTERM: in-flight streams finish (up to --drain seconds), then the cassette is closed.
            """)

    @Option(name: [.short, .customLong("output")], help: "The cassette to write.") var output: String
    @OptionGroup var proxy: ProxyCLIOptions

    func run() async throws {
        ProcessSignals.prepare()
        var options = try proxy.makeOptions(defaultRoutes: [])
        options.output = output
        options.headerMeta = ["command": .string("record"), "routes": ProxyCLIOptions.routesJSON(options.routes)]
        let logger = ProxyLogging.make(proxy.logLevel)
        let p: RecordingProxy
        do { p = try RecordingProxy(options: options, logger: logger) } catch let e as ProxyConfigError { throw CLIError.input(e.description) }
        do { try await p.start() } catch let e as ProxyConfigError { throw CLIError.input(e.description) }
        ProxyCLI.note("recording to \(output); listening on \(p.baseURL)\(p.admin.map { " (admin on http://\(options.adminHost ?? ""):\($0.port ?? 0))" } ?? "")")
        for r in options.routes.routes { ProxyCLI.note("  \(r.prefix) -> \(r.upstream)") }
        let group = ServiceGroup(configuration: .init(services: p.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await p.shutdownClient()
        try ProxyCLIOptions.summarize(p, output: output)
    }
}

/// Options shared by `record` and `run`.
struct ProxyCLIOptions: ParsableArguments {
    @Option(help: "The upstream base URL for '/' (e.g. https://api.openai.com).") var upstream: String?
    @Option(name: .customLong("route"), help: ArgumentHelp("A route PREFIX=URL; repeatable; the longest prefix wins and is stripped.", valueName: "prefix=url"))
    var routes: [String] = []
    @Option(help: "A YAML proxy config (listen, upstream, routes, admin, redact…); flags win.") var config: String?
    @Option(help: "Listen address HOST:PORT (default 127.0.0.1:8080; run: a free port).") var listen: String?
    @Option(help: "Admin listener HOST:PORT serving /metrics and /healthz.") var admin: String?
    @Option(help: "Token required in the path (/t/<token>/…); mandatory off loopback.") var authToken: String?
    @Flag(help: "Answer 503 instead of forwarding while the cassette cannot be written.") var failClosed = false
    @Option(help: "Seconds in-flight streams may run after SIGINT/SIGTERM.") var drain: Double?
    @Option(help: "PEM file of extra CA certificates to trust for HTTPS upstreams.") var caFile: String?
    @Option(help: "Upstream connect timeout, seconds.") var connectTimeout: Double?
    @Option(help: "Longest upstream silence before an exchange times out, seconds (default: none).") var readTimeout: Double?
    @Flag(help: "Continue an existing cassette instead of replacing it.") var append = false
    @Option(name: .customLong("redact-header"), help: "An extra header to redact; repeatable.") var redactHeaders: [String] = []
    @Option(name: .customLong("redact-path"), help: "A JSON path in bodies to redact (messages.*.content); repeatable.") var redactPaths: [String] = []
    @Option(name: .customLong("redact-pattern"), help: "A regex whose matches are redacted from all text; repeatable.") var redactPatterns: [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "notice"

    /// Merges the config file, the defaults and the flags into proxy options.
    func makeOptions(defaultRoutes: [(String, String)], defaultListen: String = "127.0.0.1:8080") throws -> RecordingProxyOptions {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw CLIError.input("unknown --log-level '\(logLevel)'; use trace, debug, info, notice, warning, error or critical")
        }
        do {
            let file = try config.map { path throws(ProxyConfigError) in try ProxyConfigFile.load(path: path) } ?? ProxyConfigFile()
            var o = RecordingProxyOptions()
            let listen = try ListenAddress.parse(self.listen ?? file.listen ?? defaultListen)
            o.listenHost = listen.host
            o.listenPort = listen.port
            var table = RouteTable()
            for (p, u) in defaultRoutes { try table.add(prefix: p, upstream: u) }
            if let u = file.upstream { try table.add(prefix: "/", upstream: u) }
            for r in file.routes { try table.add(prefix: r.prefix, upstream: r.url) }
            if let u = upstream { try table.add(prefix: "/", upstream: u) }
            for r in routes { try table.add(spec: r) }
            o.routes = table
            if let a = admin ?? file.admin {
                let addr = try ListenAddress.parse(a)
                o.adminHost = addr.host
                o.adminPort = addr.port
            }
            o.authToken = authToken ?? file.authToken
            o.failClosed = failClosed || (file.failClosed ?? false)
            if let d = drain ?? file.drain {
                guard d >= 0, d.isFinite else { throw ProxyConfigError("--drain must be a number of seconds ≥ 0") }
                o.drain = .milliseconds(Int64(d * 1000))
            }
            o.upstream.caFile = caFile ?? file.caFile
            if let c = connectTimeout ?? file.connectTimeout {
                guard c > 0, c.isFinite else { throw ProxyConfigError("--connect-timeout must be a positive number of seconds") }
                o.upstream.connectTimeout = .milliseconds(Int64(c * 1000))
            }
            if let r = readTimeout ?? file.readTimeout {
                guard r > 0, r.isFinite else { throw ProxyConfigError("--read-timeout must be a positive number of seconds") }
                o.upstream.readTimeout = .milliseconds(Int64(r * 1000))
            }
            o.append = append
            do {
                try o.redactor.add(headers: file.redactHeaders + redactHeaders, jsonPaths: file.redactPaths + redactPaths,
                                   patterns: file.redactPatterns + redactPatterns)
            } catch { throw ProxyConfigError("\(error)") }
            o.tool = "tapedeck \(Tapedeck.version)"
            return o
        } catch {
            if let e = error as? CLIError { throw e }; throw CLIError.input("\(error)")
        }
    }

    static func routesJSON(_ t: RouteTable) -> JSON {
        .object(JSONObject(t.routes.map { ($0.prefix, JSON.string($0.upstream.description)) }))
    }

    /// Prints what was recorded; fails (exit 1) when records were lost.
    static func summarize(_ p: RecordingProxy, output: String) throws {
        guard let s = p.recorder?.stats else { return }
        let exchanges = max(0, s.written - (p.options.append ? 0 : 1))  // minus the header record
        ProxyCLI.note("wrote \(exchanges) records to \(output)\(s.dropped > 0 ? "; \(s.dropped) LOST" : "")")
        if s.dropped > 0 {
            throw CLIError.failed("\(s.dropped) records could not be written to \(output)\(s.failing.map { " (\($0))" } ?? "")")
        }
    }
}

/// Process-wide setup for the long-running commands.
enum ProcessSignals {
    /// Ignores SIGPIPE (a vanished client) and SIGXFSZ (a file-size limit, reported as a write error instead).
    static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
    }
}

/// The structured logger of the long-running commands: swift-log to stderr.
enum ProxyLogging {
    nonisolated(unsafe) static var bootstrapped = false  // Set once from the main command, before any task starts.

    static func make(_ level: String) -> Logger {
        if !bootstrapped {
            bootstrapped = true
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
        }
        var l = Logger(label: "tapedeck")
        l.logLevel = Logger.Level(rawValue: level.lowercased()) ?? .notice
        return l
    }
}

/// Status lines of the long-running commands, on stderr.
enum ProxyCLI {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data(("tapedeck: " + message + "\n").utf8))
    }
}
