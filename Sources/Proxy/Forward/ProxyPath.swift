/// The Tapedeck prefixes a client may put in front of its request path, so that agents need
/// nothing but a base URL: `/t/<token>/` carries the auth token and `/s/<id>/` names an
/// explicit session (trajectory). Either order is accepted; both are removed before routing
/// and neither is recorded in the request URL.
public struct ProxyPath: Sendable, Equatable {
    /// The auth token, when given.
    public var token: String?
    /// The explicit session id, when given.
    public var session: String?
    /// The request target (path and query) with the prefixes removed.
    public var rest: String

    /// Splits a request target.
    public init(_ target: String) {
        var rest = Substring(target)
        token = nil
        session = nil
        while rest.hasPrefix("/t/") || rest.hasPrefix("/s/") {
            let isToken = rest.hasPrefix("/t/")
            let after = rest.dropFirst(3)
            let end = after.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? after.endIndex
            let value = String(after[..<end])
            guard !value.isEmpty else { break }
            if isToken { if token != nil { break }; token = value } else { if session != nil { break }; session = value }
            rest = after[end...]
            if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        }
        self.rest = String(rest)
    }
}

/// Compares secrets in time that does not depend on where they first differ.
enum ConstantTime {
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return diff == 0
    }
}
