import NIOCore
import NIOHTTP1

/// What a server does with each request: the one thing to implement to plug into ``HTTPServer``.
///
/// `handle(_:)` is called on the connection's event loop as soon as a request head has been
/// parsed, before its body arrives. Read the body with
/// ``HTTPServerExchange/onRequestBody(_:)`` or ``HTTPServerExchange/collectRequestBody(maxBytes:)``,
/// and answer with ``HTTPServerExchange/writeHead(_:)``, ``HTTPServerExchange/writeBodyPart(_:)``
/// and ``HTTPServerExchange/end(trailers:)``. Work that wants `async` code runs through
/// ``HTTPServerExchange/spawn(_:)``, a child task of the server's `run()`.
public protocol HTTPHandler: Sendable {
    /// Starts answering one request. Called on `exchange.eventLoop`; must not block.
    func handle(_ exchange: HTTPServerExchange)
}

/// An ``HTTPHandler`` made from a closure.
public struct HTTPHandlerClosure: HTTPHandler {
    let body: @Sendable (HTTPServerExchange) -> Void
    /// A handler that calls `body` for every request.
    public init(_ body: @escaping @Sendable (HTTPServerExchange) -> Void) { self.body = body }
    /// Calls the closure.
    public func handle(_ exchange: HTTPServerExchange) { body(exchange) }
}

/// One event of a request body as the server receives it.
public enum HTTPRequestBodyEvent: Sendable {
    /// Some bytes, exactly as read (after de-chunking).
    case bytes(ByteBuffer)
    /// The body is complete; trailers if the client sent any.
    case end(HTTPHeaders?)
}

/// Errors a server exchange reports to its handler.
public struct HTTPServerExchangeError: Error, CustomStringConvertible, Sendable {
    enum Kind: Sendable { case clientGone, bodyTooLarge(Int), responseState(String) }
    let kind: Kind
    /// The client closed the connection before the response was complete.
    public static let clientGone = HTTPServerExchangeError(kind: .clientGone)
    /// A collected request body went past its limit.
    public static func bodyTooLarge(_ limit: Int) -> HTTPServerExchangeError { .init(kind: .bodyTooLarge(limit)) }
    static func responseState(_ s: String) -> HTTPServerExchangeError { .init(kind: .responseState(s)) }
    /// Whether this is ``clientGone``.
    public var isClientGone: Bool { if case .clientGone = kind { return true }; return false }
    /// A one-line description.
    public var description: String {
        switch kind {
        case .clientGone: return "the client closed the connection"
        case .bodyTooLarge(let n): return "request body larger than \(n) bytes"
        case .responseState(let s): return "response written out of order: \(s)"
        }
    }
}
