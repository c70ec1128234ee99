import Cassette
import Foundation
import Yams

/// A proxy configuration file (`--config configs/proxy.yaml`). Every key is optional and
/// the command line wins over the file.
///
/// ```yaml
/// listen: 127.0.0.1:8080
/// upstream: https://api.openai.com
/// routes:
///   /anthropic: https://api.anthropic.com
///   /mcp/fs: http://127.0.0.1:3001/mcp
/// admin: 127.0.0.1:9090
/// fail_closed: false
/// drain: 10            # seconds
/// ca_file: /etc/ssl/private-ca.pem
/// connect_timeout: 10  # seconds
/// read_timeout: 600    # seconds; absent: none
/// redact:
///   headers: [x-internal-token]
///   json_paths: [metadata.user_id]
///   patterns: ['acct-[0-9]{6}']
/// match:               # replay matching (tapedeck serve / run --replay)
///   ignore_paths: [metadata.user_id]
///   ignore_patterns: ['\d{4}-\d{2}-\d{2}']
///   headers: [x-tenant]
/// ```
public struct ProxyConfigFile: Sendable, Equatable {
    /// `listen`.
    public var listen: String?
    /// `upstream`: the route for `/`.
    public var upstream: String?
    /// `routes`: prefix → URL, in file order.
    public var routes: [(prefix: String, url: String)] = []
    /// `admin`.
    public var admin: String?
    /// `auth_token`.
    public var authToken: String?
    /// `fail_closed`.
    public var failClosed: Bool?
    /// `drain`, seconds.
    public var drain: Double?
    /// `ca_file`.
    public var caFile: String?
    /// `connect_timeout`, seconds.
    public var connectTimeout: Double?
    /// `read_timeout`, seconds.
    public var readTimeout: Double?
    /// `redact.headers`.
    public var redactHeaders: [String] = []
    /// `redact.json_paths`.
    public var redactPaths: [String] = []
    /// `redact.patterns`.
    public var redactPatterns: [String] = []
    /// `match`: replay matching rules (ignore_paths, ignore_patterns, headers), as JSON.
    public var match: JSON?

    static let keys: Set<String> = ["listen", "upstream", "routes", "admin", "auth_token", "fail_closed", "drain", "ca_file",
                                    "connect_timeout", "read_timeout", "redact", "match"]

    /// An empty configuration.
    public init() {}

    /// Reads and checks a file; unknown keys and wrong types are errors naming the key.
    public static func load(path: String) throws(ProxyConfigError) -> ProxyConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw ProxyConfigError("cannot read config file \(path)") }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Parses YAML text.
    public static func parse(_ text: String, source: String = "config") throws(ProxyConfigError) -> ProxyConfigFile {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ProxyConfigError("\(source) is not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        var c = ProxyConfigFile()
        guard let node else { return c }
        guard let map = node.mapping else { throw ProxyConfigError("\(source): the top level must be a mapping of settings") }
        for (k, v) in map {
            guard let key = k.string else { continue }
            guard keys.contains(key) else {
                throw ProxyConfigError("\(source): unknown setting \"\(key)\" (known: \(keys.sorted().joined(separator: ", ")))")
            }
            func str() throws(ProxyConfigError) -> String {
                guard let s = v.scalar?.string else { throw ProxyConfigError("\(source): \(key) must be a string") }
                return s
            }
            func num() throws(ProxyConfigError) -> Double {
                guard let s = v.scalar?.string, let d = Double(s), d >= 0 else { throw ProxyConfigError("\(source): \(key) must be a number of seconds") }
                return d
            }
            switch key {
            case "listen": c.listen = try str()
            case "upstream": c.upstream = try str()
            case "admin": c.admin = try str()
            case "auth_token": c.authToken = try str()
            case "ca_file": c.caFile = try str()
            case "drain": c.drain = try num()
            case "connect_timeout": c.connectTimeout = try num()
            case "read_timeout": c.readTimeout = try num()
            case "fail_closed":
                guard let b = v.bool else { throw ProxyConfigError("\(source): fail_closed must be true or false") }
                c.failClosed = b
            case "routes":
                guard let m = v.mapping else { throw ProxyConfigError("\(source): routes must map /prefix to an upstream URL") }
                for (p, u) in m {
                    guard let ps = p.string, let us = u.string else { throw ProxyConfigError("\(source): routes must map /prefix to an upstream URL") }
                    c.routes.append((ps, us))
                }
            case "redact":
                guard let m = v.mapping else { throw ProxyConfigError("\(source): redact must be a mapping (headers, json_paths, patterns)") }
                for (rk, rv) in m {
                    guard let list = rv.sequence?.compactMap({ $0.string }) else {
                        throw ProxyConfigError("\(source): redact.\(rk.string ?? "?") must be a list of strings")
                    }
                    switch rk.string {
                    case "headers": c.redactHeaders = list
                    case "json_paths": c.redactPaths = list
                    case "patterns": c.redactPatterns = list
                    default: throw ProxyConfigError("\(source): unknown redact setting \"\(rk.string ?? "?")\" (headers, json_paths, patterns)")
                    }
                }
            case "match":
                guard let m = v.mapping else { throw ProxyConfigError("\(source): match must be a mapping (ignore_paths, ignore_patterns, headers)") }
                var o = JSONObject()
                for (mk, mv) in m {
                    guard let name = mk.string, let list = mv.sequence?.compactMap({ $0.string }) else {
                        throw ProxyConfigError("\(source): match.\(mk.string ?? "?") must be a list of strings")
                    }
                    o[name] = .array(list.map { .string($0) })
                }
                c.match = .object(o)
            default: break
            }
        }
        return c
    }

    /// Equality over every field (routes compared in order).
    public static func == (a: ProxyConfigFile, b: ProxyConfigFile) -> Bool {
        a.listen == b.listen && a.upstream == b.upstream && a.routes.map { $0.prefix + "=" + $0.url } == b.routes.map { $0.prefix + "=" + $0.url }
            && a.admin == b.admin && a.authToken == b.authToken && a.failClosed == b.failClosed && a.drain == b.drain
            && a.caFile == b.caFile && a.connectTimeout == b.connectTimeout && a.readTimeout == b.readTimeout
            && a.redactHeaders == b.redactHeaders && a.redactPaths == b.redactPaths && a.redactPatterns == b.redactPatterns
            && a.match == b.match
    }
}
