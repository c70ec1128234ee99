/// What replay matching ignores and what it adds, beyond the dialect's own normalization.
///
/// Rules come from a config file (`match:` section) or from the cassette header's
/// `meta.match`, with the same shape:
/// `{"ignore_paths": ["metadata.user_id"], "ignore_patterns": ["\\d{4}-\\d{2}-\\d{2}"], "headers": ["x-tenant"]}`.
public struct MatchRules: Sendable {
    /// JSON paths removed from the normalized request before fingerprinting.
    public var ignorePaths: [JSONPathPattern]
    /// Regexes whose matches are blanked in every string before fingerprinting.
    public var ignorePatterns: [RedactionPattern]
    /// Request headers (lowercase) that take part in matching. None by default.
    public var headers: [String]

    /// No extra rules.
    public init(ignorePaths: [JSONPathPattern] = [], ignorePatterns: [RedactionPattern] = [], headers: [String] = []) {
        self.ignorePaths = ignorePaths
        self.ignorePatterns = ignorePatterns
        self.headers = headers.map { $0.lowercased() }
    }

    /// Rules from their JSON form; a bad path or pattern is an error that names it.
    public init(json: JSON) throws(CassetteError) {
        self.init()
        guard case .object(let o) = json else {
            if json.isNull { return }
            throw .schema("match rules must be an object with ignore_paths, ignore_patterns and headers")
        }
        for k in o.keys where !["ignore_paths", "ignore_patterns", "headers"].contains(k) {
            throw .schema("unknown match rule \"\(k)\"; known: ignore_paths, ignore_patterns, headers")
        }
        for p in o["ignore_paths"]?.arrayValue ?? [] {
            guard let s = p.stringValue else { throw .schema("match.ignore_paths must hold strings") }
            ignorePaths.append(try JSONPathPattern(s))
        }
        for p in o["ignore_patterns"]?.arrayValue ?? [] {
            guard let s = p.stringValue else { throw .schema("match.ignore_patterns must hold strings") }
            ignorePatterns.append(try RedactionPattern(s))
        }
        for h in o["headers"]?.arrayValue ?? [] {
            guard let s = h.stringValue else { throw .schema("match.headers must hold strings") }
            headers.append(s.lowercased())
        }
    }

    /// These rules plus `other`'s.
    public func merged(with other: MatchRules) -> MatchRules {
        MatchRules(ignorePaths: ignorePaths + other.ignorePaths, ignorePatterns: ignorePatterns + other.ignorePatterns,
                   headers: headers + other.headers)
    }

    /// The JSON form, as stored in a cassette header.
    public func toJSON() -> JSON {
        .obj([("ignore_paths", .array(ignorePaths.map { .string($0.description) })),
              ("ignore_patterns", .array(ignorePatterns.map { .string($0.source) })),
              ("headers", .array(headers.map { .string($0) }))])
    }
}
