import Cassette
import NIOCore
import NIOHTTP1

/// The admin listener: `GET /metrics` (Prometheus text) and `GET /healthz` (JSON; 503 while a
/// `--fail-closed` proxy cannot write its cassette).
///
/// With `authToken` set (an admin listener off loopback), every request must carry the token,
/// as `Authorization: Bearer <token>` (Prometheus's `authorization` scrape setting) or in the
/// path (`/t/<token>/metrics`); anything else gets 401.
public struct AdminHandler: HTTPHandler {
    let metrics: ProxyMetrics
    let failClosed: Bool
    let authToken: String?

    /// An admin endpoint over `metrics`.
    public init(metrics: ProxyMetrics, failClosed: Bool, authToken: String? = nil) {
        self.metrics = metrics
        self.failClosed = failClosed
        self.authToken = authToken
    }

    /// Answers one admin request.
    public func handle(_ exchange: HTTPServerExchange) {
        var headers = HTTPHeaders()
        let target = ProxyPath(exchange.head.uri)
        if let expected = authToken {
            let bearer = exchange.head.headers["authorization"].first.flatMap { v -> String? in
                v.lowercased().hasPrefix("bearer ") ? String(v.dropFirst(7).drop(while: { $0 == " " })) : nil
            }
            guard let given = target.token ?? bearer, ConstantTime.equal(given, expected) else {
                headers.add(name: "content-type", value: "text/plain")
                headers.add(name: "www-authenticate", value: "Bearer")
                exchange.respond(status: .unauthorized, headers: headers,
                                 body: ByteBuffer(string: "tapedeck admin: send the auth token as 'Authorization: Bearer <token>' or in the path /t/<token>/metrics\n"))
                return
            }
        }
        let path = target.rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
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
