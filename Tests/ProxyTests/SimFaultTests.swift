import Cassette
import Foundation
import TestSupport
import Testing
@testable import Proxy

/// Faults requested per request (header) and per profile (rates).
@Suite struct SimFaultTests {
    static let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"ignore_eos":true,"stream":true}"#

    @Test func serverErrorAndRateLimit() async throws {
        try await withSim { _, c in
            let e = try await c.chat(Self.body, headers: [("X-Tapedeck-Fault", "error")])
            #expect(e.status == 500)
            #expect(e.json?["error"]?["type"]?.stringValue == "server_error")
            let r = try await c.chat(Self.body, headers: [("X-Tapedeck-Fault", "rate_limit=7")])
            #expect(r.status == 429)
            #expect(r.header("retry-after") == "7")
            #expect(r.json?["error"]?["code"]?.stringValue == "rate_limit_exceeded")
            let a = try await c.send(.POST, "/v1/messages", body: #"{"model":"m","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}"#,
                                     headers: [("X-Tapedeck-Fault", "429")])
            #expect(a.status == 429)
            #expect(a.json?["error"]?["type"]?.stringValue == "rate_limit_error")
        }
    }

    @Test func malformedChunk() async throws {
        try await withSim { _, c in
            let r = try await c.chat(Self.body, headers: [("X-Tapedeck-Fault", "malformed=2")])
            let bad = r.dataEvents.filter { $0 != "[DONE]" && (try? JSON.parse($0)) == nil }
            #expect(bad.count == 1)
            #expect(r.dataEvents.last == "[DONE]")
        }
    }

    @Test func disconnectInMidStream() async throws {
        let dir = TempDir()
        let trace = dir.file("t.jsonl")
        try await withSim(trace: trace) { _, c in
            do {
                let r = try await c.chat(Self.body, headers: [("X-Tapedeck-Fault", "disconnect=3")])
                // If the client saw an orderly end, the stream must still lack its terminator.
                #expect(!r.dataEvents.contains("[DONE]"))
            } catch {
                // The connection closed before the chunked body ended: what a client sees.
            }
        }
        let rec = try readJSONLines(trace)
        #expect(rec.first?["outcome"]?.stringValue == "fault_disconnect")
        #expect(rec.first?["output_tokens"]?.intValue == 3)
    }

    @Test func stallHoldsTheStreamBack() async throws {
        let dir = TempDir()
        let trace = dir.file("t.jsonl")
        try await withSim(trace: trace) { _, c in
            let r = try await c.chat(Self.body, headers: [("X-Tapedeck-Fault", "stall=300@2")])
            #expect(r.dataEvents.last == "[DONE]")
        }
        let t = try readJSONLines(trace)[0]["token_mono_ns"]?.arrayValue?.compactMap(\.intValue) ?? []
        #expect(t.count == 8)
        // The server holds tokens 3.. for at least 300 ms after token 2 (a lower bound it enforces).
        #expect(t.count > 2 && t[2] - t[1] >= 300_000_000)
    }

    @Test func slowFirstToken() async throws {
        let dir = TempDir()
        let trace = dir.file("t.jsonl")
        try await withSim(trace: trace) { _, c in
            _ = try await c.chat(Self.body, headers: [("X-Tapedeck-Fault", "slow_first_token=250")])
        }
        let r = try readJSONLines(trace)[0]
        let ttft = (r["first_token_mono_ns"]?.intValue ?? 0) - (r["arrival_mono_ns"]?.intValue ?? 0)
        #expect(ttft >= 250_000_000)
        #expect(r["faults"]?.arrayValue == ["slow_first_token"])
    }

    @Test func profileRatesFailRequestsDeterministically() async throws {
        var p = try SimProfile.named("tiny")
        p.faults.errorRate = 0.5
        func statuses(seed: UInt64) async throws -> [Int] {
            try await withSim(p, seed: seed) { _, c in
                var s: [Int] = []
                for _ in 0..<20 { s.append(try await c.chat(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1}"#).status) }
                return s
            }
        }
        let a = try await statuses(seed: 3), b = try await statuses(seed: 3)
        #expect(a == b)
        #expect(a.contains(500) && a.contains(200))
        #expect(Set(a) == [200, 500])
    }

    @Test func headerSyntax() throws {
        var f = SimFaultPlan()
        try f.apply(header: "stall=1500@4; malformed=2, disconnect")
        #expect(f.stallAfter == 4 && f.stallNs == 1_500_000_000)
        #expect(f.malformedAfter == 2)
        #expect(f.disconnectAfter == 5)
        try f.apply(header: "none")
        #expect(f == SimFaultPlan())
        #expect(throws: SimConfigError.self) { try f.apply(header: "stall=abc") }
        #expect(throws: SimConfigError.self) { try f.apply(header: "meteor") }
    }
}
