import Cassette
import Prometheus
import Synchronization

/// The proxy's Prometheus metrics: requests by dialect and status, active streams, bytes,
/// a TTFT histogram, and the recorder's queue depth, written and dropped records.
///
/// Live counters (active streams, bytes) move on the event loops through the
/// ``ForwardObserver`` calls; per-dialect counts and TTFT come from the recording pipeline,
/// after the facts are derived, off the event loops.
public final class ProxyMetrics: ForwardObserver {
    /// The registry `/metrics` renders.
    public let registry = PrometheusCollectorRegistry()
    let active: Gauge
    let bytesIn: Counter
    let bytesOut: Counter
    let ttft: ValueHistogram
    let queueDepth: Gauge
    let dropped: Gauge
    let written: Gauge
    let cassetteFailing: Gauge
    let requestCounters = Mutex<[String: Counter]>([:])
    let outcomeCounters = Mutex<[String: Counter]>([:])
    let recorder: CassetteRecorder?

    /// Metrics; `recorder`'s counters are read at each scrape.
    public init(recorder: CassetteRecorder?) {
        self.recorder = recorder
        active = registry.makeGauge(name: "tapedeck_active_streams", help: "Exchanges being forwarded now.")
        bytesIn = registry.makeCounter(name: "tapedeck_bytes_total", labels: [("direction", "request")],
                                       help: "Body bytes forwarded: request (to upstreams) and response (to clients).")
        bytesOut = registry.makeCounter(name: "tapedeck_bytes_total", labels: [("direction", "response")],
                                        help: "Body bytes forwarded: request (to upstreams) and response (to clients).")
        ttft = registry.makeValueHistogram(name: "tapedeck_ttft_seconds",
                                           buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
                                           help: "Time to first token of streamed LLM responses (first token-bearing event minus request sent).")
        queueDepth = registry.makeGauge(name: "tapedeck_recorder_queue_depth", help: "Records waiting for the cassette writer.")
        dropped = registry.makeGauge(name: "tapedeck_recorder_dropped_records", help: "Records lost: queue full or cassette unwritable.")
        written = registry.makeGauge(name: "tapedeck_recorder_written_records", help: "Records written to the cassette.")
        cassetteFailing = registry.makeGauge(name: "tapedeck_recorder_failing", help: "1 while the cassette cannot be written.")
    }

    /// Counts a stream starting.
    public func exchangeStarted() { active.increment() }

    /// Counts a stream ending and its bytes.
    public func exchangeEnded(outcome: Outcome, bytesIn: Int, bytesOut: Int) {
        active.decrement()
        if bytesIn > 0 { self.bytesIn.increment(by: Int64(bytesIn)) }
        if bytesOut > 0 { self.bytesOut.increment(by: Int64(bytesOut)) }
        let key = outcome.rawValue
        let c = outcomeCounters.withLock { d -> Counter in
            if let c = d[key] { return c }
            let c = registry.makeCounter(name: "tapedeck_exchanges_total", labels: [("outcome", key)],
                                         help: "Forwarded exchanges by how they ended.")
            d[key] = c
            return c
        }
        c.increment()
    }

    /// Counts an analyzed exchange by dialect and status, and records its TTFT.
    public func observe(analyzed ex: Exchange) {
        let status = ex.response.map { String($0.status) } ?? "none"
        let key = ex.facts.dialect.rawValue + "|" + status
        let c = requestCounters.withLock { d -> Counter in
            if let c = d[key] { return c }
            let c = registry.makeCounter(name: "tapedeck_requests_total",
                                         labels: [("dialect", ex.facts.dialect.rawValue), ("status", status)],
                                         help: "Recorded requests by dialect and response status (none: no response head).")
            d[key] = c
            return c
        }
        c.increment()
        if let t = ex.facts.ttftNs {
            let from = ex.timing.sentNs ?? 0
            ttft.record(Double(max(0, t - from)) / 1e9)
        }
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] {
        if let s = recorder?.stats {
            queueDepth.set(to: Double(s.queued))
            dropped.set(to: Double(s.dropped))
            written.set(to: Double(s.written))
            cassetteFailing.set(to: s.failing == nil ? 0 : 1)
        }
        return registry.emitToBuffer()
    }
}
