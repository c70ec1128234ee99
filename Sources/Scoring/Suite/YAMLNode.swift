import Cassette
import Yams

/// A position in a source file, 1-based.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The file, as named by the caller.
    public var file: String
    /// Line, from 1.
    public var line: Int
    /// Column, from 1.
    public var column: Int
    /// A location.
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// An error in a YAML input, with where it is: printed as `file:line:column: message`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong and what to do.
    public var message: String
    /// An error at a location.
    public init(_ location: SourceLocation, _ message: String) { self.location = location; self.message = message }
    /// One line: `file:line:column: message`.
    public var description: String { "\(location): \(message)" }
}

/// A YAML node with its source location, detached from Yams (Sendable, value semantics).
public struct YAMLNode: Sendable, Equatable {
    /// The node's shape.
    public enum Value: Sendable, Equatable {
        /// A scalar, with whether it was written plain (unquoted), so its type can be resolved.
        case scalar(String, plain: Bool)
        /// A list.
        case sequence([YAMLNode])
        /// A mapping, in source order.
        case mapping([(key: YAMLNode, value: YAMLNode)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case let (.scalar(x, p), .scalar(y, q)): return x == y && p == q
            case let (.sequence(x), .sequence(y)): return x == y
            case let (.mapping(x), .mapping(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }
    /// The value.
    public var value: Value
    /// Where it starts.
    public var location: SourceLocation

    /// Parses YAML text (the first document); errors carry the file, line and column.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw Self.convert(e, file: file)
        } catch {
            throw ConfigError(SourceLocation(file: file, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
        guard let root else { throw ConfigError(SourceLocation(file: file, line: 1, column: 1), "the file is empty") }
        return YAMLNode(root, file: file)
    }

    init(_ node: Node, file: String) {
        let m = node.mark
        location = SourceLocation(file: file, line: m?.line ?? 1, column: m?.column ?? 1)
        switch node {
        case .scalar(let s): value = .scalar(s.string, plain: s.style == .plain || s.style == .any)
        case .sequence(let s): value = .sequence(s.map { YAMLNode($0, file: file) })
        case .mapping(let m): value = .mapping(m.map { (YAMLNode($0.key, file: file), YAMLNode($0.value, file: file)) })
        case .alias: value = .scalar("", plain: true)
        }
    }

    static func convert(_ e: YamlError, file: String) -> ConfigError {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let ctx = context.map { " (\($0.text))" } ?? ""
            return ConfigError(SourceLocation(file: file, line: mark.line, column: mark.column), "invalid YAML: \(problem)\(ctx)")
        case let .reader(problem, _, _, _):
            return ConfigError(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                               "duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(e)")
        }
    }
}

extension YAMLNode {
    /// The scalar text, if this is a scalar.
    public var scalar: String? { if case .scalar(let s, _) = value { return s }; return nil }
    /// The items, if this is a list.
    public var items: [YAMLNode]? { if case .sequence(let s) = value { return s }; return nil }
    /// The pairs, if this is a mapping.
    public var pairs: [(key: YAMLNode, value: YAMLNode)]? { if case .mapping(let m) = value { return m }; return nil }

    /// The member for a key, if this is a mapping.
    public subscript(key: String) -> YAMLNode? { pairs?.first(where: { $0.key.scalar == key })?.value }

    /// A short name of the node's kind, for messages.
    public var kindName: String {
        switch value {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The node as a typed JSON value: plain scalars resolve to null, booleans and numbers (YAML core schema).
    public var json: JSON {
        switch value {
        case .scalar(let s, let plain):
            guard plain else { return .string(s) }
            switch s {
            case "null", "Null", "NULL", "~", "": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if Int(s) != nil { return .number(JSONNumber(text: s)) }
            if let d = Double(s), d.isFinite, s.first.map({ $0.isNumber || $0 == "-" || $0 == "." || $0 == "+" }) == true {
                return .double(d)
            }
            return .string(s)
        case .sequence(let items): return .array(items.map(\.json))
        case .mapping(let pairs): return .obj(pairs.map { ($0.key.scalar ?? "", $0.value.json) })
        }
    }

    /// The value as a string; any scalar qualifies.
    public func string(_ what: String) throws(ConfigError) -> String {
        guard let s = scalar else { throw ConfigError(location, "\(what) must be a string, not \(kindName)") }
        return s
    }

    /// The value as a number.
    public func number(_ what: String) throws(ConfigError) -> Double {
        guard let s = scalar, let d = Double(s.replacingOccurrences(of: "_", with: "")), d.isFinite else {
            throw ConfigError(location, "\(what) must be a number, not \(scalar.map { "'\($0)'" } ?? kindName)")
        }
        return d
    }

    /// The value as a non-negative integer.
    public func count(_ what: String) throws(ConfigError) -> Int {
        guard let s = scalar, let n = Int(s), n >= 0 else {
            throw ConfigError(location, "\(what) must be a whole number ≥ 0, not \(scalar.map { "'\($0)'" } ?? kindName)")
        }
        return n
    }

    /// The value as a list of strings (a single string counts as a list of one).
    public func strings(_ what: String) throws(ConfigError) -> [String] {
        if let s = scalar { return [s] }
        guard let items else { throw ConfigError(location, "\(what) must be a list of strings, not \(kindName)") }
        var out: [String] = []
        for i in items { out.append(try i.string("each entry of \(what)")) }
        return out
    }

    /// The pairs of a mapping, or an error naming what was expected.
    public func mapping(_ what: String) throws(ConfigError) -> [(key: YAMLNode, value: YAMLNode)] {
        guard let p = pairs else { throw ConfigError(location, "\(what) must be a mapping, not \(kindName)") }
        return p
    }

    /// Fails on keys outside `allowed`, naming the allowed ones.
    public func checkKeys(_ allowed: [String], in what: String) throws(ConfigError) {
        for (k, _) in try mapping(what) {
            let key = k.scalar ?? ""
            if !allowed.contains(key) {
                throw ConfigError(k.location, "unknown key '\(key)' in \(what); allowed: \(allowed.joined(separator: ", "))")
            }
        }
    }
}
