import Cassette
import Foundation
import Replay
import Scoring

extension BenchLoad {
    /// Joins the client's requests with the simulator's trace by request id and measures the bias.
    static func compare(_ r: LoadRunResult, tracePath: String, streams: Int) throws -> JSON {
        guard let data = FileManager.default.contents(atPath: tracePath) else { throw CLIError.failed("no simulator trace at \(tracePath)") }
        var server: [String: (arrival: Int64, first: Int64?, tokens: [Int64])] = [:]
        for line in data.split(separator: 0x0A) {
            guard let j = try? JSON.parse(Array(line)), let id = j["request_id"]?.stringValue,
                  let arrival = j["arrival_mono_ns"]?.intValue else { continue }
            server[id] = (Int64(arrival), j["first_token_mono_ns"]?.intValue.map(Int64.init),
                          (j["token_mono_ns"]?.arrayValue ?? []).compactMap { $0.intValue.map(Int64.init) })
        }
        let measured = r.requests.filter { $0.sentNs >= r.window.startNs && $0.sentNs < r.window.endNs }
        var ttftBias: [Double] = [], firstDelivery: [Double] = [], requestTransit: [Double] = [], tokenBias: [Double] = []
        var joined = 0, tokenMatched = 0
        for q in measured where q.errorKind == nil {
            guard let s = server[q.requestId], let cf = q.firstTokenNs, let sf = s.first else { continue }
            joined += 1
            ttftBias.append(Double((cf - q.sentNs) - (sf - s.arrival)) / 1e6)
            firstDelivery.append(Double(cf - sf) / 1e6)
            requestTransit.append(Double(s.arrival - q.sentNs) / 1e6)
            if s.tokens.count == q.tokenEventNs.count {
                tokenMatched += 1
                for (c, sv) in zip(q.tokenEventNs, s.tokens) { tokenBias.append(Double(c - sv) / 1e6) }
            }
        }
        let metrics = LoadMetrics(samples: r.requests.map(LoadMapping.sample), window: SteadyWindow(startNs: r.window.startNs, endNs: r.window.endNs))
        let lagP99 = metrics.percentile(.dispatchLag, 99) ?? 0
        let outTokens = r.requests.reduce(0) { $0 + ($1.errorKind == nil ? $1.outputTokens : 0) }
        let errors = r.requests.filter { $0.errorKind != nil }.count
        // Mean streams in flight over the window: summed request durations inside it ÷ its length.
        var busy = 0.0
        for q in r.requests {
            let a = max(q.sentNs, r.window.startNs), b = min(q.endNs, r.window.endNs)
            if b > a { busy += Double(b - a) }
        }
        let inFlight = busy / Double(max(1, r.window.endNs - r.window.startNs))
        let sustained = errors == 0 && lagP99 <= PhaseReport.maxLagP99 && r.maxLoopUtilization < PhaseReport.maxLoopUtilization
            && inFlight >= Double(streams) * 0.9 && joined > 0
        func stats(_ v: [Double]) -> JSON {
            guard let d = MetricSummary(sorted: v.sorted()) else { return .null }
            return .obj([("p50_ms", round3(d[50] ?? 0)), ("p99_ms", round3(d[99] ?? 0)), ("max_ms", round3(d.max)), ("count", .int(d.count))])
        }
        return .obj([
            ("streams", .int(streams)), ("sustained", .bool(sustained)), ("mean_in_flight", .double((inFlight * 10).rounded() / 10)),
            ("requests_measured", .int(measured.count)), ("joined_with_trace", .int(joined)), ("errors", .int(errors)),
            ("ttft_bias", stats(ttftBias)), ("request_transit", stats(requestTransit)), ("first_token_delivery", stats(firstDelivery)),
            ("token_timing_bias", stats(tokenBias)), ("requests_token_matched", .int(tokenMatched)),
            ("dispatch_lag_p99_ms", round3(lagP99 * 1000)), ("max_loop_utilization", round3(r.maxLoopUtilization)),
            ("client_cpu_s", round3(r.clientCPUSeconds)), ("process_cpu_s", round3(r.processCPUSeconds)),
            ("output_tokens", .int(outTokens)), ("events_parsed", .int(r.eventsParsed)),
            ("client_cpu_s_per_million_output_tokens", outTokens > 0 ? round3(r.clientCPUSeconds / Double(outTokens) * 1e6) : .null),
            ("events_per_client_cpu_second", r.clientCPUSeconds > 0 ? .int(Int(Double(r.eventsParsed) / r.clientCPUSeconds)) : .null),
            ("token_events_per_second", .int(Int(metrics.throughput))),
        ])
    }

    static func round3(_ v: Double) -> JSON { .double((v * 1000).rounded() / 1000) }
}

/// Text lines for the benchmark.
enum BenchLoadText {
    static func levelLine(_ r: JSON) -> String {
        func f(_ path: [String]) -> String {
            var v: JSON? = r
            for p in path { v = v?[p] }
            return v?.doubleValue.map { String(format: "%.3f", $0) } ?? "–"
        }
        return "streams \(r["streams"]?.intValue ?? 0) (in flight \(f(["mean_in_flight"]))): TTFT bias p50 \(f(["ttft_bias", "p50_ms"])) ms p99 \(f(["ttft_bias", "p99_ms"])) ms"
            + " · token timing bias p50 \(f(["token_timing_bias", "p50_ms"])) ms p99 \(f(["token_timing_bias", "p99_ms"])) ms"
            + " · lag p99 \(f(["dispatch_lag_p99_ms"])) ms · busiest loop \(f(["max_loop_utilization"]))"
            + " · \(f(["client_cpu_s_per_million_output_tokens"])) CPU-s/M tokens · errors \(r["errors"]?.intValue ?? 0)"
            + " · \(r["sustained"]?.boolValue == true ? "sustained" : "NOT sustained")"
    }

    static func parseLines(_ p: JSON) -> [String] {
        ["parse: \(p["events_per_cpu_second"]?.intValue ?? 0) token events/s on one core through HTTP framing + SSE + JSON + token extraction"
            + " (\(p["event_bytes"]?.intValue ?? 0)-byte OpenAI chunks)",
         "       SSE framing alone: \(p["sse_framing_only_events_per_cpu_second"]?.intValue ?? 0) events/s; full path ÷ framing = \(p["full_path_vs_framing_only"]?.doubleValue ?? 0)"]
    }
}
