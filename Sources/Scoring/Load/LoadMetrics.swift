/// The metrics of one load phase, computed from its requests over the steady-state window.
///
/// Requests count when they were sent inside the window. Failed requests are left out of the
/// latency distributions but counted in ``errorRate``. System throughput counts the output
/// tokens whose events fall inside the window: each request's N_out is spread evenly over
/// its token events, so a request that straddles the window edge counts in part.
public struct LoadMetrics: Sendable {
    /// The window the metrics cover.
    public var window: SteadyWindow
    /// Requests sent inside the window.
    public var requests: Int
    /// Of those, how many succeeded.
    public var succeeded: Int
    /// Failures by kind (`http_429`, `http_5xx`, `timeout`, `connect`, `reset`…).
    public var errors: [String: Int]
    /// Succeeded requests whose output tokens were counted from events (no usage from the server).
    public var usageCounted: Int
    /// Succeeded requests that streamed no token-bearing event.
    public var noTokens: Int
    /// Output tokens of the counted requests (server usage).
    public var outputTokens: Int
    /// Input tokens of the counted requests.
    public var inputTokens: Int
    /// Cached input tokens of the counted requests.
    public var cachedTokens: Int
    /// Output tokens per second whose events fell inside the window.
    public var throughput: Double
    /// Requests completed per second inside the window.
    public var requestRate: Double
    /// Count, mean, extremes and standard percentiles, by metric.
    public var summaries: [LoadMetric: MetricSummary]
    var sorted: [LoadMetric: [Double]]

    /// Computes the metrics of `samples` over `window`.
    public init(samples: [LoadSample], window: SteadyWindow) {
        self.window = window
        var values: [LoadMetric: [Double]] = [:]
        for m in LoadMetric.allCases { values[m] = [] }
        var errors: [String: Int] = [:]
        var requests = 0, ok = 0, counted = 0, noTokens = 0, outTok = 0, inTok = 0, cached = 0
        var windowTokens = 0.0
        var completions = 0
        for s in samples {
            if s.ok, !s.tokenEventNs.isEmpty {
                let per = Double(s.outputTokens) / Double(s.tokenEventNs.count)
                var inside = 0
                for t in s.tokenEventNs where window.contains(t) { inside += 1 }
                windowTokens += per * Double(inside)
            }
            guard window.contains(s.sentNs) else { continue }
            requests += 1
            values[.dispatchLag]!.append(s.dispatchLag)  // Every key was set above.
            guard s.ok else { errors[s.errorKind ?? "error", default: 0] += 1; continue }
            ok += 1
            if window.contains(s.endNs) { completions += 1 }
            if s.usageCounted { counted += 1 }
            outTok += s.outputTokens; inTok += s.inputTokens; cached += s.cachedTokens
            guard s.firstTokenNs != nil else { noTokens += 1; continue }
            if let v = s.ttft { values[.ttft]!.append(v) }
            if let v = s.ttfo { values[.ttfo]!.append(v) }
            if let v = s.e2e { values[.e2e]!.append(v) }
            if let v = s.scheduledE2E { values[.scheduledE2E]!.append(v) }
            if let v = s.outputSpeed { values[.speed]!.append(v); values[.tpot]!.append(1 / v) }
            var prev: Int64?
            for t in s.tokenEventNs {
                if let p = prev { values[.itl]!.append(Double(t - p) / 1e9) }
                prev = t
            }
        }
        self.requests = requests
        self.succeeded = ok
        self.errors = errors
        self.usageCounted = counted
        self.noTokens = noTokens
        self.outputTokens = outTok
        self.inputTokens = inTok
        self.cachedTokens = cached
        self.throughput = window.seconds > 0 ? windowTokens / window.seconds : 0
        self.requestRate = window.seconds > 0 ? Double(completions) / window.seconds : 0
        var dists: [LoadMetric: MetricSummary] = [:]
        var sorted: [LoadMetric: [Double]] = [:]
        for (m, v) in values {
            let s = v.sorted()
            sorted[m] = s
            if let d = MetricSummary(sorted: s) { dists[m] = d }
        }
        self.summaries = dists
        self.sorted = sorted
    }

    /// Failed requests inside the window.
    public var failed: Int { requests - succeeded }

    /// Failed ÷ sent inside the window (0 when nothing was sent).
    public var errorRate: Double { requests > 0 ? Double(failed) / Double(requests) : 0 }

    /// The `p`-th percentile (0…100) of a metric, NumPy-linear; `nil` without values.
    public func percentile(_ metric: LoadMetric, _ p: Double) -> Double? {
        guard let s = sorted[metric] else { return nil }
        return Percentiles.ofSorted(s, p)
    }

    /// The sorted values of a metric (for histograms and charts).
    public func values(_ metric: LoadMetric) -> [Double] { sorted[metric] ?? [] }

    /// `count + 1` evenly spaced quantiles (0…100 %) of a metric, for distribution charts.
    public func quantiles(_ metric: LoadMetric, count: Int = 100) -> [Double] {
        guard let s = sorted[metric], !s.isEmpty, count > 0 else { return [] }
        return (0...count).map { Percentiles.ofSorted(s, Double($0) * 100 / Double(count))! }  // s is non-empty, p in 0…100.
    }

    /// The same metrics without the raw values (percentiles beyond the standard ones are then unavailable).
    public func withoutSamples() -> LoadMetrics {
        var m = self
        m.sorted = [:]
        return m
    }
}
