import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What a test client saw.
struct ClientResult: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var chunks: Int
    var error: String?
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A real HTTP client (async-http-client) for tests: sends one request and collects the
/// streamed answer, or the error that ended it.
enum TestClient {
    static let shared = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                   configuration: .init(redirectConfiguration: .disallow, decompression: .disabled))

    static func send(_ url: String, method: HTTPMethod = .POST, headers: [(String, String)] = [("content-type", "application/json")],
                     body: [UInt8]? = nil, stopAfter: Int? = nil) async throws -> ClientResult {
        var req = HTTPClientRequest(url: url)
        req.method = method
        for (k, v) in headers { req.headers.add(name: k, value: v) }
        if let body { req.body = .bytes(ByteBuffer(bytes: body)) }
        let resp = try await shared.execute(req, timeout: .seconds(60))
        var out = ClientResult(status: Int(resp.status.code), headers: resp.headers, body: [], chunks: 0)
        do {
            for try await chunk in resp.body {
                out.body.append(contentsOf: chunk.readableBytesView)
                out.chunks += 1
                if let s = stopAfter, out.chunks >= s { break }
            }
        } catch {
            out.error = "\(error)"
        }
        return out
    }

    static func post(_ url: String, json: String, headers: [(String, String)] = []) async throws -> ClientResult {
        try await send(url, headers: [("content-type", "application/json")] + headers, body: Array(json.utf8))
    }
}
