import Cassette

/// Typed access to one YAML mapping of a profile or script, rejecting unknown keys so that a
/// typo never silently falls back to a default.
struct SimConfigReader {
    let object: JSONObject
    let path: String
    let source: String
    private var used: Set<String> = []

    init(_ value: JSON?, path: String, source: String) throws {
        self.path = path
        self.source = source
        switch value {
        case nil, .null?: object = JSONObject()
        case .object(let o)?: object = o
        case let v?: throw SimConfigError("\(source): \(path.isEmpty ? "the document" : path) must be a mapping, not a \(v.kindName)")
        }
    }

    func key(_ k: String) -> String { path.isEmpty ? k : path + "." + k }
    func error(_ k: String, _ m: String) -> SimConfigError { SimConfigError("\(source): \(key(k)) \(m)") }

    mutating func raw(_ k: String) -> JSON? {
        used.insert(k)
        guard let v = object[k], !v.isNull else { return nil }
        return v
    }

    mutating func string(_ k: String, _ dflt: String) throws -> String {
        guard let v = raw(k) else { return dflt }
        switch v {
        case .string(let s): return s
        case .number(let n): return n.text
        case .bool(let b): return b ? "true" : "false"
        default: throw error(k, "must be a string")
        }
    }

    mutating func int(_ k: String, _ dflt: Int) throws -> Int {
        guard let v = raw(k) else { return dflt }
        guard let i = v.intValue else { throw error(k, "must be an integer") }
        return i
    }

    mutating func double(_ k: String, _ dflt: Double) throws -> Double {
        guard let v = raw(k) else { return dflt }
        guard let d = v.doubleValue, d.isFinite else { throw error(k, "must be a number") }
        return d
    }

    mutating func rate(_ k: String, _ dflt: Double) throws -> Double {
        let d = try double(k, dflt)
        guard d >= 0, d <= 1 else { throw error(k, "must be a probability between 0 and 1") }
        return d
    }

    mutating func bool(_ k: String, _ dflt: Bool) throws -> Bool {
        guard let v = raw(k) else { return dflt }
        guard let b = v.boolValue else { throw error(k, "must be true or false") }
        return b
    }

    mutating func strings(_ k: String) throws -> [String] {
        guard let v = raw(k) else { return [] }
        if let s = v.stringValue { return [s] }
        guard let a = v.arrayValue else { throw error(k, "must be a list of strings") }
        return try a.map { e in
            guard let s = e.stringValue else { throw error(k, "must be a list of strings") }
            return s
        }
    }

    mutating func child(_ k: String) throws -> SimConfigReader {
        try SimConfigReader(raw(k), path: key(k), source: source)
    }

    /// Fails on the first key that was never read.
    func finish() throws {
        for k in object.keys where !used.contains(k) {
            throw SimConfigError("\(source): unknown key '\(key(k))'")
        }
    }
}
