/// An ordered JSON object: key/value pairs in insertion order.
///
/// Lookups are linear, which is faster than hashing for the small objects that make up
/// API payloads. Equality ignores order, as JSON semantics do.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// The keys, in order.
    public private(set) var keys: [String]
    /// The values, parallel to `keys`.
    public private(set) var values: [JSON]

    /// An empty object.
    public init() { keys = []; values = [] }

    /// An object from ordered pairs; a repeated key keeps its last value.
    public init(_ pairs: [(String, JSON)]) {
        keys = []; values = []
        keys.reserveCapacity(pairs.count); values.reserveCapacity(pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    /// Builds an object from parser output, where keys are already unique or last-wins.
    init(uncheckedKeys: [String], values: [JSON]) {
        self.keys = uncheckedKeys
        self.values = values
    }

    /// An empty object with room for `capacity` members.
    init(capacity: Int) {
        keys = []; values = []
        keys.reserveCapacity(capacity); values.reserveCapacity(capacity)
    }

    /// Appends a member whose key the caller knows is not there yet (record builders), without
    /// the search that the subscript setter makes.
    mutating func appendNew(_ key: String, _ value: JSON) {
        keys.append(key); values.append(value)
    }

    /// The number of members.
    public var count: Int { keys.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The value for `key`, or `nil`. Setting `nil` removes the member.
    public subscript(key: String) -> JSON? {
        get {
            for i in keys.indices where keys[i] == key { return values[i] }
            return nil
        }
        set {
            if let i = keys.firstIndex(of: key) {
                if let v = newValue { values[i] = v } else { keys.remove(at: i); values.remove(at: i) }
            } else if let v = newValue {
                keys.append(key); values.append(v)
            }
        }
    }

    /// Iterates the members in order.
    public func makeIterator() -> Iterator { Iterator(keys: keys, values: values) }

    /// The members in order, without type erasure (iteration is on every hot path).
    public struct Iterator: IteratorProtocol {
        let keys: [String]
        let values: [JSON]
        var i = 0
        /// The next member.
        public mutating func next() -> (key: String, value: JSON)? {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.keys.count == b.keys.count else { return false }
        if a.keys == b.keys { return a.values == b.values }
        for i in a.keys.indices {
            guard let other = b[a.keys[i]], other == a.values[i] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine a commutative sum of per-member hashes.
        var acc = 0
        for i in keys.indices {
            var h = Hasher()
            h.combine(keys[i]); h.combine(values[i])
            acc = acc &+ h.finalize()
        }
        hasher.combine(keys.count)
        hasher.combine(acc)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, JSON)...) { self.init(elements) }
}
