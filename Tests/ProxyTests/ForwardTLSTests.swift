import Cassette
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Proxy
import Testing
import TestSupport

/// An HTTPS upstream on 127.0.0.1 with a self-signed certificate made by `openssl` for this
/// test: it stands in for a provider behind a private CA.
final class TLSUpstream: Sendable {
    let channel: any Channel
    let port: Int
    init(channel: any Channel, port: Int) { self.channel = channel; self.port = port }

    static func start(cert: String, key: String) async throws -> TLSUpstream {
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
                                                           privateKey: .file(key))
        tls.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try ch.pipeline.syncOperations.configureHTTPServerPipeline()
                    try ch.pipeline.syncOperations.addHandler(TLSAnswer())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TLSUpstream(channel: channel, port: channel.localAddress?.port ?? 0)
    }
}

final class TLSAnswer: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        Self.answerJSON(context, #"{"tls":true}"#)
    }

    /// Writes a 200 JSON response with content-length and flushes it.
    static func answerJSON(_ context: ChannelHandlerContext, _ text: String) {
        let body = ByteBuffer(string: text)
        var h = HTTPHeaders()
        h.add(name: "content-length", value: String(body.readableBytes))
        h.add(name: "content-type", value: "application/json")
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
    }
}

/// A self-signed certificate and key made by `openssl` in `dir`, for `name` (`IP:…` or `DNS:…`).
func selfSigned(_ dir: TempDir, _ name: String) throws -> (cert: String, key: String) {
    let cert = dir.file("cert.pem"), key = dir.file("key.pem")
    let cn = String(name.split(separator: ":", maxSplits: 1).last ?? "")
    let gen = try runProcess("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                  "-days", "2", "-subj", "/CN=\(cn)", "-addext", "subjectAltName=\(name)"])
    try #require(gen.code == 0, "openssl: \(gen.stderr)")
    return (cert, key)
}

@Suite("HTTPS upstreams")
struct ForwardTLSTests {
    @Test("certificates are verified: a private CA works with --ca-file and fails without")
    func caFile() async throws {
        let dir = TempDir()
        let (cert, key) = try selfSigned(dir, "IP:127.0.0.1")
        let up = try await TLSUpstream.start(cert: cert, key: key)
        defer { up.channel.close(promise: nil) }
        let url = "https://127.0.0.1:\(up.port)"

        let refused = try await withRecordingProxy(try testOptions(upstream: url, output: dir.file("no.cassette"))) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: "{}")
        }
        #expect(refused.status == 502)
        #expect(refused.text.contains("TLS") || refused.text.lowercased().contains("certificate"), "\(refused.text)")

        var o = try testOptions(upstream: url, output: dir.file("yes.cassette"))
        o.upstream.caFile = cert
        let ok = try await withRecordingProxy(o) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: "{}")
        }
        #expect(ok.status == 200)
        #expect(ok.text == #"{"tls":true}"#)
        let ex = try #require(try CassetteFile.exchanges(path: dir.file("yes.cassette")).exchanges.first)
        #expect(ex.upstream == url + "/v1/chat/completions")
    }

    @Test("a trusted certificate for another name is refused: the host name or address is checked")
    func wrongName() async throws {
        let dir = TempDir()
        let (cert, key) = try selfSigned(dir, "DNS:example.test")
        let up = try await TLSUpstream.start(cert: cert, key: key)
        defer { up.channel.close(promise: nil) }
        for host in ["127.0.0.1", "localhost"] {
            var o = try testOptions(upstream: "https://\(host):\(up.port)", output: nil)
            o.upstream.caFile = cert
            let r = try await withRecordingProxy(o) { p in
                try await TestClient.post(p.baseURL + "/v1/chat/completions", json: "{}")
            }
            #expect(r.status == 502, "\(host): \(r.text)")
            #expect(r.text.contains("TLS"), "\(host): \(r.text)")
        }
    }

    @Test("a certificate for the host name is accepted when the upstream is named by it")
    func byName() async throws {
        let dir = TempDir()
        let (cert, key) = try selfSigned(dir, "DNS:localhost")
        let up = try await TLSUpstream.start(cert: cert, key: key)
        defer { up.channel.close(promise: nil) }
        var o = try testOptions(upstream: "https://localhost:\(up.port)", output: nil)
        o.upstream.caFile = cert
        let r = try await withRecordingProxy(o) { p in
            try await TestClient.post(p.baseURL + "/v1/chat/completions", json: "{}")
        }
        #expect(r.status == 200, "\(r.text)")
        #expect(r.text == #"{"tls":true}"#)
    }
}
