import Cassette
import NIOCore
import NIOPosix
import Testing
@testable import Replay

/// The load client end to end against the fixture SSE server on loopback.
@Suite(.serialized) struct LoadClientTests {
    /// The client's event loops, shared by the tests (never shut down).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static func workload(trajectories: Int = 3, turns: Int = 3, toolResultWords: Int = 40,
                         policy: TrafficPolicy = TrafficPolicy(model: "candidate")) -> Workload {
        var b = WorkloadBuilder(policy: policy)
        for s in 0..<trajectories {
            for e in SyntheticSession.generate(turns: turns, seed: UInt64(100 + s), toolResultWords: toolResultWords) {
                b.add(e, source: "t")
            }
        }
        return b.finish()
    }

    static func rules(minTrajectories: Int = 3) -> PhaseMonitor.Rules {
        .init(minTrajectories: minTrajectories, minPerAgent: 1, minSteadyNs: 200_000_000, warmupNs: 50_000_000, maxPhaseNs: 60_000_000_000)
    }

    static func run(_ server: SSEFixtureServer, _ w: Workload, agents: Int, gaps: GapPolicy = .cap(0.01),
                    configure: (inout LoadConfig) -> Void = { _ in }) async throws -> LoadRunResult {
        guard case .success(let target) = Target.parse(server.url + "/v1") else { throw TargetError("bad url") }
        var c = LoadConfig(target: target, agents: agents, rules: rules(), gaps: gaps, seed: 7, phaseNonce: 99, rampUpNs: 20_000_000)
        configure(&c)
        return try await LoadRunner.run(workload: w, config: c, group: Self.group)
    }

    @Test func phaseRunsToItsRulesAndMeasuresEveryRequest() async throws {
        let server = try SSEFixtureServer()
        defer { server.shutdown() }
        let r = try await Self.run(server, Self.workload(), agents: 3)
        #expect(r.trajectoriesCompleted >= 3 && r.minPerAgent >= 1)
        #expect(!r.timedOut)
        #expect(r.window.endNs - r.window.startNs >= 200_000_000)
        #expect(!r.requests.isEmpty)
        for q in r.requests {
            #expect(q.errorKind == nil, "\(q.errorKind ?? "") \(q.errorDetail ?? "")")
            #expect(q.status == 200)
            #expect(q.tokenEventNs.count == q.outputTokens)
            #expect(!q.usageCounted)
            let first = try #require(q.firstTokenNs)
            #expect(first > q.sentNs && q.endNs >= first && q.sentNs >= q.readyNs)
        }
        // Every measured request (sent inside the window) ended before the phase did.
        let measured = r.requests.filter { $0.sentNs >= r.window.startNs && $0.sentNs < r.window.endNs }
        #expect(!measured.isEmpty)
        #expect(r.eventsParsed > 0 && r.clientCPUSeconds > 0 && r.loopThreads == 2)
    }

    @Test func requestsCarryOverridesNonceAndRequestIds() async throws {
        let server = try SSEFixtureServer()
        defer { server.shutdown() }
        let r = try await Self.run(server, Self.workload(), agents: 2)
        let seen = server.requests
        #expect(seen.count >= r.requests.count)
        var nonceByInstance: [String: Set<String>] = [:]
        for s in seen {
            let json = try #require(s.json, "every body is valid JSON")
            #expect(json["model"] == "candidate")
            #expect(json["stream_options"]?["include_usage"] == true)
            let len = s.headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) }
            #expect(len == s.body.count)
            let rid = try #require(s.headers.first { $0.0.lowercased() == "x-request-id" }?.1)
            let system = try #require(json["messages"]?[0]?["content"]?.stringValue)
            #expect(system.hasPrefix("[run "))
            let nonce = String(system.prefix(Nonce.length))
            guard let q = r.requests.first(where: { $0.requestId == rid }) else { continue }
            nonceByInstance["\(q.agent)/\(q.instance)", default: []].insert(nonce)
        }
        // One nonce per trajectory instance: kept within it, different across instances.
        #expect(nonceByInstance.values.allSatisfy { $0.count == 1 })
        let all = nonceByInstance.values.flatMap { $0 }
        #expect(Set(all).count == all.count)
    }

    @Test func errorsAreCountedByKindAndAgentsGoOn() async throws {
        var b = SSEFixtureServer.Behavior()
        b.statusFor = { n in n % 3 == 0 ? 429 : (n % 5 == 0 ? 503 : nil) }
        let server = try SSEFixtureServer(b)
        defer { server.shutdown() }
        let r = try await Self.run(server, Self.workload(), agents: 2) { $0.errorBackoffNs = 1_000_000 }
        let kinds = Dictionary(grouping: r.requests.compactMap(\.errorKind), by: { $0 }).mapValues(\.count)
        #expect(kinds["http_429", default: 0] > 0)
        #expect(kinds["http_503", default: 0] > 0)
        #expect(Set(kinds.keys).isSubset(of: ["http_429", "http_503"]))
        #expect(r.requests.contains { $0.errorKind == nil })
        #expect(r.trajectoriesCompleted >= 3)
    }

    @Test func stalledRequestsTimeOut() async throws {
        var b = SSEFixtureServer.Behavior()
        b.stall = { $0 == 2 }
        let server = try SSEFixtureServer(b)
        defer { server.shutdown() }
        let r = try await Self.run(server, Self.workload(), agents: 1) { $0.requestTimeoutNs = 300_000_000 }
        #expect(!r.timedOut)
        let timeouts = r.requests.filter { $0.errorKind == "timeout" }
        #expect(timeouts.count == 1)
        if let t = timeouts.first { #expect(t.endNs - t.sentNs >= 300_000_000) }
    }

    @Test func idleConnectionsAreReplacedBeforeTheServerDropsThem() async throws {
        var b = SSEFixtureServer.Behavior()
        b.idleClose = .milliseconds(150)
        let server = try SSEFixtureServer(b)
        defer { server.shutdown() }
        // Gaps of 250 ms are longer than both the server's idle timeout and the client's keep-alive limit.
        let r = try await Self.run(server, Self.workload(turns: 3), agents: 1, gaps: .cap(0.25)) {
            $0.keepAliveIdleNs = 100_000_000
            $0.preconnectNs = 20_000_000
        }
        #expect(r.requests.allSatisfy { $0.errorKind == nil })
        // A new connection for every turn after a gap: each request but the trajectory starts got a fresh one.
        let sentOnNew = r.requests.filter { $0.connectNs != nil }.count
        #expect(sentOnNew >= r.requests.count - r.trajectoriesCompleted - 1)
        // And without gaps, one connection carries everything.
        let server2 = try SSEFixtureServer()
        defer { server2.shutdown() }
        let r2 = try await Self.run(server2, Self.workload(turns: 3), agents: 1, gaps: .cap(0))
        #expect(r2.connectionsOpened == 1)
        #expect(r2.requests.count > 3)
    }

    @Test func missingUsageFallsBackToCountedEventsAndIsFlagged() async throws {
        var b = SSEFixtureServer.Behavior()
        b.omitUsage = true
        let server = try SSEFixtureServer(b)
        defer { server.shutdown() }
        let r = try await Self.run(server, Self.workload(), agents: 1)
        #expect(r.requests.allSatisfy { $0.usageCounted && $0.outputTokens == $0.tokenEventNs.count && $0.errorKind == nil })
    }

    @Test func megabyteContextsAreSentWhole() async throws {
        // ~1 MB of context by the last turn (100K-token class), shared between turns.
        let w = Self.workload(trajectories: 1, turns: 6, toolResultWords: 40_000)
        let biggest = w.trajectories[0].turns.map(\.bodyLength).max()!
        #expect(biggest > 1_000_000)
        let server = try SSEFixtureServer()
        defer { server.shutdown() }
        let r = try await Self.run(server, w, agents: 2) { $0.rules = Self.rules(minTrajectories: 2) }
        #expect(r.requests.allSatisfy { $0.errorKind == nil })
        let big = server.requests.filter { $0.body.count > 1_000_000 }
        #expect(!big.isEmpty)
        #expect(big.allSatisfy { $0.json != nil })
    }

    @Test func unreachableTargetFailsFastNamingTheURL() async throws {
        let port = freeLoopbackPortForTest()
        guard case .success(let t) = Target.parse("http://127.0.0.1:\(port)/v1") else { Issue.record("parse"); return }
        do {
            try await TargetProbe.check(t, group: Self.group)
            Issue.record("expected a failure")
        } catch let e as TargetError {
            #expect(e.description == "cannot reach target http://127.0.0.1:\(port)/v1: connection refused")
        }
    }

    @Test func targetURLs() {
        guard case .success(let a) = Target.parse("http://localhost:8000/v1/") else { Issue.record("a"); return }
        #expect(a.host == "localhost" && a.port == 8000 && a.path(for: "/v1/chat/completions") == "/v1/chat/completions")
        guard case .success(let b) = Target.parse("http://10.0.0.2/serve/v1") else { Issue.record("b"); return }
        #expect(b.port == 80 && b.path(for: "/v1/messages") == "/serve/v1/messages" && b.hostHeader == "10.0.0.2")
        guard case .success(let c) = Target.parse("http://[::1]:9000") else { Issue.record("c"); return }
        #expect(c.host == "::1" && c.hostHeader == "[::1]:9000")
        for bad in ["https://api.openai.com/v1", "ftp://x", "http://:80", "http://host:0", "http://host:99999", "localhost:8000"] {
            if case .success = Target.parse(bad) { Issue.record("\(bad) should not parse") }
        }
    }
}

func freeLoopbackPortForTest() -> Int {
    let ch = try? ServerBootstrap(group: NIOSingletons.posixEventLoopGroup).bind(host: "127.0.0.1", port: 0).wait()
    let p = ch?.localAddress?.port ?? 1
    try? ch?.close().wait()
    return p
}
