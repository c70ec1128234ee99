import Cassette
import NIOCore
import NIOHTTP1

/// The admin listener: `GET /metrics` (Prometheus text) and `GET /healthz` (JSON; 503 while a
/// `--fail-closed` proxy cannot write its cassette).
public struct AdminHandler: HTTPHandler {
    let metrics: ProxyMetrics
    let failClosed: Bool

    /// An admin endpoint over `metrics`.
    public init(metrics: ProxyMetrics, failClosed: Bool) {
        self.metrics = metrics
        self.failClosed = failClosed
    }

    /// Answers one admin request.
    public func handle(_ exchange: HTTPServerExchange) {
        let path = exchange.head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        var headers = HTTPHeaders()
        switch (exchange.head.method, path) {
        case (.GET, "/metrics"):
            headers.add(name: "content-type", value: "text/plain; version=0.0.4; charset=utf-8")
            exchange.respond(status: .ok, headers: headers, body: ByteBuffer(bytes: metrics.render()))
        case (.GET, "/healthz"):
            headers.add(name: "content-type", value: "application/json")
            let failing = metrics.recorder?.stats.failing
            var o = JSONObject()
            o["status"] = .string(failing != nil && failClosed ? "refusing" : "ok")
            if let r = metrics.recorder {
                o["cassette"] = .string(r.path)
                o["cassette_ok"] = .bool(failing == nil)
                if let f = failing { o["cassette_error"] = .string(f) }
                o["dropped_records"] = .int(r.stats.dropped)
            }
            let status: HTTPResponseStatus = failing != nil && failClosed ? .serviceUnavailable : .ok
            exchange.respond(status: status, headers: headers, body: ByteBuffer(bytes: JSON.object(o).serialized()))
        default:
            headers.add(name: "content-type", value: "text/plain")
            exchange.respond(status: .notFound, headers: headers, body: ByteBuffer(string: "tapedeck admin: try /metrics or /healthz\n"))
        }
    }
}
