/// The endpoint under test: `http://host:port[/base]`, where `/base` may end in `/v1`.
public struct Target: Sendable, Equatable, CustomStringConvertible {
    /// The host name or address.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The path prefix before the API path (`/v1` removed), possibly empty.
    public var basePath: String
    /// The URL as given.
    public var url: String

    /// Parses a target URL; `nil` with a reason when it is not an `http://` URL.
    public static func parse(_ url: String) -> Result<Target, TargetError> {
        var rest = Substring(url)
        if rest.hasPrefix("https://") {
            return .failure(TargetError("\(url): https targets are not supported; use the server's plain http address"))
        }
        guard rest.hasPrefix("http://") else { return .failure(TargetError("\(url): the target must be an http:// URL")) }
        rest = rest.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix("/v1") { path.removeLast(3) }
        var host = String(authority)
        var port = 80
        if authority.hasPrefix("[") {  // [::1]:8000
            guard let close = authority.firstIndex(of: "]") else { return .failure(TargetError("\(url): bad IPv6 address")) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { return .failure(TargetError("\(url): bad port")) }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                return .failure(TargetError("\(url): bad port"))
            }
            port = p
        }
        guard !host.isEmpty else { return .failure(TargetError("\(url): no host")) }
        return .success(Target(host: host, port: port, basePath: path, url: url))
    }

    /// The request path for an API path such as `/v1/chat/completions`.
    public func path(for apiPath: String) -> String { basePath + apiPath }

    /// The `Host` header value.
    public var hostHeader: String { port == 80 ? host : (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)") }

    public var description: String { url }
}

/// A target URL that cannot be used.
public struct TargetError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ d: String) { description = d }
}
