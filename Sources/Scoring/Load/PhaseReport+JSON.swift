import Cassette

extension PhaseReport {
    /// The phase as JSON (schema in docs/load-and-sweep.md).
    public func toJSON(tiers: [SLOTier]) -> JSON {
        var o = JSONObject()
        o["phase"] = .int(phase)
        o["agents"] = .int(agents)
        o["valid"] = .bool(valid)
        o["invalid_reasons"] = .array(invalidReasons.map { .string($0) })
        o["timed_out"] = .bool(run.timedOut)
        o["wall_s"] = Self.num(run.wallSeconds, 3)
        o["window"] = .obj([("start_s", Self.num(run.windowStart, 3)), ("length_s", Self.num(metrics.window.seconds, 3))])
        o["trajectories_completed"] = .int(run.trajectoriesCompleted)
        o["min_trajectories_per_agent"] = .int(run.minPerAgent)
        o["requests"] = .int(metrics.requests)
        o["succeeded"] = .int(metrics.succeeded)
        o["errors"] = .object(JSONObject(metrics.errors.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
        o["error_rate"] = Self.num(metrics.errorRate, 6)
        o["max_error_rate"] = Self.num(maxErrorRate, 6)
        o["usage_counted"] = .int(metrics.usageCounted)
        o["no_tokens"] = .int(metrics.noTokens)
        o["throughput_tok_s"] = Self.num(metrics.throughput, 2)
        o["request_rate_s"] = Self.num(metrics.requestRate, 3)
        o["output_tokens"] = .int(metrics.outputTokens)
        o["input_tokens"] = .int(metrics.inputTokens)
        o["cached_tokens"] = .int(metrics.cachedTokens)
        var ms = JSONObject()
        for m in LoadMetric.allCases {
            let key = m.rawValue + (m == .speed ? "_tok_s" : "_s")
            ms[key] = metrics.summaries[m].map(Self.distribution) ?? .null
        }
        o["metrics"] = .object(ms)
        o["client"] = .obj([
            ("cpu_s", Self.num(run.clientCPUSeconds, 3)),
            ("process_cpu_s", Self.num(run.processCPUSeconds, 3)),
            ("cpu_s_per_million_output_tokens", run.cpuSecondsPerMillionTokens.map { Self.num($0, 3) } ?? .null),
            ("max_loop_utilization", Self.num(run.maxLoopUtilization, 3)),
            ("loop_threads", .int(run.loopThreads)),
            ("connections_opened", .int(run.connectionsOpened)),
            ("events_parsed", .int(run.eventsParsed)),
            ("abandoned_unmeasured", .int(run.abandoned)),
            ("bytes_sent", .int(run.bytesSent)),
            ("bytes_received", .int(run.bytesReceived)),
        ])
        var v = JSONObject()
        for (i, verdict) in verdicts.enumerated() {
            v[verdict.tier] = .obj([("pass", .bool(passes(i))), ("slo_met", .bool(verdict.pass)),
                                    ("reasons", .array(verdict.reasons.map { .string($0) } + (errorsOK ? [] : [.string("error rate over the limit")])))])
        }
        o["tiers"] = .object(v)
        o["ttft_quantiles_s"] = .array(ttftQuantiles.map { Self.num($0, 6) })
        return .object(o)
    }

    static func distribution(_ d: MetricSummary) -> JSON {
        var o = JSONObject()
        o["count"] = .int(d.count)
        o["mean"] = num(d.mean, 6)
        o["min"] = num(d.min, 6)
        o["max"] = num(d.max, 6)
        for p in Percentiles.standard { o["p\(Int(p))"] = d[p].map { num($0, 6) } ?? .null }
        return .object(o)
    }

    /// A number rounded to `digits` decimals.
    static func num(_ v: Double, _ digits: Int) -> JSON {
        guard v.isFinite else { return .null }
        var f = 1.0
        for _ in 0..<digits { f *= 10 }
        return .double((v * f).rounded() / f)
    }
}
