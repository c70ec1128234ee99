import Cassette

/// Watches what the forwarder does: recording and metrics plug in here, so forwarding
/// itself knows nothing about cassettes or Prometheus.
///
/// Calls arrive on event loops and must return quickly; anything heavy belongs on the
/// recorder's writer.
public protocol ForwardObserver: Sendable {
    /// Whether the observer needs the bodies (request and response bytes) in finished records.
    var wantsBodies: Bool { get }
    /// Called before a request is forwarded; a refusal answers it at once instead.
    func admit(method: String, target: String) -> ForwardRefusal?
    /// A request is about to be forwarded.
    func exchangeStarted()
    /// A response head came back.
    func responseStarted(status: Int)
    /// An exchange ended. Its bodies are raw bytes (`.binary`) and its facts are empty:
    /// deriving them is left to the observer, off the event loop.
    func exchangeFinished(_ exchange: Exchange, bytesIn: Int, bytesOut: Int)
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
    public func exchangeFinished(_ exchange: Exchange, bytesIn: Int, bytesOut: Int) {}
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
    public func exchangeFinished(_ exchange: Exchange, bytesIn: Int, bytesOut: Int) {
        for o in all { o.exchangeFinished(exchange, bytesIn: bytesIn, bytesOut: bytesOut) }
    }
}
