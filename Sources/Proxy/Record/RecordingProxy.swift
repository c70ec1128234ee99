import Cassette
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Everything `tapedeck record` and `tapedeck run --record` start: the forwarding server,
/// the cassette writer with its pipeline, the metrics and the optional admin listener.
///
/// Build it (which opens the cassette and checks every setting), ``start()`` it (which binds
/// the listeners, so the ports are known), then run ``services`` in a service group; call
/// ``shutdownClient()`` once the group has finished.
public final class RecordingProxy: Sendable {
    /// The settings.
    public let options: RecordingProxyOptions
    /// The cassette writer (nil when recording is off).
    public let recorder: CassetteRecorder?
    /// The metrics.
    public let metrics: ProxyMetrics
    /// The forwarding listener.
    public let server: HTTPServer
    /// The admin listener, when asked for.
    public let admin: HTTPServer?
    let client: UpstreamClient
    let logger: Logger

    /// Checks the settings and opens the cassette. Throws ``ProxyConfigError`` or a
    /// `CassetteError` with a message that says what to fix.
    ///
    /// `wrap`, when given, puts another handler in front of the forwarder (replay answers from
    /// a cassette and forwards only its misses).
    public init(options: RecordingProxyOptions, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "tapedeck.proxy"),
                wrap: ((ForwardHandler) -> any HTTPHandler)? = nil) throws {
        try options.validate()
        self.options = options
        self.logger = logger
        let metrics: ProxyMetrics
        var lastID = 0
        var linkerConfig = TrajectoryLinker.Configuration()
        if let path = options.output {
            if options.append, let existing = try? ExistingCassette.scan(path: path) {
                lastID = existing.lastExchangeNumber
                linkerConfig.idPrefix = "t\(existing.runs + 1)-"
            }
            let header = CassetteHeader(tool: options.tool, createdUnixNs: HostFacts.unixNs(), host: HostFacts.current(), meta: options.headerMeta)
            // The pipeline needs the metrics and the metrics need the recorder: build in two steps.
            let box = PipelineBox()
            let recorder = try CassetteRecorder(path: path, header: header, redactor: options.redactor, append: options.append,
                                                flushInterval: options.flushInterval, logger: logger,
                                                prepare: { box.pipeline?.prepare(&$0) })
            metrics = ProxyMetrics(recorder: recorder)
            box.set(RecordingPipeline(linker: TrajectoryLinker(configuration: linkerConfig), metrics: metrics))
            self.recorder = recorder
        } else {
            metrics = ProxyMetrics(recorder: nil)
            self.recorder = nil
        }
        self.metrics = metrics
        client = try UpstreamClient(options.upstream, group: group)
        var observers: [any ForwardObserver] = [metrics]
        if let recorder { observers.append(CassetteSink(recorder: recorder, failClosed: options.failClosed)) }
        let handler = ForwardHandler(
            configuration: .init(routes: options.routes, authToken: options.authToken, maxRecordedBody: options.maxRecordedBody),
            client: client, observer: ForwardObservers(observers), ids: ExchangeIDs(after: lastID))
        server = HTTPServer(configuration: .init(host: options.listenHost, port: options.listenPort, drain: options.drain),
                            handler: wrap?(handler) ?? handler, group: group, logger: logger)
        if let host = options.adminHost, let port = options.adminPort {
            admin = HTTPServer(configuration: .init(host: host, port: port, drain: .seconds(1)),
                               handler: AdminHandler(metrics: metrics, failClosed: options.failClosed,
                                                     authToken: RecordingProxyOptions.isLoopback(host) ? nil : options.authToken),
                               group: group, logger: logger)
        } else {
            admin = nil
        }
    }

    /// Binds the listeners. Throws ``ProxyConfigError`` when an address cannot be used.
    public func start() async throws {
        do { try await server.start() } catch {
            await client.shutdown()
            throw ProxyConfigError("cannot listen on \(options.listenHost):\(options.listenPort): \(error)")
        }
        if let admin {
            do { try await admin.start() } catch {
                await client.shutdown()
                throw ProxyConfigError("cannot listen on admin address \(options.adminHost ?? ""):\(options.adminPort ?? 0): \(error)")
            }
        }
    }

    /// The services, in start order: the writer first, so that it stops last, after the
    /// proxy has drained.
    public var services: [ServiceGroupConfiguration.ServiceConfiguration] {
        var s: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let recorder { s.append(.init(service: RecorderService(recorder), successTerminationBehavior: .gracefullyShutdownGroup)) }
        if let admin { s.append(.init(service: admin, successTerminationBehavior: .gracefullyShutdownGroup)) }
        s.append(.init(service: server, successTerminationBehavior: .gracefullyShutdownGroup))
        return s
    }

    /// The proxy's base URL, `http://127.0.0.1:PORT` (with `/t/<token>` when a token is set).
    public var baseURL: String {
        let host = options.listenHost.contains(":") ? "[\(options.listenHost)]" : options.listenHost
        let token = options.authToken.map { "/t/\($0)" } ?? ""
        return "http://\(host):\(server.port ?? options.listenPort)\(token)"
    }

    /// Closes the outbound client; call once the services have stopped.
    public func shutdownClient() async {
        await client.shutdown()
    }
}

/// Hands the pipeline to the recorder's `prepare` hook once both exist.
/// `@unchecked Sendable`: `pipeline` is written once, before the first record is queued.
final class PipelineBox: @unchecked Sendable {
    private(set) var pipeline: RecordingPipeline?
    func set(_ p: RecordingPipeline) { pipeline = p }
}

/// What an existing cassette holds, so that appending continues its numbering.
enum ExistingCassette {
    struct Summary { var lastExchangeNumber = 0; var runs = 0 }

    static func scan(path: String) throws -> Summary {
        var s = Summary()
        try CassetteFile.read(path: path, mode: .raw) { line in
            guard line.json["type"]?.stringValue == "exchange" else { return }
            if let id = line.json["id"]?.stringValue, id.first == "x", let n = Int(id.dropFirst()) { s.lastExchangeNumber = max(s.lastExchangeNumber, n) }
            if let t = line.json["trajectory"]?.stringValue, let run = runNumber(ofTrajectory: t) { s.runs = max(s.runs, run) }
        }
        s.runs = max(1, s.runs)
        return s
    }

    /// The recording run an automatically linked trajectory id belongs to: `t0001` is run 1,
    /// `t3-0002` run 3 (each `--append` run uses the next number); nil for explicit session ids.
    static func runNumber(ofTrajectory t: String) -> Int? {
        guard t.first == "t" else { return nil }
        let rest = t.dropFirst()
        if let dash = rest.firstIndex(of: "-") {
            guard let n = Int(rest[..<dash]), n >= 2, Int(rest[rest.index(after: dash)...]) != nil else { return nil }
            return n
        }
        return Int(rest) != nil ? 1 : nil
    }
}
