import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Proxy
import Testing

/// The server's own response encoder against NIO's `HTTPResponseEncoder`, which it replaces:
/// the same responses must come out as the same bytes.
@Suite("Response encoding")
struct HTTPResponseWriterTests {
    struct Case: CustomStringConvertible {
        var method: HTTPMethod
        var version: HTTPVersion
        var status: HTTPResponseStatus
        var headers: [(String, String)]
        var parts: [Int]
        var trailers: [(String, String)]?

        var description: String {
            "\(method) HTTP/\(version.major).\(version.minor) \(status.code) \(headers.map(\.0)) parts \(parts) trailers \(trailers?.count ?? -1)"
        }

        func head() -> HTTPResponseHead {
            HTTPResponseHead(version: version, status: status, headers: HTTPHeaders(headers))
        }

        func part(_ k: Int) -> ByteBuffer {
            ByteBuffer(bytes: (0..<parts[k]).map { UInt8(truncatingIfNeeded: 0x41 + ($0 + k) % 26) })
        }

        var trailerHeaders: HTTPHeaders? { trailers.map { HTTPHeaders($0) } }
    }

    /// What NIO's encoder writes, fed the request through NIO's decoder so that it knows the method.
    static func nio(_ c: Case) throws -> [UInt8] {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
        try channel.writeInbound(ByteBuffer(string: "\(c.method.rawValue) / HTTP/\(c.version.major).\(c.version.minor)\r\nhost: x\r\n\r\n"))
        while try channel.readInbound(as: HTTPServerRequestPart.self) != nil {}
        channel.write(HTTPServerResponsePart.head(c.head()), promise: nil)
        for k in c.parts.indices { channel.write(HTTPServerResponsePart.body(.byteBuffer(c.part(k))), promise: nil) }
        channel.writeAndFlush(HTTPServerResponsePart.end(c.trailerHeaders), promise: nil)
        var out: [UInt8] = []
        while let b = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let bb) = b { out += bb.readableBytesView }
        }
        return out
    }

    /// What ``HTTPResponseWriter`` writes, taking pending bytes the way the connection does.
    static func ours(_ c: Case, takeEvery: Int) -> [UInt8] {
        var w = HTTPResponseWriter(allocator: ByteBufferAllocator())
        var out: [UInt8] = []
        func take() { if let b = w.take() { out += b.readableBytesView } }
        w.head(c.head(), requestMethod: c.method)
        for k in c.parts.indices {
            if let large = w.body(c.part(k)) {
                take()
                out += large.readableBytesView
                w.largePartWritten()
            }
            if k % takeEvery == 0 { take() }
        }
        w.end(c.trailerHeaders)
        take()
        return out
    }

    static var cases: [Case] {
        var all: [Case] = []
        let heads: [[(String, String)]] = [
            [("content-type", "text/event-stream")],
            [("content-length", "0")],
            [("transfer-encoding", "chunked")],
            [("content-length", "5"), ("transfer-encoding", "chunked")],
            [("x-a", "1"), ("Transfer-Encoding", "gzip")],
        ]
        let bodies: [[Int]] = [[], [1], [0, 3], [15, 16, 17, 255, 256], [HTTPResponseWriter.copyLimit, HTTPResponseWriter.copyLimit + 1, 7], [100_000]]
        for method in [HTTPMethod.GET, .POST, .HEAD] {
            for version in [HTTPVersion.http1_1, .http1_0] {
                for status in [HTTPResponseStatus.ok, .noContent, .notModified, .custom(code: 299, reasonPhrase: "Odd"), .badGateway] {
                    for h in heads {
                        for b in bodies {
                            for t in [nil, [("x-trailer", "v")]] as [[(String, String)]?] {
                                // Bodies on statuses that have none are a caller's error NIO asserts on.
                                if !status.mayHaveResponseBody && !b.allSatisfy({ $0 == 0 }) { continue }
                                if method == .HEAD && !b.allSatisfy({ $0 == 0 }) { continue }
                                all.append(Case(method: method, version: version, status: status, headers: h, parts: b, trailers: t))
                            }
                        }
                    }
                }
            }
        }
        return all
    }

    @Test("every response comes out as NIO's encoder writes it, however the pending bytes are taken")
    func sameBytesAsNIO() throws {
        let cases = Self.cases
        #expect(cases.count > 500)
        for c in cases {
            let want = try Self.nio(c)
            for every in [1, 2, 1000] {
                let got = Self.ours(c, takeEvery: every)
                #expect(got == want, "\(c), taken every \(every): got \(String(decoding: got.prefix(300), as: UTF8.self).debugDescription) want \(String(decoding: want.prefix(300), as: UTF8.self).debugDescription)")
            }
        }
    }

    @Test("a response to HEAD keeps its framing headers and sends no body or last chunk")
    func headKeepsHeaders() {
        var w = HTTPResponseWriter(allocator: ByteBufferAllocator())
        w.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: ["content-type": "text/plain"]), requestMethod: .HEAD)
        #expect(w.body(ByteBuffer(string: "dropped")) == nil)
        w.end(nil)
        let text = String(buffer: w.take() ?? ByteBuffer())
        #expect(text == "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
    }

    @Test("chunk size lines in hex at every digit count", arguments: [1, 9, 10, 15, 16, 255, 256, 4095, 4096, 65535, 65536, 1 << 20])
    func hexSizes(n: Int) {
        var b = ByteBuffer()
        b.writeWithUnsafeMutableBytes(minimumWritableBytes: 18) { HTTPResponseWriter.sizeLine(n, into: $0) }
        #expect(String(buffer: b) == String(n, radix: 16) + "\r\n")
    }
}
