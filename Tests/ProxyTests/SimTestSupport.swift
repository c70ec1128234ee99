import AsyncHTTPClient
import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import Proxy

/// A real HTTP client (AsyncHTTPClient) for the simulator's tests.
struct SimClient {
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSON? { try? JSON.parse(body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        /// The SSE `data:` payloads, in order.
        var dataEvents: [String] {
            body.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        }
    }

    let base: String

    init(_ server: SimServer) { base = "http://127.0.0.1:\(server.port)" }

    func send(_ method: HTTPMethod = .POST, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var req = HTTPClientRequest(url: base + path)
        req.method = method
        req.headers.add(name: "content-type", value: "application/json")
        for (k, v) in headers { req.headers.add(name: k, value: v) }
        if let body { req.body = .bytes(ByteBuffer(string: body)) }
        let resp = try await HTTPClient.shared.execute(req, timeout: .seconds(60))
        var collected = ByteBuffer()
        for try await var part in resp.body { collected.writeBuffer(&part) }
        return Reply(status: Int(resp.status.code), headers: resp.headers.map { ($0.name, $0.value) },
                     body: String(buffer: collected))
    }

    func chat(_ body: String, headers: [(String, String)] = []) async throws -> Reply {
        try await send(.POST, "/v1/chat/completions", body: body, headers: headers)
    }
}

/// Runs `body` with a fresh simulator, shutting it down afterwards.
func withSim<T>(_ profile: SimProfile? = nil, seed: UInt64 = 0, trace: String? = nil,
                _ body: (SimServer, SimClient) async throws -> T) async throws -> T {
    let p = try profile ?? SimProfile.named("tiny")
    let sim = try await SimServer.start(profile: p, seed: seed, tracePath: trace)
    do {
        let r = try await body(sim, SimClient(sim))
        try await sim.shutdown()
        return r
    } catch {
        try? await sim.shutdown()
        throw error
    }
}

/// Reads a JSON Lines file.
func readJSONLines(_ path: String) throws -> [JSON] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return try text.split(separator: "\n").map { try JSON.parse(String($0)) }
}
