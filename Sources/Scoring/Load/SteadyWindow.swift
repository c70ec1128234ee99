/// The steady-state measurement window of a phase, monotonic ns, half-open [start, end).
public struct SteadyWindow: Sendable, Equatable {
    /// Start of the window.
    public var startNs: Int64
    /// End of the window.
    public var endNs: Int64
    /// A window; `end` before `start` is clamped to an empty window.
    public init(startNs: Int64, endNs: Int64) { self.startNs = startNs; self.endNs = max(startNs, endNs) }
    /// Length in seconds.
    public var seconds: Double { Double(endNs - startNs) / 1e9 }
    /// Whether `t` lies inside.
    public func contains(_ t: Int64) -> Bool { t >= startNs && t < endNs }
}
