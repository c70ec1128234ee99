import Cassette
import Yams

/// Reads YAML into Tapedeck's ordered `JSON` value, keeping mapping order so that anything
/// derived from it (tool-call arguments in scripts, for instance) serializes deterministically.
enum SimYAML {
    /// Parses `text`; an empty document is `null`.
    static func parse(_ text: String, source: String) throws -> JSON {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .null }
            return convert(node)
        } catch {
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw SimConfigError("\(source): invalid YAML: \(first)")
        }
    }

    static func convert(_ node: Node) -> JSON {
        switch node {
        case .scalar(let s):
            guard s.style == .plain || s.style == .any else { return .string(s.string) }
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(JSON.bool) ?? .string(s.string)
            case Tag.Name.int.rawValue:
                if let i = node.int { return .int(i) }
                return .string(s.string)
            case Tag.Name.float.rawValue:
                if let d = node.float, d.isFinite { return .number(JSONNumber(text: normalizedFloat(s.string, d))) }
                return .string(s.string)
            default: return .string(s.string)
            }
        case .mapping(let m):
            var o = JSONObject()
            for (k, v) in m { o[k.string ?? "\(k)"] = convert(v) }
            return .object(o)
        case .sequence(let seq):
            return .array(seq.map(convert))
        case .alias:
            return .null
        }
    }

    /// Keeps a YAML float's own text when it is valid JSON, else the shortest double text.
    static func normalizedFloat(_ text: String, _ d: Double) -> String {
        if (try? JSON.parse(text)) != nil { return text }
        return "\(d)"
    }
}

/// A bad simulator profile, script or option, with a message that says what to fix.
public struct SimConfigError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and where.
    public let message: String
    /// Wraps a message.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
