import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Proxy
import ServiceLifecycle
import Synchronization

/// A small upstream server for forwarding tests, on 127.0.0.1 port 0, built on the same
/// server core. Each test passes the behaviour it needs (an SSE stream, a stream that dies,
/// a huge line, a gzip body…) as a closure; the comment at each use says which real
/// upstream behaviour it stands in for.
final class UpstreamFixture: Sendable {
    let server: HTTPServer
    let requests = Mutex<[(head: HTTPRequestHead, body: [UInt8])]>([])
    let port: Int

    private init(server: HTTPServer, port: Int) {
        self.server = server
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts a fixture whose handler gets the request head and whole body.
    static func start(_ respond: @escaping @Sendable (HTTPServerExchange, [UInt8]) -> Void) async throws -> UpstreamFixture {
        let box = FixtureBox()
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, drain: .milliseconds(100)),
                                handler: HTTPHandlerClosure { ex in
            ex.collectRequestBody(maxBytes: 64 << 20).whenSuccess { body in
                let bytes = Array(body.readableBytesView)
                box.fixture?.requests.withLock { $0.append((ex.head, bytes)) }
                respond(ex, bytes)
            }
        })
        let addr = try await server.start()
        let f = UpstreamFixture(server: server, port: addr.port ?? 0)
        box.fixture = f
        return f
    }

    /// Stops the listener and closes connections.
    func stop() { server.shutdown() }

    /// Writes an SSE stream: each event as one chunk, `gapMs` apart, then ends (or aborts
    /// after `abortAfter` events, like an upstream whose process dies mid-stream).
    static func sse(_ ex: HTTPServerExchange, events: [String], gapMs: Int64 = 5, abortAfter: Int? = nil) {
        var h = HTTPHeaders()
        h.add(name: "content-type", value: "text/event-stream")
        ex.writeHead(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))
        @Sendable func send(_ k: Int) {
            if let a = abortAfter, k == a { ex.abort(); return }
            guard k < events.count else { ex.end(); return }
            ex.writeBodyPart(ByteBuffer(string: events[k])).whenComplete { _ in
                ex.eventLoop.scheduleTask(in: .milliseconds(gapMs)) { send(k + 1) }
            }
        }
        send(0)
    }

    /// A JSON answer with content-length.
    static func json(_ ex: HTTPServerExchange, _ text: String, status: HTTPResponseStatus = .ok) {
        var h = HTTPHeaders()
        h.add(name: "content-type", value: "application/json")
        ex.respond(status: status, headers: h, body: ByteBuffer(string: text))
    }
}

/// `@unchecked Sendable`: set once right after start, before any request can arrive.
final class FixtureBox: @unchecked Sendable {
    var fixture: UpstreamFixture?
}

/// Runs a recording proxy in-process for the duration of `body`, then shuts it down
/// gracefully (drain, flush, close) and returns what `body` returned.
func withRecordingProxy<T: Sendable>(_ options: RecordingProxyOptions,
                                     _ body: @escaping @Sendable (RecordingProxy) async throws -> T) async throws -> T {
    let proxy = try RecordingProxy(options: options)
    try await proxy.start()
    let group = ServiceGroup(configuration: .init(services: proxy.services, logger: .init(label: "test")))
    let result = try await withThrowingTaskGroup(of: T?.self) { tg in
        tg.addTask { try await group.run(); return nil }
        tg.addTask {
            do {
                let r = try await body(proxy)
                await group.triggerGracefulShutdown()
                return r
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
        var out: T?
        for try await r in tg { if let r { out = r } }
        return out!  // the body task always returns a value or throws.
    }
    await proxy.shutdownClient()
    return result
}

/// Options for a test proxy on a free loopback port recording to `path`, with `/` → `upstream`.
func testOptions(upstream: String, output: String?) throws -> RecordingProxyOptions {
    var o = RecordingProxyOptions()
    o.listenPort = 0
    o.output = output
    o.drain = .seconds(2)
    try o.routes.add(prefix: "/", upstream: upstream)
    o.flushInterval = .milliseconds(50)
    return o
}
