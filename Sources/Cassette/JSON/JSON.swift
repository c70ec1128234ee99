/// A JSON value that keeps object key order and the exact text of numbers.
///
/// Tapedeck stores request and response bodies as JSON values, so a value read back
/// must serialize to the same text it was parsed from. Objects therefore keep their key
/// order, and numbers keep their lexeme (`1e3` stays `1e3`, `0.10` stays `0.10`).
/// Equality is semantic for objects: two objects are equal when they hold the same
/// key/value pairs in any order.
public enum JSON: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its source text.
    case number(JSONNumber)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON])
    /// An object whose key order is preserved.
    case object(JSONObject)
}

/// A JSON number kept as text, so that it round-trips exactly.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's text as it appears in JSON.
    public let text: String

    /// Wraps a number lexeme; the caller guarantees it is valid JSON number syntax.
    public init(text: String) { self.text = text }

    /// A number from an integer.
    public init(_ value: Int) { self.text = String(value) }

    /// A number from a double; non-finite values become `0`.
    public init(_ value: Double) {
        if !value.isFinite {
            self.text = "0"
        } else if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    /// The value as a double.
    public var double: Double { Double(text) ?? 0 }

    /// The value as an integer, if it is integral.
    public var int: Int? {
        if let i = Int(text) { return i }
        if let d = Double(text), d == d.rounded(), abs(d) < 9e15 { return Int(d) }
        return nil
    }

    public var description: String { text }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        if a.text == b.text { return true }
        return Double(a.text) == Double(b.text)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(double)
    }
}

extension JSON {
    /// A number value from an integer.
    public static func int(_ v: Int) -> JSON { .number(JSONNumber(v)) }
    /// A number value from a double.
    public static func double(_ v: Double) -> JSON { .number(JSONNumber(v)) }
    /// An object from ordered pairs.
    public static func obj(_ pairs: [(String, JSON)]) -> JSON { .object(JSONObject(pairs)) }

    /// The string payload, if this is a string.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The integer payload, if this is an integral number.
    public var intValue: Int? { if case .number(let n) = self { return n.int }; return nil }
    /// The numeric payload as a double, if this is a number.
    public var doubleValue: Double? { if case .number(let n) = self { return n.double }; return nil }
    /// The boolean payload, if this is a bool.
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The elements, if this is an array.
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    /// The object, if this is an object.
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    /// Whether this is `null`.
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// Member lookup on objects; `nil` for other values or a missing key.
    public subscript(key: String) -> JSON? {
        get { objectValue?[key] }
        set {
            guard case .object(var o) = self else { return }
            o[key] = newValue
            self = .object(o)
        }
    }

    /// Element lookup on arrays; `nil` when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let a) = self, index >= 0, index < a.count else { return nil }
        return a[index]
    }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
