import Cassette

/// Settings of a replay server (`tapedeck serve`, `tapedeck run --replay`).
public struct ReplayOptions: Sendable {
    /// The cassette to answer from (and, in recording modes, to write to).
    public var cassette: String
    /// vcrpy-style mode.
    public var mode: ReplayMode = .none
    /// How responses are paced.
    public var timing: ReplayTiming = .instant
    /// Let a recorded response answer more than once.
    public var allowRepeats = false
    /// Extra matching rules (the cassette header's `meta.match` rules always apply too).
    public var rules = MatchRules()
    /// A replay in `none` mode on an empty cassette is refused unless this is set.
    public var allowEmpty = false

    /// Settings for a cassette.
    public init(cassette: String) { self.cassette = cassette }
}
