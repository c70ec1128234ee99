import Cassette

/// The forward observer that records: each finished exchange is queued on the cassette's
/// single writer, and with `failClosed` requests are refused (503) while the cassette
/// cannot be written.
public struct CassetteSink: ForwardObserver {
    /// The writer.
    public let recorder: CassetteRecorder
    /// Refuse requests rather than forward them unrecorded.
    public let failClosed: Bool

    /// A sink into `recorder`.
    public init(recorder: CassetteRecorder, failClosed: Bool) {
        self.recorder = recorder
        self.failClosed = failClosed
    }

    /// Bodies are recorded.
    public var wantsBodies: Bool { true }

    /// With `failClosed`, a 503 while the cassette is failing or its queue is full.
    public func admit(method: String, target: String) -> ForwardRefusal? {
        guard failClosed else { return nil }
        let s = recorder.stats
        if let why = s.failing {
            return ForwardRefusal(status: 503, type: "tapedeck_cassette_unwritable",
                                  message: "tapedeck: the cassette \(recorder.path) cannot be written (\(why)); refusing to forward unrecorded traffic (--fail-closed)")
        }
        if s.queued >= recorder.maxQueue {
            return ForwardRefusal(status: 503, type: "tapedeck_recorder_overloaded",
                                  message: "tapedeck: the cassette writer is \(s.queued) records behind; refusing to forward unrecorded traffic (--fail-closed)")
        }
        return nil
    }

    /// Queues the exchange.
    public func exchangeFinished(_ exchange: Exchange) {
        recorder.record(.exchange(exchange))
    }
}
