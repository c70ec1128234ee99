import Cassette

/// Settings of a recording proxy (`tapedeck record`, `tapedeck run --record`, the benchmark).
public struct RecordingProxyOptions: Sendable {
    /// The address to listen on; loopback unless an auth token is set.
    public var listenHost = "127.0.0.1"
    /// The port; 0 picks a free one.
    public var listenPort = 8080
    /// Where requests go.
    public var routes = RouteTable()
    /// Required path token (`/t/<token>/`); mandatory on non-loopback addresses.
    public var authToken: String?
    /// The cassette; nil forwards without recording (benchmarks).
    public var output: String?
    /// Continue an existing cassette instead of replacing it.
    public var append = false
    /// Answer 503 instead of forwarding while the cassette cannot be written.
    public var failClosed = false
    /// How long in-flight streams may finish after SIGINT/SIGTERM.
    public var drain: Duration = .seconds(10)
    /// Outbound client settings (CA file, timeouts).
    public var upstream = UpstreamClient.Options()
    /// Admin listener host (with ``adminPort``), for `/metrics` and `/healthz`.
    public var adminHost: String?
    /// Admin listener port.
    public var adminPort: Int?
    /// Redaction rules.
    public var redactor = Redactor()
    /// Longest time between cassette flushes.
    public var flushInterval: Duration = .milliseconds(250)
    /// Response bytes recorded per exchange (the rest is forwarded, not recorded).
    public var maxRecordedBody = 256 << 20
    /// Extra header metadata (command, upstreams).
    public var headerMeta = JSONObject()
    /// The tool name written to the cassette header.
    public var tool = "tapedeck"
    /// Whether an upstream is required (replay in `none` mode forwards nothing).
    public var requiresUpstream = true

    /// Defaults.
    public init() {}

    /// Whether `host` is a loopback address.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Checks the settings together.
    public func validate() throws(ProxyConfigError) {
        if routes.routes.isEmpty, requiresUpstream { throw ProxyConfigError("no upstream: give --upstream URL or at least one --route PREFIX=URL") }
        if !Self.isLoopback(listenHost) {
            guard let t = authToken, !t.isEmpty else {
                throw ProxyConfigError("listening on \(listenHost) exposes the proxy beyond this machine: set --auth-token (clients then use http://HOST:PORT/t/<token>/…)")
            }
        }
        if let t = authToken {
            guard t.count >= 8, t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }), t.allSatisfy(\.isASCII) else {
                throw ProxyConfigError("--auth-token must be at least 8 characters of letters, digits, '-' or '_' (it travels in the URL path)")
            }
        }
        guard (0...65535).contains(listenPort) else { throw ProxyConfigError("port \(listenPort) is out of range") }
        if (adminHost == nil) != (adminPort == nil) { throw ProxyConfigError("--admin needs HOST:PORT") }
        if let h = adminHost, !Self.isLoopback(h), authToken == nil {
            throw ProxyConfigError("the admin listener on \(h) would expose metrics beyond this machine; keep it on 127.0.0.1")
        }
    }
}

/// Parses `HOST:PORT`, `[::1]:PORT` or `:PORT` listen addresses.
public enum ListenAddress {
    /// The host and port; throws a message that shows the expected form.
    public static func parse(_ s: String, defaultHost: String = "127.0.0.1") throws(ProxyConfigError) -> (host: String, port: Int) {
        let bad = ProxyConfigError("listen address \"\(s)\" must look like 127.0.0.1:8080")
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw bad }
            let host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            guard rest.first == ":", let port = Int(rest.dropFirst()), (0...65535).contains(port) else { throw bad }
            return (host, port)
        }
        guard let colon = s.lastIndex(of: ":") else {
            if let port = Int(s), (0...65535).contains(port) { return (defaultHost, port) }
            throw bad
        }
        let host = String(s[..<colon])
        guard let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port), !host.contains(":") else { throw bad }
        return (host.isEmpty ? defaultHost : host, port)
    }
}
