/// What a replay server did, for its summary and exit code.
public struct ReplayStats: Sendable, Equatable {
    /// Requests answered from the cassette.
    public var hits = 0
    /// Requests nothing in the cassette answered.
    public var misses = 0
    /// Requests forwarded upstream (recording modes).
    public var forwarded = 0
    /// The explanation of every miss, in order.
    public var missMessages: [String] = []
    /// Recorded exchanges never played.
    public var unplayed = 0
}
