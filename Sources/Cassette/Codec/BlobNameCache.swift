/// Remembers the blob names of values seen recently, so that the history an agent resends on
/// every turn is not serialized and hashed again.
///
/// A hit needs a value that is the same byte for byte: strings and number texts compared as
/// UTF-8, object keys in the same order. That is stricter than the canonical form the name is
/// computed from, so a hit always returns the name ``Blob/name(of:)`` would. Lookups hash only
/// a sample of each string (its length and a few of its bytes), then confirm with a full
/// comparison, which is much cheaper than serializing and hashing.
///
/// It also keeps the last few entry lists (`messages`, `input`) with their names, so that a
/// request that resends an earlier request's entries, as every agent turn does, reuses their
/// names after a plain comparison, with no hashing at all.
///
/// Bounded: names live in two generations of about ``generationBytes`` canonical bytes each;
/// when the current one fills it becomes the previous one and the oldest is dropped, and a
/// value found in the previous generation moves to the current one. Lists: the last
/// ``recentListLimit``.
public struct BlobNameCache {
    /// Canonical bytes a generation may name before it is retired.
    public let generationBytes: Int
    private var current: [Key: Entry] = [:]
    private var previous: [Key: Entry] = [:]
    private var currentBytes = 0
    private var recentLists: [RecentList] = []
    /// How many recent entry lists are kept (about the number of agents recorded at once).
    public static let recentListLimit = 32

    /// An entry list with its blob names and chained list names (`ids[k]` names the first `k`).
    struct RecentList {
        let items: [JSON]
        let names: [String]
        let ids: [String]
    }

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

    /// The names and chained list names (`ids`, one more than `names`, beginning with `""`) of
    /// the longest prefix of `items` that is a whole recent list, compared byte for byte.
    func knownPrefix(of items: [JSON]) -> (names: [String], ids: [String]) {
        for list in recentLists.reversed() {
            let m = list.items.count
            // The last entry first: it tells conversations apart soonest.
            guard m <= items.count, JSONExact.equal(items[m - 1], list.items[m - 1]) else { continue }
            if (0..<(m - 1)).allSatisfy({ JSONExact.equal(items[$0], list.items[$0]) }) { return (list.names, list.ids) }
        }
        return ([], [""])
    }

    /// Remembers an entry list with its names and chained names, as the most recent one.
    mutating func rememberList(_ items: [JSON], names: [String], ids: [String]) {
        if let last = recentLists.last, last.items.count == items.count, last.ids.last == ids.last { return }
        if recentLists.count >= Self.recentListLimit { recentLists.removeFirst() }
        recentLists.append(RecentList(items: items, names: names, ids: ids))
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
        // One switch per side, no tuple: matching a tuple of enums would copy both.
        switch a {
        case .null: return b.isNull
        case .bool(let x): if case .bool(let y) = b { return x == y }
        case .number(let x): if case .number(let y) = b { return sameBytes(x.text, y.text) }
        case .string(let x): if case .string(let y) = b { return sameBytes(x, y) }
        case .array(let x): if case .array(let y) = b { return x.count == y.count && equal(x, y) }
        case .object(let x):
            if case .object(let y) = b {
                guard x.count == y.count else { return false }
                for k in x.keys.indices where !sameBytes(x.keys[k], y.keys[k]) { return false }
                return equal(x.values, y.values)
            }
        }
        return false
    }

    /// Element-wise ``equal(_:_:)`` of two arrays of one length, read in place.
    private static func equal(_ x: [JSON], _ y: [JSON]) -> Bool {
        x.withUnsafeBufferPointer { a in
            y.withUnsafeBufferPointer { b in
                for k in a.indices where !equal(a[k], b[k]) { return false }
                return true
            }
        }
    }

    /// UTF-8 equality (`==` on strings compares canonical equivalence instead, which is wrong here).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let same = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
        if let outer = same, let inner = outer { return inner }
        return a.utf8.elementsEqual(b.utf8)  // Bridged strings without contiguous UTF-8.
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
