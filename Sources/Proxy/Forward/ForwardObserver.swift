import Cassette

/// Watches what the forwarder does: recording and metrics plug in here, so forwarding
/// itself knows nothing about cassettes or Prometheus.
///
/// Calls arrive on event loops and must return quickly; anything heavy belongs on the
/// recorder's writer.
public protocol ForwardObserver: Sendable {
    /// Whether the observer needs finished records with their bodies (``exchangeFinished(_:)``);
    /// when no observer does, the forwarder builds no record at all.
    var wantsBodies: Bool { get }
    /// Called before a request is forwarded; a refusal answers it at once instead.
    func admit(method: String, target: String) -> ForwardRefusal?
    /// A request is about to be forwarded.
    func exchangeStarted()
    /// A response head came back.
    func responseStarted(status: Int)
    /// An exchange ended: how, and the bytes each way. Called for every exchange.
    func exchangeEnded(outcome: Outcome, bytesIn: Int, bytesOut: Int)
    /// The finished record, after ``exchangeEnded(outcome:bytesIn:bytesOut:)``, when some observer
    /// ``wantsBodies``. Its bodies are raw bytes (`.binary`) and its facts are empty: deriving
    /// them is left to the observer, off the event loop.
    func exchangeFinished(_ exchange: Exchange)
}

extension ForwardObserver {
    /// Needs no bodies.
    public var wantsBodies: Bool { false }
    /// Admits everything.
    public func admit(method: String, target: String) -> ForwardRefusal? { nil }
    /// Does nothing.
    public func exchangeStarted() {}
    /// Does nothing.
    public func responseStarted(status: Int) {}
    /// Does nothing.
    public func exchangeEnded(outcome: Outcome, bytesIn: Int, bytesOut: Int) {}
    /// Does nothing.
    public func exchangeFinished(_ exchange: Exchange) {}
}

/// An answer given instead of forwarding (for example 503 while the cassette is failing).
public struct ForwardRefusal: Sendable, Equatable {
    /// HTTP status.
    public var status: Int
    /// Error type word for the JSON body.
    public var type: String
    /// Human-readable message.
    public var message: String
    /// A refusal.
    public init(status: Int, type: String, message: String) { self.status = status; self.type = type; self.message = message }
}

/// Several observers as one.
public struct ForwardObservers: ForwardObserver {
    let all: [any ForwardObserver]
    /// Combines observers; the first refusal wins.
    public init(_ all: [any ForwardObserver]) { self.all = all }
    /// True when any observer wants bodies.
    public var wantsBodies: Bool { all.contains { $0.wantsBodies } }
    /// The first refusal.
    public func admit(method: String, target: String) -> ForwardRefusal? {
        for o in all { if let r = o.admit(method: method, target: target) { return r } }
        return nil
    }
    /// Tells every observer.
    public func exchangeStarted() { for o in all { o.exchangeStarted() } }
    /// Tells every observer.
    public func responseStarted(status: Int) { for o in all { o.responseStarted(status: status) } }
    /// Tells every observer.
    public func exchangeEnded(outcome: Outcome, bytesIn: Int, bytesOut: Int) {
        for o in all { o.exchangeEnded(outcome: outcome, bytesIn: bytesIn, bytesOut: bytesOut) }
    }
    /// Tells every observer.
    public func exchangeFinished(_ exchange: Exchange) {
        for o in all { o.exchangeFinished(exchange) }
    }
}
