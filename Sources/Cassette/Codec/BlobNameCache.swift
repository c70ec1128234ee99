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
    /// the most recent remembered list that `items` begins with, compared byte for byte; empty
    /// names when there is none.
    func knownPrefix(of items: [JSON]) -> (names: [String], ids: [String]) {
        for list in recentLists.reversed() {
            let m = list.items.count
            // The last entry first: it tells conversations apart soonest.
            guard m <= items.count, JSONExact.equal(items[m - 1], list.items[m - 1]) else { continue }
            if (0..<(m - 1)).allSatisfy({ JSONExact.equal(items[$0], list.items[$0]) }) { return (list.names, list.ids) }
        }
        return ([], [""])
    }

    /// Forgets the remembered entry lists (their blobs may not have reached the file).
    mutating func forgetLists() { recentLists.removeAll() }

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
