import Cassette
import Synchronization

/// What the cassette writer does to each record before encoding it: derive the facts from
/// the bytes (``ExchangeAnalysis``), link trajectories (``TrajectoryLinker``), and report the
/// result to the metrics. It runs on the writer, in queue order, never on an event loop.
public final class RecordingPipeline: Sendable {
    let linker: Mutex<TrajectoryLinker>
    let metrics: ProxyMetrics?

    /// A pipeline; `metrics` receives every analyzed exchange.
    public init(linker: TrajectoryLinker = TrajectoryLinker(), metrics: ProxyMetrics? = nil) {
        self.linker = Mutex(linker)
        self.metrics = metrics
    }

    /// Completes one record in place.
    public func prepare(_ record: inout Record) {
        guard case .exchange = record, case .exchange(var ex) = Record.take(&record) else { return }
        ExchangeAnalysis.complete(&ex)
        linker.withLock { _ = $0.link(&ex) }
        metrics?.observe(analyzed: ex)
        record = .exchange(ex)
    }
}
