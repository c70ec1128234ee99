/// Where the proxy forwards each request: path prefixes mapped to upstream base URLs.
///
/// The longest matching prefix wins and is stripped; the rest of the path is appended to the
/// upstream's own path. A prefix matches whole segments: `/anthropic` matches
/// `/anthropic/v1/messages` but not `/anthropical`. The route `/` catches everything else.
public struct RouteTable: Sendable, Equatable {
    /// One route.
    public struct Route: Sendable, Equatable {
        /// The path prefix, normalized: starts with `/`, no trailing `/` (except the root `/`).
        public var prefix: String
        /// The upstream base URL as given.
        public var upstream: UpstreamURL
    }

    /// A resolved destination for one request.
    public struct Target: Sendable, Equatable {
        /// The route that matched.
        public var route: Route
        /// The full upstream URL: scheme, authority, base path, the stripped path and the query.
        public var url: String
    }

    /// The routes, longest prefix first.
    public private(set) var routes: [Route] = []

    /// An empty table.
    public init() {}

    /// Adds (or replaces) a route. Throws when the URL is not an absolute http(s) URL.
    public mutating func add(prefix: String, upstream: String) throws(ProxyConfigError) {
        var p = prefix.trimmingSlashes
        p = p.isEmpty ? "/" : "/" + p
        let u = try UpstreamURL(upstream)
        routes.removeAll { $0.prefix == p }
        routes.append(Route(prefix: p, upstream: u))
        routes.sort { $0.prefix.utf8.count > $1.prefix.utf8.count }
    }

    /// Parses `PREFIX=URL` (the `--route` syntax).
    public mutating func add(spec: String) throws(ProxyConfigError) {
        guard let eq = spec.firstIndex(of: "="), spec.first == "/" else {
            throw .init("route \"\(spec)\" must look like /prefix=https://host[/path]")
        }
        try add(prefix: String(spec[..<eq]), upstream: String(spec[spec.index(after: eq)...]))
    }

    /// The destination for a request target (path and query), or nil when no route matches.
    public func resolve(_ target: String) -> Target? {
        let q = target.firstIndex(of: "?")
        let path = q.map { String(target[..<$0]) } ?? target
        let query = q.map { String(target[$0...]) } ?? ""
        for r in routes {
            let rest: Substring
            if r.prefix == "/" {
                rest = Substring(path)
            } else if path == r.prefix {
                rest = ""
            } else if path.hasPrefix(r.prefix), path.utf8.dropFirst(r.prefix.utf8.count).first == UInt8(ascii: "/") {
                rest = path.dropFirst(r.prefix.count)
            } else {
                continue
            }
            return Target(route: r, url: r.upstream.joined(path: rest) + query)
        }
        return nil
    }
}

/// An absolute http or https URL split into the parts the forwarder needs.
public struct UpstreamURL: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// Host and optional port, as written.
    public var authority: String
    /// The base path without a trailing slash ("" for none).
    public var basePath: String

    /// Parses and checks a URL such as `https://api.openai.com` or `http://127.0.0.1:3001/mcp`.
    public init(_ s: String) throws(ProxyConfigError) {
        let lower = s.lowercased()
        let scheme: String
        if lower.hasPrefix("http://") { scheme = "http" } else if lower.hasPrefix("https://") { scheme = "https" } else {
            throw .init("upstream \"\(s)\" must start with http:// or https://")
        }
        let rest = s.dropFirst(scheme.count + 3)
        let slash = rest.firstIndex(of: "/")
        let authority = String(slash.map { rest[..<$0] } ?? rest)
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("?"), !authority.contains("#") else {
            throw .init("upstream \"\(s)\" needs a host (and no credentials, query or fragment)")
        }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
                throw .init("upstream \"\(s)\" has an invalid port")
            }
        }
        var base = slash.map { String(rest[$0...]) } ?? ""
        guard !base.contains("?"), !base.contains("#") else { throw .init("upstream \"\(s)\" must not carry a query or fragment") }
        while base.hasSuffix("/") { base.removeLast() }
        self.scheme = scheme
        self.authority = authority
        self.basePath = base
    }

    /// Scheme and authority: `https://api.openai.com`.
    public var origin: String { "\(scheme)://\(authority)" }

    /// The URL as normalized.
    public var description: String { origin + basePath }

    /// The URL for a request path below the base.
    public func joined(path: Substring) -> String {
        if path.isEmpty { return origin + (basePath.isEmpty ? "/" : basePath) }
        return origin + basePath + (path.first == "/" ? "" : "/") + path
    }
}

/// A proxy setting that cannot be used; the message says what to change.
public struct ProxyConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong.
    public let description: String
    /// An error with a message.
    public init(_ message: String) { description = message }
}

extension String {
    var trimmingSlashes: String {
        var s = Substring(self)
        while s.first == "/" { s = s.dropFirst() }
        while s.last == "/" { s = s.dropLast() }
        return String(s)
    }
}
