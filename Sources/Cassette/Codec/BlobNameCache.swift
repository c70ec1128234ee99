/// Remembers the blob names of values seen recently, so that the history an agent resends on
/// every turn is not serialized and hashed again.
///
/// A hit needs a value that is the same byte for byte: strings and number texts compared as
/// UTF-8, object keys in the same order. That is stricter than the canonical form the name is
/// computed from, so a hit always returns the name ``Blob/name(of:)`` would. Lookups hash only
/// a sample of each string (its length and a few of its bytes), then confirm with a full
/// comparison, which is much cheaper than serializing and hashing.
///
/// Bounded: names live in two generations of about ``generationBytes`` canonical bytes each;
/// when the current one fills it becomes the previous one and the oldest is dropped, and a
/// value found in the previous generation moves to the current one.
public struct BlobNameCache {
    /// Canonical bytes a generation may name before it is retired.
    public let generationBytes: Int
    private var current: [Key: Entry] = [:]
    private var previous: [Key: Entry] = [:]
    private var currentBytes = 0

    struct Entry {
        let name: String
        let bytes: Int
    }

    /// A cache of two generations of `generationBytes` each.
    public init(generationBytes: Int = 16 << 20) { self.generationBytes = generationBytes }

    /// The blob name of `value`, from the cache or computed (and remembered).
    public mutating func name(of value: JSON) -> String {
        let key = Key(value)
        if let e = current[key] { return e.name }
        if !previous.isEmpty, let e = previous.removeValue(forKey: key) {
            remember(key, e)
            return e.name
        }
        let bytes = value.serialized(sortedKeys: true)
        let e = Entry(name: XXH64.contentName(bytes), bytes: bytes.count)
        remember(key, e)
        return e.name
    }

    private mutating func remember(_ key: Key, _ e: Entry) {
        if currentBytes + e.bytes > generationBytes, !current.isEmpty {
            previous = current
            current = [:]
            currentBytes = 0
        }
        current[key] = e
        currentBytes += e.bytes
    }

    /// A value as a dictionary key: sampled hash (computed once), exact equality.
    struct Key: Hashable {
        let value: JSON
        let sample: UInt64
        init(_ value: JSON) {
            self.value = value
            sample = JSONExact.sample(value)
        }

        static func == (a: Key, b: Key) -> Bool { a.sample == b.sample && JSONExact.equal(a.value, b.value) }
        func hash(into h: inout Hasher) { h.combine(sample) }
    }
}

/// Byte-exact comparison of JSON values, and a cheap hash consistent with it.
enum JSONExact {
    /// Whether `a` and `b` serialize to the same bytes (same key order, same string and number bytes).
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return sameBytes(x.text, y.text)
        case (.string(let x), .string(let y)): return sameBytes(x, y)
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for k in x.indices where !equal(x[k], y[k]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for k in x.keys.indices where !sameBytes(x.keys[k], y.keys[k]) || !equal(x.values[k], y.values[k]) { return false }
            return true
        default: return false
        }
    }

    /// UTF-8 equality (`==` on strings compares canonical equivalence instead, which is wrong here).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }

    /// A hash of the shape of `v` and, for each string, its length and up to 24 of its bytes.
    static func sample(_ v: JSON) -> UInt64 {
        var acc: UInt64 = 0
        mix(v, &acc)
        return acc
    }

    @inline(__always) private static func step(_ acc: inout UInt64, _ x: UInt64) {
        acc = (acc ^ x) &* 0x9E37_79B9_7F4A_7C15
        acc ^= acc >> 29
    }

    private static func mix(_ v: JSON, _ acc: inout UInt64) {
        switch v {
        case .null: step(&acc, 1)
        case .bool(let b): step(&acc, b ? 2 : 3)
        case .number(let n): step(&acc, 4); mix(n.text, &acc)
        case .string(let s): step(&acc, 5); mix(s, &acc)
        case .array(let a):
            step(&acc, 6 | UInt64(a.count) << 8)
            for e in a { mix(e, &acc) }
        case .object(let o):
            step(&acc, 7 | UInt64(o.count) << 8)
            for k in o.keys.indices {
                mix(o.keys[k], &acc)
                mix(o.values[k], &acc)
            }
        }
    }

    private static func mix(_ s: String, _ acc: inout UInt64) {
        var s = s
        s.withUTF8 { b in
            step(&acc, UInt64(b.count))
            guard let p = b.baseAddress else { return }
            let raw = UnsafeRawPointer(p)
            if b.count >= 8 {
                step(&acc, raw.loadUnaligned(as: UInt64.self))
                step(&acc, raw.loadUnaligned(fromByteOffset: (b.count - 8) / 2, as: UInt64.self))
                step(&acc, raw.loadUnaligned(fromByteOffset: b.count - 8, as: UInt64.self))
            } else {
                var w: UInt64 = 0
                withUnsafeMutableBytes(of: &w) { $0.copyMemory(from: UnsafeRawBufferPointer(b)) }
                step(&acc, w)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
