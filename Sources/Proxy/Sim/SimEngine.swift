import Foundation
import Cassette
import NIOCore
import NIOHTTP1

/// The simulator's I/O driver: owns the scheduler, one step timer and the streams, and
/// carries out the scheduler's schedule on one event loop.
///
/// Every step of every stream is driven by the single step timer: when it fires, the
/// scheduler completes the step and returns the token events, and the engine renders and
/// writes each stream's bytes. Streams whose socket is not writable (or that are stalled by a
/// fault) keep their bytes in one pending buffer until the channel drains.
final class SimEngine: @unchecked Sendable {  // All mutable state is touched only on `loop`.
    let loop: EventLoop
    let profile: SimProfile
    let seed: UInt64
    let trace: SimTrace?
    let traceContent: Bool
    var scheduler: SimScheduler
    var streams: [UInt64: SimStream] = [:]
    var nextID: UInt64 = 1
    var arrivals: UInt64 = 0
    var timer: Scheduled<Void>?
    var timerDue: Int64?
    var stats = SimStats()
    var flushTask: RepeatedTask?
    let modelSeed: [String: UInt64]
    /// Lateness beyond which the next step starts from the clock instead of the virtual timeline.
    static let reanchorNs: Int64 = 5_000_000

    init(loop: EventLoop, profile: SimProfile, seed: UInt64, trace: SimTrace?, traceContent: Bool) {
        self.loop = loop
        self.profile = profile
        self.seed = seed
        self.trace = trace
        self.traceContent = traceContent
        self.scheduler = SimScheduler(model: profile.performance)
        var ms: [String: UInt64] = [:]
        for m in profile.models { ms[m] = Self.hash(m, seed: 0) }
        modelSeed = ms
    }

    static func mono() -> Int64 { HostFacts.monoNs() }

    static func hash(_ s: String, seed: UInt64) -> UInt64 {
        var s = s
        return s.withUTF8 { XXH64.hash(UnsafeRawBufferPointer($0), seed: seed) }
    }

    func start() {
        guard trace != nil else { return }
        flushTask = loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [self] _ in
            trace?.flush()
        }
    }

    func shutdown() {
        flushTask?.cancel()
        timer?.cancel()
        for s in streams.values { finish(s, outcome: "server_shutdown", status: 200) }
        trace?.close()
    }

    // MARK: Requests

    func receive(head: HTTPRequestHead, body: [UInt8], tooLarge: Bool, handler: SimHTTPHandler) {
        stats.requests += 1
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let anthropicClient = head.headers.contains(name: "anthropic-version")
        switch (head.method, path) {
        case (.GET, "/health"), (.GET, "/v1/health"), (.GET, "/healthz"):
            handler.respond(status: .ok, body: Array(#"{"status":"ok"}"#.utf8))
        case (.GET, "/v1/models"):
            handler.respond(status: .ok, body: modelsList(anthropic: anthropicClient))
        case (.GET, _) where path.hasPrefix("/v1/models/"):
            let name = String(path.dropFirst("/v1/models/".count)).removingPercentEncoding ?? ""
            if profile.models.contains(name) || (profile.acceptAnyModel && !name.isEmpty) {
                handler.respond(status: .ok, body: modelObject(name, anthropic: anthropicClient).serialized())
            } else {
                let e = SimAPIError(status: 404, kind: .notFound, message: "The model '\(name)' does not exist.", param: "model")
                handler.respond(status: .notFound, body: e.body(anthropic: anthropicClient, model: name))
            }
        case (.POST, "/v1/chat/completions"), (.POST, "/chat/completions"):
            inference(.chat, path: path, head: head, body: body, tooLarge: tooLarge, handler: handler)
        case (.POST, "/v1/completions"), (.POST, "/completions"):
            inference(.completions, path: path, head: head, body: body, tooLarge: tooLarge, handler: handler)
        case (.POST, "/v1/responses"), (.POST, "/responses"):
            inference(.responses, path: path, head: head, body: body, tooLarge: tooLarge, handler: handler)
        case (.POST, "/v1/messages"), (.POST, "/messages"):
            inference(.anthropic, path: path, head: head, body: body, tooLarge: tooLarge, handler: handler)
        case (_, "/v1/chat/completions"), (_, "/v1/completions"), (_, "/v1/responses"), (_, "/v1/messages"):
            let e = SimAPIError(status: 405, kind: .invalidRequest, message: "Method \(head.method) is not allowed on \(path); use POST.")
            handler.respond(status: .methodNotAllowed, headers: [("allow", "POST")], body: e.body(anthropic: path == "/v1/messages"))
        default:
            let e = SimAPIError(status: 404, kind: .notFound, message: "No route for \(head.method) \(path).")
            handler.respond(status: .notFound, body: e.body(anthropic: anthropicClient))
        }
    }

    func modelObject(_ m: String, anthropic: Bool) -> JSON {
        anthropic
            ? .obj([("type", "model"), ("id", .string(m)), ("display_name", .string(m)), ("created_at", "2025-01-01T00:00:00Z")])
            : .obj([("id", .string(m)), ("object", "model"), ("created", 1_735_689_600), ("owned_by", "tapedeck-sim")])
    }

    func modelsList(anthropic: Bool) -> [UInt8] {
        let data = JSON.array(profile.models.map { modelObject($0, anthropic: anthropic) })
        if anthropic {
            return JSON.obj([("data", data), ("has_more", false), ("first_id", profile.models.first.map(JSON.string) ?? .null),
                             ("last_id", profile.models.last.map(JSON.string) ?? .null)]).serialized()
        }
        return JSON.obj([("object", "list"), ("data", data)]).serialized()
    }

    func reject(_ e: SimAPIError, dialect: SimDialect, path: String, model: String?, requestID: String?, arrival: (Int64, Int64),
                handler: SimHTTPHandler, headers: [(String, String)] = [], outcome: String = "rejected") {
        stats.errors += 1
        var h = headers
        if let requestID { h.append(("x-request-id", requestID)) }
        handler.respond(status: HTTPResponseStatus(statusCode: e.status), headers: h, body: e.body(anthropic: dialect.isAnthropic, model: model))
        guard let trace else { return }
        let end = Self.mono()
        var r = JSONObject()
        r["id"] = .number(JSONNumber(text: String(arrivals)))
        r["request_id"] = requestID.map(JSON.string) ?? .null
        r["path"] = .string(path)
        r["dialect"] = .string(dialect.rawValue)
        r["model"] = model.map(JSON.string) ?? .null
        r["status"] = .int(e.status)
        r["outcome"] = .string(outcome)
        r["error"] = .string(e.message)
        r["arrival_mono_ns"] = .number(JSONNumber(text: String(arrival.0)))
        r["arrival_unix_ns"] = .number(JSONNumber(text: String(arrival.1)))
        r["end_mono_ns"] = .number(JSONNumber(text: String(end)))
        r["end_unix_ns"] = .number(JSONNumber(text: String(arrival.1 + end - arrival.0)))
        trace.append(r)
    }
}

