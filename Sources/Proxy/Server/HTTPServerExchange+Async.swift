import NIOCore
import NIOHTTP1

/// `async` versions of the exchange's methods, callable from any task: each hops to the
/// exchange's event loop. Per-chunk hops cost a little; the forwarding path uses the
/// event-loop methods directly.
extension HTTPServerExchange {
    /// Collects the whole request body (see ``collectRequestBody(maxBytes:)``).
    public func requestBody(maxBytes: Int) async throws -> ByteBuffer {
        try await eventLoop.flatSubmit { self.collectRequestBody(maxBytes: maxBytes) }.get()
    }

    /// Sends the response head.
    public func writeHead(_ head: HTTPResponseHead) async {
        try? await eventLoop.submit { self.writeHead(head) }.get()
    }

    /// Writes a body part and waits until the client can take more; throws when it is gone.
    public func write(_ buffer: ByteBuffer) async throws {
        try await eventLoop.flatSubmit { self.writeBodyPart(buffer) }.get()
    }

    /// Ends the response.
    public func finish(trailers: HTTPHeaders? = nil) async throws {
        try await eventLoop.flatSubmit { self.end(trailers: trailers) }.get()
    }

    /// Answers with a complete response.
    public func respond(status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(), body: ByteBuffer = ByteBuffer()) async throws {
        try await eventLoop.flatSubmit { self.respond(status: status, headers: headers, body: body) }.get()
    }

    /// Ends the response abnormally (closes the connection).
    public func abortResponse() async {
        try? await eventLoop.submit { self.abort() }.get()
    }
}
